import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { HoptraceOptionsError } from '@hoptrace/core';
import { requestContext } from '@hoptrace/core/adapter';
import { describe, expect, it } from 'vitest';
import { hoptraceServerOptions, serverOptionsOf } from './server-options.js';

function rawRequest(headers: Record<string, string>): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.headers = headers;
  return request;
}

describe('hoptraceServerOptions', () => {
  it('returns genReqId and turns off Fastify’s own requestIdHeader', () => {
    const options = hoptraceServerOptions();
    expect(options.requestIdHeader).toBe(false);
    expect(typeof options.genReqId).toBe('function');
    expect(options.genReqId.name).toBe('hoptraceGenReqId');
  });

  it('genReqId returns the validated incoming ID and leaves the context on the raw request', () => {
    const { genReqId } = hoptraceServerOptions();
    const request = rawRequest({
      'x-request-id': 'given',
      b3: '80f198ee56343ba8-e457b5a2e4d86bd1-1',
    });
    expect(genReqId(request)).toBe('given');
    expect(requestContext(request)).toMatchObject({
      requestId: 'given',
      traceId: '80f198ee56343ba8',
    });
  });

  it('genReqId replaces an invalid ID, and returns the same ID when called again', () => {
    const { genReqId } = hoptraceServerOptions();
    const request = rawRequest({ 'x-request-id': 'a b' });
    const id = genReqId(request);
    expect(id).not.toBe('a b');
    expect(genReqId(request)).toBe(id);
  });

  it('hands the raw request and peer address to trustRequestId', () => {
    const seen: unknown[] = [];
    const { genReqId } = hoptraceServerOptions({
      trustRequestId: (request) => {
        seen.push(request.request);
        return false;
      },
    });
    const request = rawRequest({ 'x-request-id': 'given' });
    expect(genReqId(request)).not.toBe('given');
    expect(seen).toEqual([request]);
  });

  it('throws on a bad option, naming it', () => {
    expect(() => hoptraceServerOptions({ forwardHeaderMaxLength: 0 })).toThrow(
      HoptraceOptionsError,
    );
  });

  it('remembers the options its genReqId was made from, for the plugin to compare', () => {
    const options = { requestIdHeader: 'x-correlation-id' };
    expect(serverOptionsOf(hoptraceServerOptions(options).genReqId)).toEqual(options);
    expect(serverOptionsOf(() => 'id')).toBeUndefined();
    expect(serverOptionsOf(undefined)).toBeUndefined();
  });
});
