// OpenTelemetry's undici instrumentation appends its trace headers with `request.addHeader`
// without looking at the ones already there (open-telemetry/opentelemetry-js-contrib#3711). These
// tests measure what that does to a call that hoptrace already gave headers (wrapFetch), and
// that instrumentOutbound, installed after the OTel SDK, leaves one identity: the client span's.
import { type HeaderSink, send, startHeaderSink } from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { HopReport, ServiceConfig } from './fixtures/service-protocol.js';
import { serviceGroup } from './service-process.js';
import { expectOneIdentity, propagationLines } from './wire.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const ROOT_SPAN_ID = 'b7ad6b7169203331';
const ROOT = {
  'x-request-id': 'req-1',
  traceparent: `00-${TRACE_ID}-${ROOT_SPAN_ID}-01`,
  baggage: 'tenant=acme',
};

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
async function callThrough(config: Omit<ServiceConfig, 'name' | 'mode'>) {
  const traced = await services.start('otel', { name: 'a', mode: 'forward', ...config });
  onTestFinished(() => traced.stop());
  const response = await send(Number(new URL(traced.origin).port), {
    path: `/hop?via=${encodeURIComponent(sink.origin)}`,
    headers: ROOT,
  });
  expect(response.status, response.body).toBe(200);
  const report = JSON.parse(response.body) as HopReport;
  const spans = await traced.spans(2);
  const client = spans.find((span) => span.kind === 'client');
  expect(client?.traceId).toBe(TRACE_ID);
  const received = (report.downstream as { rawHeaders: readonly string[] }).rawHeaders;
  return { received, lines: propagationLines(received), clientSpanId: client?.spanId ?? '' };
}

describe('OTel undici instrumentation beside hoptrace (W3C propagator)', () => {
  it('wrapFetch alone: OTel appends a second traceparent and baggage (upstream #3711)', async () => {
    const { lines, clientSpanId } = await callThrough({
      client: 'wrap-fetch',
      instrumentOutbound: false,
    });
    // hoptrace forwards the incoming identity; OTel then appends its client span's.
    expect([...lines].sort()).toEqual(
      [
        'x-request-id: req-1',
        'baggage: tenant=acme',
        `traceparent: 00-${TRACE_ID}-${ROOT_SPAN_ID}-01`,
        `traceparent: 00-${TRACE_ID}-${clientSpanId}-01`,
        'baggage: tenant=acme',
      ].sort(),
    );
    expect(lines.at(-2)).toBe(`traceparent: 00-${TRACE_ID}-${clientSpanId}-01`);
  });

  it.each([false, true])(
    'wrapFetch with instrumentOutbound installed after the SDK (bridge %s): one identity, the client span',
    async (bridge) => {
      const { received, lines, clientSpanId } = await callThrough({
        client: 'wrap-fetch',
        instrumentOutbound: true,
        bridge,
      });
      expect(
        expectOneIdentity(received, {
          requestId: 'req-1',
          traceId: TRACE_ID,
          spanId: clientSpanId,
        }),
      ).toEqual(['traceparent']);
      expect(lines).toContain('baggage: tenant=acme');
    },
  );

  it('instrumentOutbound installed before the SDK cannot settle what OTel appends later', async () => {
    const { lines, clientSpanId } = await callThrough({
      client: 'fetch',
      instrumentOutbound: true,
      hoptraceHooksFirst: true,
    });
    // Subscribers run in subscription order: hoptrace wrote first, OTel appended after it.
    expect(lines.filter((line) => line.startsWith('traceparent:'))).toEqual([
      `traceparent: 00-${TRACE_ID}-${ROOT_SPAN_ID}-01`,
      `traceparent: 00-${TRACE_ID}-${clientSpanId}-01`,
    ]);
  });

  it('http.get: OTel sets its headers before the request exists, so the order does not matter', async () => {
    const { received, clientSpanId } = await callThrough({
      client: 'http',
      instrumentOutbound: true,
      hoptraceHooksFirst: true,
    });
    expectOneIdentity(received, { requestId: 'req-1', traceId: TRACE_ID, spanId: clientSpanId });
  });
});
