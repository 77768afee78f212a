// A service traced by the OpenTelemetry SDK (http + undici instrumentations) that also runs
// hoptrace (Express adapter, instrumentOutbound installed after the SDK, bridgeOpenTelemetry),
// chained with a service that runs hoptrace alone, in both directions, under each global OTel
// propagator. Each service is its own process (see service-process.ts).
import { type HeaderSink, send, startHeaderSink } from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type {
  HopClient,
  HopReport,
  PropagatorChoice,
  SpanRecord,
} from './fixtures/service-protocol.js';
import { type ServiceProcess, serviceGroup } from './service-process.js';
import { expectOneIdentity } from './wire.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const ROOT_SPAN_ID = 'b7ad6b7169203331';
const REQUEST_ID = 'req-1';

/** What the test sends first, in the format the propagator under test reads. */
const ROOT_HEADERS: Record<PropagatorChoice, Record<string, string>> = {
  w3c: { traceparent: `00-${TRACE_ID}-${ROOT_SPAN_ID}-01` },
  'b3-single': { b3: `${TRACE_ID}-${ROOT_SPAN_ID}-1` },
  'b3-multi': { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': ROOT_SPAN_ID, 'x-b3-sampled': '1' },
  hoptrace: { traceparent: `00-${TRACE_ID}-${ROOT_SPAN_ID}-01` },
};

const PROPAGATORS: readonly PropagatorChoice[] = ['w3c', 'b3-single', 'b3-multi', 'hoptrace'];
const CLIENTS: readonly HopClient[] = ['wrap-fetch', 'fetch', 'http'];

const services = serviceGroup();
let sink: HeaderSink;
/** Service "B": hoptrace alone, calling on with plain fetch under instrumentOutbound. */
let hoptraceOnly: ServiceProcess;

beforeAll(async () => {
  sink = await startHeaderSink();
  hoptraceOnly = await services.start('hoptrace', {
    name: 'b',
    client: 'fetch',
    instrumentOutbound: true,
    mode: 'forward',
  });
});
afterAll(async () => {
  await services.stopAll();
  await sink?.close();
});

async function callChain(
  first: ServiceProcess,
  via: readonly string[],
  propagator: PropagatorChoice,
): Promise<HopReport> {
  const response = await send(Number(new URL(first.origin).port), {
    path: `/hop?via=${encodeURIComponent(via.join(','))}`,
    headers: { 'x-request-id': REQUEST_ID, ...ROOT_HEADERS[propagator] },
  });
  expect(response.status, response.body).toBe(200);
  return JSON.parse(response.body) as HopReport;
}

/**
 * Service "A", for this test only: the OTel SDK beside hoptrace (instrumentOutbound, bridged, in
 * forward mode), calling on with `client` under the global `propagator`.
 */
async function startTraced(
  client: HopClient,
  propagator: PropagatorChoice,
): Promise<ServiceProcess> {
  const traced = await services.start('otel', {
    name: 'a',
    client,
    instrumentOutbound: true,
    mode: 'forward',
    propagator,
    bridge: true,
  });
  onTestFinished(() => traced.stop());
  return traced;
}

/** The server and the client span of one hop through an OTel service: one trace, linked. */
function serverAndClient(spans: readonly SpanRecord[], parentSpanId: string) {
  expect(spans.map((span) => span.kind).sort()).toEqual(['client', 'server']);
  const server = spans.find((span) => span.kind === 'server') as SpanRecord;
  const client = spans.find((span) => span.kind === 'client') as SpanRecord;
  expect(server).toMatchObject({ traceId: TRACE_ID, parentSpanId });
  expect(client).toMatchObject({ traceId: TRACE_ID, parentSpanId: server.spanId });
  return { server, client };
}

describe.each(PROPAGATORS)('global OTel propagator: %s', (propagator) => {
  describe.each(CLIENTS)('OTel service calling with %s', (client) => {
    it('OTel service → hoptrace-only service: the next hop names the OTel client span', async () => {
      const traced = await startTraced(client, propagator);
      const report = await callChain(traced, [hoptraceOnly.origin], propagator);
      const { client: clientSpan } = serverAndClient(await traced.spans(2), ROOT_SPAN_ID);

      expect(report.context.requestId).toBe(REQUEST_ID);
      const next = report.downstream as HopReport;
      expect(next.service).toBe('b');
      expectOneIdentity(next.rawHeaders, {
        requestId: REQUEST_ID,
        traceId: TRACE_ID,
        spanId: clientSpan.spanId,
      });
      expect(next.context).toMatchObject({
        requestId: REQUEST_ID,
        traceId: TRACE_ID,
        spanId: clientSpan.spanId,
      });
    });

    it('hoptrace-only service → OTel service → sink: one trace, linked at every hop', async () => {
      const traced = await startTraced(client, propagator);
      const report = await callChain(hoptraceOnly, [traced.origin, sink.origin], propagator);
      expect(report.context).toMatchObject({
        requestId: REQUEST_ID,
        traceId: TRACE_ID,
        spanId: ROOT_SPAN_ID,
      });
      const middle = report.downstream as HopReport;
      // hoptrace in forward mode passes the root span on: OTel's server span is its child.
      expectOneIdentity(middle.rawHeaders, {
        requestId: REQUEST_ID,
        traceId: TRACE_ID,
        spanId: ROOT_SPAN_ID,
      });
      const { client: clientSpan } = serverAndClient(await traced.spans(2), ROOT_SPAN_ID);
      expect(middle.context.requestId).toBe(REQUEST_ID);
      const last = middle.downstream as { rawHeaders: readonly string[] };
      expectOneIdentity(last.rawHeaders, {
        requestId: REQUEST_ID,
        traceId: TRACE_ID,
        spanId: clientSpan.spanId,
      });
    });
  });
});
