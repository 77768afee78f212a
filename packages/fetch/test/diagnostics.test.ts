// Diagnostic tracing through every outbound client: a front service calls a back service with the
// client under test; the trail returned to the caller lists the call once, with the back service's
// own trail nested under it, for each client alone and with instrumentOutbound installed beside it.
import { createServer, type Server } from 'node:http';
import { type HoptraceOptions, hoptraceHandler } from '@hoptrace/core';
import {
  DIAGNOSTICS_HEADER,
  readTrail,
  TRAIL_HEADER,
  type TrailHop,
} from '@hoptrace/core/diagnostics';
import {
  close,
  getJson,
  holdRefusedPort,
  listen,
  type RefusedPort,
  send,
} from '@hoptrace/test-utils';
import axios from 'axios';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hoptraceInterceptor,
  instrumentAxios,
  instrumentOutbound,
  wrapFetch,
} from '../src/index.js';
import { uninstallAfterEach } from './uninstall-after-each.js';

const TOKEN = 'fetch-diagnostics-token';

type Client = (url: string, options: HoptraceOptions) => Promise<unknown>;

const clients: Record<string, Client> = {
  async wrapFetch(url, options) {
    return (await wrapFetch(fetch, options)(url)).text();
  },
  async 'undici interceptor'(url, options) {
    const dispatcher = new Agent().compose(hoptraceInterceptor(options));
    const { body } = await undiciRequest(url, { dispatcher });
    return body.text();
  },
  async 'axios (http adapter)'(url, options) {
    const instance = axios.create({ adapter: 'http', validateStatus: () => true });
    instrumentAxios(instance, options);
    return (await instance.get(url)).data;
  },
  async 'axios (fetch adapter)'(url, options) {
    const instance = axios.create({ adapter: 'fetch', validateStatus: () => true });
    instrumentAxios(instance, options);
    return (await instance.get(url)).data;
  },
};

const zeroCode: Record<string, Client> = {
  'http.get under instrumentOutbound': (url) => getJson(url).catch(() => undefined),
  'global fetch under instrumentOutbound': async (url) => (await fetch(url)).text(),
};

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map(close));
  await refused.release();
});

async function serve(server: Server): Promise<string> {
  servers.push(server);
  return `http://127.0.0.1:${await listen(server)}`;
}

let back: string;
let plain: string;
let refused: RefusedPort;
beforeAll(async () => {
  back = await serve(
    createServer(
      hoptraceHandler(
        (_request, response) => {
          response.end('{"ok":true}');
        },
        {
          diagnostics: { token: TOKEN, service: 'back' },
        },
      ),
    ),
  );
  plain = await serve(createServer((_request, response) => response.end('{"plain":true}')));
  refused = await holdRefusedPort();
});

/** A front service that calls `target` once with `client`, and the trail of one request to it. */
async function trailThrough(
  client: Client,
  target: string,
  options: HoptraceOptions,
): Promise<TrailHop> {
  const front = await serve(
    createServer(
      hoptraceHandler(
        async (_request, response) => {
          try {
            await client(`${target}/next`, options);
          } catch {
            // A failed call is in the trail; the answer does not matter here.
          }
          response.end('front');
        },
        { ...options, diagnostics: { token: TOKEN, service: 'front' } },
      ),
    ),
  );
  const response = await send(Number(new URL(front).port), {
    headers: { [DIAGNOSTICS_HEADER]: TOKEN, 'x-request-id': 'diag-fetch-1' },
  });
  const read = readTrail(String(response.headers[TRAIL_HEADER]), TOKEN);
  if (!('hop' in read)) throw new Error(`trail refused: ${read.rejected}`);
  return read.hop;
}

describe.each(['forward', 'child'] as const)('%s mode', (mode) => {
  const options: HoptraceOptions = { mode };
  const forThisTest = uninstallAfterEach();

  const cases = [
    ...Object.entries(clients).flatMap(([name, client]) => [
      [name, client, false] as const,
      [`${name} + instrumentOutbound`, client, true] as const,
    ]),
    ...Object.entries(zeroCode).map(([name, client]) => [name, client, true] as const),
  ];

  it.each(cases)(
    '%s: the call once, the next hop nested, IDs kept',
    async (_name, client, hook) => {
      if (hook) forThisTest(instrumentOutbound(options));
      const trail = await trailThrough(client, back, options);
      expect(trail.service).toBe('front');
      expect(trail.calls).toHaveLength(1);
      const [call] = trail.calls;
      expect(call).toMatchObject({ method: 'GET', status: 200, mark: 'ok', failure: null });
      expect(call?.url).toBe(`${back}/next`);
      expect(call?.sent.requestId).toBe('diag-fetch-1');
      const below = call?.hop;
      expect(below).toMatchObject({ service: 'back', requestId: 'diag-fetch-1', route: '/next' });
      expect(below?.traceId).toBe(trail.traceId);
      expect(call?.sent.traceId).toBe(trail.traceId);
      // The span the call carried is the one the next hop continued.
      expect(below?.spanId).toBe(call?.sent.spanId);
      if (mode === 'child') expect(call?.sent.spanId).not.toBe(trail.spanId);
      expect(trail.durationMs).toBeGreaterThanOrEqual(call?.durationMs ?? Infinity);
      expect(call?.durationMs).toBeGreaterThanOrEqual(below?.durationMs ?? Infinity);
    },
  );

  it.each(cases)(
    '%s: a service without hoptrace is not instrumented',
    async (_name, client, hook) => {
      if (hook) forThisTest(instrumentOutbound(options));
      const trail = await trailThrough(client, plain, options);
      expect(trail.calls).toHaveLength(1);
      expect(trail.calls[0]).toMatchObject({ status: 200, mark: 'not-instrumented', hop: null });
    },
  );

  it.each(cases)('%s: a refused connection is UF', async (_name, client, hook) => {
    if (hook) forThisTest(instrumentOutbound(options));
    const trail = await trailThrough(client, refused.origin, options);
    expect(trail.calls).toHaveLength(1);
    expect(trail.calls[0]).toMatchObject({ status: null, failure: 'UF', mark: 'failed' });
  });
});

it('the remote address connected is in the trail where the client can tell it', async () => {
  const trail = await trailThrough(clients['axios (http adapter)'] as Client, back, {});
  expect(trail.calls[0]?.remote).toBe(`127.0.0.1:${new URL(back).port}`);
});
