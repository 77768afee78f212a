import { channel } from 'node:diagnostics_channel';
import { bridgeOpenTelemetry } from '@hoptrace/core/otel';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureTracerHooks, removeTracerHooks } from './tracer-hook.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const OURS = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const TRACERS = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

/** Publishes a request whose identity was appended twice, as a tracer's subscriber leaves it. */
function publishDoubled(): { headers: string[]; addHeader: unknown } {
  const request = {
    headers: ['x-request-id', 'req-1', 'traceparent', OURS, 'traceparent', TRACERS],
    addHeader(name: string, value: string) {
      this.headers.push(name, value);
    },
  };
  channel('undici:request:create').publish({ request });
  return request;
}

let unbridge: (() => void) | undefined;
afterEach(() => {
  unbridge?.();
  unbridge = undefined;
  removeTracerHooks();
});

describe('ensureTracerHooks', () => {
  it('installs nothing without a tracer bridge', () => {
    ensureTracerHooks(['x-request-id'], 'undici-and-http');
    expect(publishDoubled().headers).toHaveLength(6);
  });

  it('with a bridge, settles every undici request once built, until unbridged', () => {
    unbridge = bridgeOpenTelemetry();
    ensureTracerHooks(['x-request-id'], 'undici');
    ensureTracerHooks(['x-request-id'], 'undici');
    const settled = publishDoubled();
    expect(settled.headers).toEqual(['x-request-id', 'req-1', 'traceparent', TRACERS]);
    expect(Object.hasOwn(settled, 'addHeader')).toBe(true);
    unbridge();
    expect(publishDoubled().headers).toHaveLength(6);
  });

  it('ignores malformed channel messages', () => {
    unbridge = bridgeOpenTelemetry();
    ensureTracerHooks(['x-request-id'], 'undici-and-http');
    for (const message of [undefined, null, {}, { request: null }, { request: { headers: 1 } }]) {
      expect(() => channel('undici:request:create').publish(message)).not.toThrow();
      expect(() => channel('http.client.request.created').publish(message)).not.toThrow();
    }
  });
});
