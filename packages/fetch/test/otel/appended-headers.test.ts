// hoptrace's undici hooks beside another `undici:request:create` subscriber that appends
// propagation headers without looking, as OpenTelemetry's undici instrumentation does
// (open-telemetry/opentelemetry-js-contrib#3711). Here a stand-in appender, in this process: the
// rule under test is "the identity appended last wins, whole; nothing is left twice", whether the
// appender runs before hoptrace's hooks or (with a tracer bridged) after them.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { extract, runWithContext } from '@hoptrace/core';
import { bridgeOpenTelemetry } from '@hoptrace/core/otel';
import { type HeaderSink, startHeaderSink } from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentOutbound } from '../../src/instrument-outbound.js';
import { removeTracerHooks } from '../../src/tracer-hook.js';
import { wrapFetch } from '../../src/wrap-fetch.js';
import { expectOneIdentity, propagationLines } from './wire.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const INCOMING = {
  'x-request-id': 'req-1',
  traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
  tracestate: 'hop=1',
  baggage: 'tenant=acme',
};

/** What the stand-in appends to the next request. */
let appended: readonly (readonly [string, string])[] = [];
const appender = (message: unknown): void => {
  const { request } = message as { request: { addHeader(name: string, value: string): void } };
  for (const [name, value] of appended) request.addHeader(name, value);
};

let sink: HeaderSink;
beforeAll(async () => {
  sink = await startHeaderSink();
});
afterAll(async () => {
  await sink?.close();
});

/** A child-mode wrapFetch call (every format written, for a new span) with `append` appended. */
async function call(append: readonly (readonly [string, string])[]): Promise<readonly string[]> {
  appended = append;
  const hoptraceFetch = wrapFetch(fetch, { mode: 'child' });
  const answer = await runWithContext(extract(INCOMING), () => hoptraceFetch(`${sink.origin}/x`));
  await answer.body?.cancel();
  return sink.received.at(-1)?.rawHeaders ?? [];
}

/** The identity the stand-in appends: the client span's. */
const APPENDED = { requestId: 'req-1', traceId: TRACE_ID, spanId: CLIENT_SPAN_ID };

/** B3 multi appended header by header: that x-b3 set is the one identity left, with no parent. */
async function expectAppendedB3MultiLeftAlone(): Promise<void> {
  const received = await call([
    ['x-b3-traceid', TRACE_ID],
    ['x-b3-spanid', CLIENT_SPAN_ID],
    ['x-b3-sampled', '1'],
  ]);
  expect(expectOneIdentity(received, APPENDED)).toEqual(['x-b3']);
  expect(propagationLines(received).some((line) => line.startsWith('x-b3-parentspanid'))).toBe(
    false,
  );
}

describe('instrumentOutbound after a subscriber that appends', () => {
  let uninstall: () => void;
  beforeAll(() => {
    // Subscribed first, like an OTel SDK started before the app installs hoptrace's hooks.
    subscribe('undici:request:create', appender);
    uninstall = instrumentOutbound();
  });
  afterAll(() => {
    uninstall?.();
    unsubscribe('undici:request:create', appender);
  });

  it('a traceparent appended over every format of ours: only the appended one is left', async () => {
    const received = await call([['traceparent', `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`]]);
    const formats = expectOneIdentity(received, APPENDED);
    expect(formats).toEqual(['traceparent']);
    // Our tracestate went with our traceparent; baggage stays, once.
    expect(propagationLines(received).filter((line) => /^(tracestate|baggage)/.test(line))).toEqual(
      ['baggage: tenant=acme'],
    );
  });

  it('B3 multi appended: our b3, traceparent and x-b3-parentspanid go', async () => {
    await expectAppendedB3MultiLeftAlone();
  });

  it('the appended tracestate, baggage and request ID win over ours', async () => {
    const received = await call([
      ['traceparent', `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`],
      ['tracestate', 'otel=2'],
      ['x-request-id', 'req-1'],
      ['baggage', 'tenant=acme,plan=pro'],
    ]);
    expectOneIdentity(received, APPENDED);
    const lines = propagationLines(received);
    expect(lines).toContain('tracestate: otel=2');
    expect(lines.filter((line) => line.startsWith('baggage'))).toEqual([
      'baggage: tenant=acme,plan=pro',
    ]);
  });

  it('nothing appended: our own consistent identity is left as it was', async () => {
    const received = await call([]);
    const traceparent = propagationLines(received).find((line) => line.startsWith('traceparent'));
    const spanId = traceparent?.slice(
      'traceparent: 00-'.length + 33,
      'traceparent: 00-'.length + 49,
    );
    expect(
      expectOneIdentity(received, { requestId: 'req-1', traceId: TRACE_ID, spanId: spanId ?? '' }),
    ).toEqual(['traceparent', 'b3', 'x-b3']);
    expect(propagationLines(received)).toContain('tracestate: hop=1');
  });
});

describe.each([
  ['wrapFetch alone', false],
  ['wrapFetch with instrumentOutbound', true],
] as const)('bridged: %s, before a subscriber that appends', (_name, withHooks) => {
  let uninstall: (() => void) | undefined;
  let unbridge: () => void;
  beforeAll(() => {
    unbridge = bridgeOpenTelemetry();
    if (withHooks) uninstall = instrumentOutbound();
    // Built now: its settle hook subscribes before the appender, like an OTel SDK started late.
    wrapFetch(fetch);
    subscribe('undici:request:create', appender);
  });
  afterAll(() => {
    unsubscribe('undici:request:create', appender);
    uninstall?.();
    unbridge();
    removeTracerHooks();
  });

  it('a W3C identity appended after ours: only the appended one is left, baggage once', async () => {
    const received = await call([
      ['traceparent', `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`],
      ['tracestate', 'hop=1'],
      ['baggage', 'tenant=acme'],
    ]);
    expect(expectOneIdentity(received, APPENDED)).toEqual(['traceparent']);
    const lines = propagationLines(received);
    expect(lines.filter((line) => /^(tracestate|baggage)/.test(line))).toEqual([
      'tracestate: hop=1',
      'baggage: tenant=acme',
    ]);
  });

  it('B3 multi appended header by header: one x-b3 set, no parent left of ours', async () => {
    await expectAppendedB3MultiLeftAlone();
  });

  it('nothing appended: our own identity is left as it was', async () => {
    const received = await call([]);
    expect(
      propagationLines(received).filter((line) => line.startsWith('traceparent')),
    ).toHaveLength(1);
  });
});
