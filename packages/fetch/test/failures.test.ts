// A failing call reaches the caller exactly as it would without hoptrace (same error class,
// message and code), and the request's context is still there in the catch block: connection
// refused, a connection reset mid-request, and a client timeout, for every client.
import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extract, getContext, runWithContext } from '@hoptrace/core';
import { close, holdRefusedPort, listen, type RefusedPort } from '@hoptrace/test-utils';
import axios from 'axios';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hoptraceInterceptor,
  instrumentAxios,
  instrumentOutbound,
  wrapFetch,
} from '../src/index.js';

/** Each client as a function of (url, with hoptrace?), with a 300 ms timeout where it has one. */
const clients: Record<string, (url: string, hoptrace: boolean) => Promise<unknown>> = {
  fetch: (url, hoptrace) =>
    (hoptrace ? wrapFetch(fetch) : fetch)(url, { signal: AbortSignal.timeout(300) }),
  'undici request': (url, hoptrace) => {
    const agent = new Agent({ headersTimeout: 300, bodyTimeout: 300 });
    return undiciRequest(url, {
      dispatcher: hoptrace ? agent.compose(hoptraceInterceptor()) : agent,
    });
  },
  axios: (url, hoptrace) => {
    const instance = axios.create({ timeout: 300 });
    if (hoptrace) instrumentAxios(instance);
    return instance.get(url);
  },
  'http.get': (url, hoptrace) => {
    const uninstall = hoptrace ? instrumentOutbound() : () => {};
    return new Promise((resolve, reject) => {
      const outgoing = httpGet(url, { timeout: 300 }, resolve);
      outgoing.on('timeout', () => outgoing.destroy(new Error('client timeout')));
      outgoing.on('error', reject);
    }).finally(uninstall);
  },
};

/** What a caller can see of an error: its class, message, code and its cause's code. */
function shape(error: unknown): Record<string, unknown> {
  const value = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  return {
    name: value.name,
    message: value.message,
    code: value.code,
    cause: (value.cause as { code?: unknown } | undefined)?.code,
  };
}

let reset: Server;
let silent: Server;
let refused: RefusedPort;
const urls: Record<string, () => string> = {
  'connection refused': () => `${refused.origin}/`,
  'connection reset': () => `http://127.0.0.1:${(reset.address() as AddressInfo).port}/`,
  'timeout (server never answers)': () =>
    `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`,
};

beforeAll(async () => {
  reset = createServer((request) => request.socket.resetAndDestroy());
  silent = createServer(() => {});
  await listen(reset);
  await listen(silent);
  refused = await holdRefusedPort();
});
afterAll(async () => {
  await close(reset);
  await close(silent);
  await refused.release();
});

describe.each(Object.keys(urls))('%s', (failure) => {
  it.each(Object.entries(clients))('%s fails as it would without hoptrace', async (_name, call) => {
    const url = urls[failure]?.() ?? '';
    const without = await call(url, false).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(without, 'the failure happens at all').toBeDefined();
    const context = extract({ 'x-request-id': 'failing-call' });
    const seen = await runWithContext(context, async () => {
      try {
        await call(url, true);
        return { error: undefined, requestId: undefined };
      } catch (error) {
        return { error, requestId: getContext().requestId };
      }
    });
    expect(shape(seen.error)).toEqual(shape(without));
    expect(seen.requestId).toBe('failing-call');
  });
});
