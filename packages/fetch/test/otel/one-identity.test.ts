// Every hoptrace client beside OpenTelemetry's http and undici instrumentations, with the bridge:
// a call carries one trace identity (the client span OTel opened for it, which OTel reports), one
// baggage, one tracestate and hoptrace's request ID, whichever was set up first. OTel's undici
// instrumentation appends its headers with `request.addHeader` without looking
// (open-telemetry/opentelemetry-js-contrib#3711); its http one writes them into the request
// options over those of the same name. Each case is its own process (see service-process.ts).
import { type HeaderSink, send, startHeaderSink } from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type {
  HopClient,
  HopReport,
  PropagatorChoice,
  ServiceConfig,
} from './fixtures/service-protocol.js';
import { serviceGroup } from './service-process.js';
import { expectOneIdentity, propagationLines } from './wire.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const ROOT_SPAN_ID = 'b7ad6b7169203331';
const ROOT: Record<string, string> = {
  'x-request-id': 'req-1',
  traceparent: `00-${TRACE_ID}-${ROOT_SPAN_ID}-01`,
  tracestate: 'hop=1',
  baggage: 'tenant=acme',
};
/** The same root for a service whose OTel propagator reads B3 only. */
const B3_ROOT: Record<string, string> = {
  'x-request-id': 'req-1',
  'x-b3-traceid': TRACE_ID,
  'x-b3-spanid': ROOT_SPAN_ID,
  'x-b3-sampled': '1',
  baggage: 'tenant=acme',
};

interface Case {
  readonly client: HopClient;
  readonly instrumentOutbound: boolean;
}

/** Each explicit client alone, the zero-code hooks alone, and the two together. */
const CASES: readonly Case[] = [
  { client: 'wrap-fetch', instrumentOutbound: false },
  { client: 'interceptor', instrumentOutbound: false },
  { client: 'axios-fetch', instrumentOutbound: false },
  { client: 'axios-http', instrumentOutbound: false },
  { client: 'fetch', instrumentOutbound: true },
  { client: 'http', instrumentOutbound: true },
  { client: 'wrap-fetch', instrumentOutbound: true },
  { client: 'axios-http', instrumentOutbound: true },
];

/** hoptrace (bridge, hooks, client) set up after the OTel SDK, as documented, or before it. */
const ORDERS = ['after', 'before'] as const;

const services = serviceGroup();
let sink: HeaderSink;
beforeAll(async () => {
  sink = await startHeaderSink();
});
afterAll(async () => {
  await services.stopAll();
  await sink?.close();
});

/** Starts an OTel service, calls it once, returns what the sink got and the client span's ID. */
async function callThrough(
  config: Omit<ServiceConfig, 'name'>,
  root: Record<string, string> = ROOT,
): Promise<{ received: readonly string[]; lines: string[]; clientSpanId: string }> {
  const traced = await services.start('otel', { name: 'a', ...config });
  onTestFinished(() => traced.stop());
  const response = await send(Number(new URL(traced.origin).port), {
    path: `/hop?via=${encodeURIComponent(sink.origin)}`,
    headers: root,
  });
  expect(response.status, response.body).toBe(200);
  const report = JSON.parse(response.body) as HopReport;
  const spans = await traced.spans(2);
  expect(spans.map((span) => span.kind).sort()).toEqual(['client', 'server']);
  const client = spans.find((span) => span.kind === 'client');
  expect(client?.traceId).toBe(TRACE_ID);
  const received = (report.downstream as { rawHeaders: readonly string[] }).rawHeaders;
  return { received, lines: propagationLines(received), clientSpanId: client?.spanId ?? '' };
}

function linesOf(lines: readonly string[], name: string): string[] {
  return lines.filter((line) => line.startsWith(`${name}:`));
}

describe.each(['forward', 'child'] as const)('bridged, W3C propagator, mode: %s', (mode) => {
  describe.each(ORDERS)('hoptrace set up %s the OTel SDK', (order) => {
    it.each(CASES)(
      '$client (instrumentOutbound: $instrumentOutbound): one identity, the client span',
      async ({ client, instrumentOutbound }) => {
        const { received, lines, clientSpanId } = await callThrough({
          client,
          instrumentOutbound,
          mode,
          bridge: true,
          hoptraceHooksFirst: order === 'before',
        });
        expectOneIdentity(received, {
          requestId: 'req-1',
          traceId: TRACE_ID,
          spanId: clientSpanId,
        });
        expect(linesOf(lines, 'baggage')).toEqual(['baggage: tenant=acme']);
        expect(linesOf(lines, 'tracestate')).toEqual(['tracestate: hop=1']);
      },
    );
  });
});

const OTHER_PROPAGATORS: readonly PropagatorChoice[] = ['hoptrace', 'b3-multi'];

// OTel writes other formats (every one, with the request ID; B3 multi header by header): the
// harder order only.
describe.each(OTHER_PROPAGATORS)('bridged, %s propagator, mode: forward', (propagator) => {
  describe('hoptrace set up before the OTel SDK', () => {
    it.each(CASES.slice(0, 5))(
      '$client (instrumentOutbound: $instrumentOutbound): one identity, the client span',
      async ({ client, instrumentOutbound }) => {
        const { received, lines, clientSpanId } = await callThrough(
          {
            client,
            instrumentOutbound,
            mode: 'forward',
            propagator,
            bridge: true,
            hoptraceHooksFirst: true,
          },
          propagator === 'b3-multi' ? B3_ROOT : ROOT,
        );
        expectOneIdentity(received, {
          requestId: 'req-1',
          traceId: TRACE_ID,
          spanId: clientSpanId,
        });
        expect(linesOf(lines, 'baggage')).toEqual(['baggage: tenant=acme']);
      },
    );
  });
});

describe('without the bridge', () => {
  it('instrumentOutbound installed after the SDK still settles what OTel appended before it', async () => {
    const { received, lines, clientSpanId } = await callThrough({
      client: 'wrap-fetch',
      instrumentOutbound: true,
      mode: 'forward',
    });
    expect(
      expectOneIdentity(received, { requestId: 'req-1', traceId: TRACE_ID, spanId: clientSpanId }),
    ).toEqual(['traceparent']);
    expect(linesOf(lines, 'baggage')).toEqual(['baggage: tenant=acme']);
  });
});
