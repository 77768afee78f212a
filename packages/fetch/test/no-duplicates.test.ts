// Every client, alone and with instrumentOutbound installed at the same time (the zero-code hooks
// then see a call the client already wrote into): each header arrives exactly once, and in child
// mode every format names the same new span.
import {
  type ClientObservation,
  extract,
  type HoptraceOptions,
  type Observation,
  runWithContext,
} from '@hoptrace/core';
import { getJson, type HeaderSink, type SinkRequest, startHeaderSink } from '@hoptrace/test-utils';
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

const INCOMING = {
  'x-request-id': 'dup-req-1',
  'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
  'x-b3-spanid': 'e457b5a2e4d86bd1',
  'x-b3-sampled': '1',
  traceparent: '00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01',
  baggage: 'tenant=acme',
};

type Client = (url: string, options: HoptraceOptions) => Promise<SinkRequest>;

const clients: Record<string, Client> = {
  async wrapFetch(url, options) {
    return (await (await wrapFetch(fetch, options)(url)).json()) as SinkRequest;
  },
  async 'undici interceptor'(url, options) {
    const dispatcher = new Agent().compose(hoptraceInterceptor(options));
    const { body } = await undiciRequest(url, { dispatcher });
    return (await body.json()) as SinkRequest;
  },
  async 'axios (http adapter)'(url, options) {
    const instance = axios.create({ adapter: 'http' });
    instrumentAxios(instance, options);
    return (await instance.get<SinkRequest>(url)).data;
  },
  async 'axios (fetch adapter)'(url, options) {
    const instance = axios.create({ adapter: 'fetch' });
    instrumentAxios(instance, options);
    return (await instance.get<SinkRequest>(url)).data;
  },
};

function expectOneIdentity(seen: SinkRequest, mode: HoptraceOptions['mode']): void {
  for (const [name, values] of Object.entries(seen.headers)) {
    expect(values, `${name}: ${values.join(' | ')}`).toHaveLength(1);
  }
  const header = (name: string) => seen.headers[name]?.[0];
  expect(header('x-request-id')).toBe('dup-req-1');
  expect(header('baggage')).toBe('tenant=acme');
  if (mode === 'child') {
    const spanId = header('x-b3-spanid');
    expect(spanId).not.toBe(INCOMING['x-b3-spanid']);
    expect(header('x-b3-parentspanid')).toBe(INCOMING['x-b3-spanid']);
    expect(header('traceparent')).toBe(`00-${INCOMING['x-b3-traceid']}-${spanId}-01`);
    expect(header('b3')).toBe(`${INCOMING['x-b3-traceid']}-${spanId}-1-${INCOMING['x-b3-spanid']}`);
  } else {
    expect(header('traceparent')).toBe(INCOMING.traceparent);
    expect(header('x-b3-spanid')).toBe(INCOMING['x-b3-spanid']);
    expect(header('b3')).toBeUndefined();
  }
}

let sink: HeaderSink;
beforeAll(async () => {
  sink = await startHeaderSink();
});
afterAll(() => sink.close());

describe.each(['forward', 'child'] as const)('%s mode', (mode) => {
  const options: HoptraceOptions = { mode };
  const forThisTest = uninstallAfterEach();

  describe.each([false, true])('instrumentOutbound installed: %s', (installed) => {
    it.each(Object.entries(clients))('%s sends each header once', async (_name, client) => {
      if (installed) forThisTest(instrumentOutbound(options));
      const context = extract(INCOMING, options);
      const seen = await runWithContext(context, () => client(`${sink.origin}/`, options));
      expectOneIdentity(seen, mode);
    });
  });

  it('plain http.get under instrumentOutbound sends each header once', async () => {
    forThisTest(instrumentOutbound(options));
    const seen = await runWithContext(extract(INCOMING, options), () =>
      getJson<SinkRequest>(`${sink.origin}/`),
    );
    expectOneIdentity(seen, mode);
  });

  it('plain global fetch under instrumentOutbound sends each header once', async () => {
    forThisTest(instrumentOutbound(options));
    const seen = await runWithContext(extract(INCOMING, options), async () =>
      (await fetch(`${sink.origin}/`)).json(),
    );
    expectOneIdentity(seen as SinkRequest, mode);
  });
});

describe('with observe, every call is observed once', () => {
  const forThisTest = uninstallAfterEach();

  it.each(Object.entries(clients))(
    '%s + instrumentOutbound: one record per call',
    async (_name, client) => {
      const records: Observation[] = [];
      const options: HoptraceOptions = { observe: (record) => records.push(record) };
      forThisTest(instrumentOutbound(options));
      const context = extract(INCOMING, options);
      await runWithContext(context, () =>
        Promise.all([client(`${sink.origin}/a`, options), client(`${sink.origin}/a`, options)]),
      );
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      const calls = records.filter(
        (record): record is ClientObservation => record.hoptrace === 'client',
      );
      expect(calls).toHaveLength(2);
      expect(calls.map((call) => call.status)).toEqual([200, 200]);
    },
  );
});
