import { once } from 'node:events';
import { send } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { bus, useTestApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: an EventEmitter made at start-up', (_name, factory) => {
  const server = useTestApp(factory);

  it('a listener attached at start-up sees the context of the request that emits', async () => {
    for (const id of ['emitter-a', 'emitter-b']) {
      const response = await send(server().port, {
        path: '/emit',
        headers: { 'x-request-id': id },
      });
      expect(JSON.parse(response.body)).toEqual({ requestId: id, listenerSaw: id });
    }
  });

  it('a listener attached in a handler and emitted by another request sees THAT request; AsyncResource.bind keeps its own', async () => {
    const listening = once(bus, 'listening');
    const pending = send(server().port, {
      path: '/listen?trigger=request',
      headers: { 'x-request-id': 'listener' },
    });
    await listening;
    const fired = await send(server().port, {
      path: '/fire',
      headers: { 'x-request-id': 'emitter' },
    });
    expect(JSON.parse(fired.body)).toEqual({ requestId: 'emitter' });
    // What Node gives: listeners run in the emitter's caller's context.
    expect(JSON.parse((await pending).body)).toEqual({
      requestId: 'listener',
      plain: 'emitter',
      bound: 'listener',
    });
  });

  it('a listener attached in a handler and emitted from start-up code sees no context; AsyncResource.bind keeps its own', async () => {
    const response = await send(server().port, {
      path: '/listen?trigger=startup',
      headers: { 'x-request-id': 'listener' },
    });
    // `plain` is undefined (no context), so JSON drops it.
    expect(JSON.parse(response.body)).toEqual({ requestId: 'listener', bound: 'listener' });
  });
});
