import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { type HoptraceOptions, HoptraceOptionsError, tryGetContext } from '@hoptrace/core';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { hoptrace } from './hoptrace.js';

/** A bare Node request/response pair, as Express hands them to middleware. */
function exchange(headers: Record<string, string> = {}): { request: Request; response: Response } {
  const request = new IncomingMessage(new Socket());
  request.headers = headers;
  const response = new ServerResponse(request);
  return { request: request as Request, response: response as unknown as Response };
}

describe('hoptrace()', () => {
  it('returns a middleware named hoptraceMiddleware with the (req, res, next) signature', () => {
    const middleware = hoptrace();
    expect(middleware.name).toBe('hoptraceMiddleware');
    expect(middleware.length).toBe(3);
  });

  it.each<[string, HoptraceOptions]>([
    ['mode', { mode: 'sideways' as never }],
    ['requestIdHeader', { requestIdHeader: 'b3' }],
    ['requestIdHeader', { requestIdHeader: 'x request id' }],
    ['generateRequestId', { generateRequestId: () => 'not valid!' }],
    ['requestIDHeader', { requestIDHeader: 'x-id' } as HoptraceOptions],
  ])('throws at construction naming %s', (option, options) => {
    expect(() => hoptrace(options)).toThrow(HoptraceOptionsError);
    expect(() => hoptrace(options)).toThrow(option);
  });

  it('sets the response header, req.id and req.hoptrace, then calls next in the context', () => {
    const { request, response } = exchange({ 'x-request-id': 'unit-1' });
    let seenInNext: string | undefined;
    hoptrace()(request, response, () => {
      seenInNext = tryGetContext()?.requestId;
    });
    expect(seenInNext).toBe('unit-1');
    expect(response.getHeader('x-request-id')).toBe('unit-1');
    expect(request.id).toBe('unit-1');
    expect(request.hoptrace.requestId).toBe('unit-1');
    expect(tryGetContext()).toBeUndefined();
  });

  it('leaves a request that already has a context to the first instance', () => {
    const { request, response } = exchange();
    const outer = hoptrace();
    const inner = hoptrace({ requestIdHeader: 'x-correlation-id' });
    let nextCalls = 0;
    outer(request, response, () => {
      inner(request, response, () => {
        nextCalls++;
        expect(tryGetContext()).toBe(request.hoptrace);
      });
    });
    expect(nextCalls).toBe(1);
    expect(response.getHeader('x-correlation-id')).toBeUndefined();
    expect(response.getHeader('x-request-id')).toBe(request.id);
  });
});

describe('app.use(hoptrace) without the parentheses', () => {
  it('fails with a message that says to call hoptrace()', () => {
    const { request } = exchange();
    request.method = 'GET';
    expect(() => (hoptrace as (options: unknown) => unknown)(request)).toThrow(
      /got an instance of IncomingMessage: the middleware itself was passed; call hoptrace\(\) to make it/,
    );
  });
});
