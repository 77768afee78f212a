import { EventEmitter } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { close, listen, send } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { extract } from '../engine/extract.js';
import { bindEmitter, bindRequestContext, requestContext } from './bind-emitter.js';
import { ContextSlot } from './context-slot.js';
import { getRequestId, runWithContext, tryGetContext } from './context-storage.js';

type Listener = { readonly name: string; readonly listener?: { readonly name: string } };

describe('bindEmitter', () => {
  it('runs listeners in the context they were added in, whoever emits', () => {
    const emitter = new EventEmitter();
    const seen: (string | undefined)[] = [];
    runWithContext(extract({ 'x-request-id': 'request-1' }), () => {
      bindEmitter(emitter);
      emitter.on('data', () => seen.push(getRequestId()));
      emitter.once('end', () => seen.push(`end:${getRequestId()}`));
      emitter.prependListener('data', () => seen.push(`first:${getRequestId()}`));
    });
    runWithContext(extract({ 'x-request-id': 'someone-else' }), () => emitter.emit('data'));
    emitter.emit('end');
    emitter.emit('end');
    expect(seen).toEqual(['first:request-1', 'request-1', 'end:request-1']);
  });

  it('keeps removeListener working with the original listener', () => {
    const emitter = bindEmitter(new EventEmitter());
    let calls = 0;
    const listener = () => {
      calls++;
    };
    emitter.on('event', listener);
    emitter.removeListener('event', listener);
    emitter.addListener('event', listener);
    emitter.off('event', listener);
    emitter.once('event', listener);
    emitter.removeListener('event', listener);
    emitter.emit('event');
    expect(calls).toBe(0);
    expect(emitter.listenerCount('event')).toBe(0);
  });

  it('is idempotent and leaves other emitters alone', () => {
    const emitter = new EventEmitter();
    bindEmitter(bindEmitter(emitter));
    const other = new EventEmitter();
    expect(other.on).toBe(EventEmitter.prototype.on);
    expect(emitter.on).not.toBe(EventEmitter.prototype.on);
  });
});

describe('bindRequestContext and requestContext', () => {
  function pair(): [IncomingMessage, ServerResponse] {
    const request = new IncomingMessage(new Socket());
    return [request, new ServerResponse(request)];
  }

  it('bind a request and, through response.req, its response, with one mark', () => {
    const [request, response] = pair();
    const context = extract({ 'x-request-id': 'bound-request' });
    bindRequestContext(request, ContextSlot.of(context));
    expect(Object.getOwnPropertySymbols(response)).toHaveLength(
      Object.getOwnPropertySymbols(pair()[1]).length,
    );
    expect(requestContext(request)).toBe(context);
    expect(requestContext(response)).toBe(context);
    const seen: (string | undefined)[] = [];
    request.on('end', () => seen.push(`request:${tryGetContext()?.requestId}`));
    response.once('finish', () => seen.push(`response:${tryGetContext()?.requestId}`));
    runWithContext(extract({ 'x-request-id': 'someone-else' }), () => {
      request.emit('end');
      response.emit('finish');
    });
    expect(seen).toEqual(['request:bound-request', 'response:bound-request']);
  });

  it("leave Node's own clearIncoming unbound, and bind the listeners added beside it", async () => {
    const ends: Promise<Listener[]>[] = [];
    const server = createServer((request, response) => {
      bindRequestContext(request, ContextSlot.of(extract({ 'x-request-id': 'bound-request' })));
      // Node adds clearIncoming to 'end' when the response finishes before the request ended.
      response.on('finish', () => request.on('end', () => undefined));
      ends.push(
        new Promise((resolve) => {
          response.on('close', () =>
            setImmediate(() => resolve(request.rawListeners('end') as Listener[])),
          );
        }),
      );
      response.end('ok');
    });
    const port = await listen(server);
    try {
      for (let count = 0; count < 3; count++) await send(port);
      const listeners = await Promise.all(ends);
      for (const list of listeners) {
        const names = list.map((listener) => listener.name);
        expect(names).toContain('boundListener');
        expect(names.filter((name) => name === 'clearIncoming').length).toBeLessThanOrEqual(1);
        expect(list.some((listener) => listener.listener?.name === 'clearIncoming')).toBe(false);
      }
      expect(
        listeners.some((list) => list.some((listener) => listener.name === 'clearIncoming')),
      ).toBe(true);
    } finally {
      await close(server);
    }
  });

  it('leave unbound requests and responses alone', () => {
    const [request, response] = pair();
    expect(requestContext(request)).toBeUndefined();
    expect(requestContext(response)).toBeUndefined();
    const seen: (string | undefined)[] = [];
    response.on('finish', () => seen.push(tryGetContext()?.requestId));
    runWithContext(extract({ 'x-request-id': 'emitter' }), () => response.emit('finish'));
    expect(seen).toEqual(['emitter']);
  });

  it('bindEmitter marks a response whose request is bound elsewhere or not at all', () => {
    const [request, response] = pair();
    bindRequestContext(request, ContextSlot.of(extract({ 'x-request-id': 'the-request' })));
    const own = extract({ 'x-request-id': 'the-response' });
    runWithContext(own, () => bindEmitter(response));
    expect(requestContext(response)).toBe(own);
    const [, lone] = pair();
    runWithContext(own, () => bindEmitter(lone));
    expect(requestContext(lone)).toBe(own);
  });
});
