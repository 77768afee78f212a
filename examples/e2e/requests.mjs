// The incoming headers the e2e tests send: the shapes a client, Envoy, a Zipkin library and an
// OpenTelemetry SDK would send, with fresh IDs per request.
import { randomBytes, randomUUID } from 'node:crypto';

const hex = (bytes) => randomBytes(bytes).toString('hex');

/** Request `index` of a run: its headers and what the test expects to survive every hop. */
export function incomingRequest(index) {
  const traceId = hex(16);
  const spanId = hex(8);
  switch (index % 5) {
    case 0:
      return { kind: 'no headers', headers: {}, requestId: undefined, traceId: undefined, spanId };
    case 1: {
      const requestId = randomUUID();
      return { kind: 'x-request-id', headers: { 'x-request-id': requestId }, requestId, spanId };
    }
    case 2: {
      const requestId = randomUUID();
      const headers = {
        'x-request-id': requestId,
        'x-b3-traceid': traceId,
        'x-b3-spanid': spanId,
        'x-b3-sampled': '1',
      };
      return { kind: 'Envoy: x-request-id + B3 multi', headers, requestId, traceId, spanId };
    }
    case 3:
      return { kind: 'B3 single', headers: { b3: `${traceId}-${spanId}-1` }, traceId, spanId };
    default:
      return {
        kind: 'traceparent + tracestate',
        headers: { traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'congo=t61rcWkgMzE' },
        traceId,
        spanId,
      };
  }
}

/** Sends one GET and reads the answer; never rejects (a failure comes back as `error`). */
export async function get(url, headers = {}) {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, requestId: response.headers.get('x-request-id'), body };
  } catch (error) {
    return { status: 0, requestId: null, body: undefined, error };
  }
}
