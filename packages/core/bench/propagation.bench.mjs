// extract + inject for a realistic Istio header set, hoptrace against the OpenTelemetry B3 + W3C
// propagators doing the same work, in one process. Rounds alternate which contender runs first,
// and the ratio is taken per round, so the machine's slow and fast phases hit both alike.
// Usage: npm run bench -w @hoptrace/core  (ROUNDS=n, TIME_MS=n to change the run length)

import { randomBytes, randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { createHoptrace } from '@hoptrace/core';
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
} from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { Bench } from 'tinybench';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TIME_MS = Number(process.env.TIME_MS ?? 500);

/**
 * What an app behind an Istio sidecar receives (Node's IncomingHttpHeaders shape), with fresh
 * IDs per request: 1,024 distinct requests are cycled so no contender gains from seeing the same
 * strings again.
 */
const hex = (bytes) => randomBytes(bytes).toString('hex');
function istioRequest() {
  const traceId = hex(16);
  const spanId = hex(8);
  return {
    host: 'orders.default.svc.cluster.local:8080',
    'user-agent': 'curl/8.5.0',
    accept: '*/*',
    'content-type': 'application/json',
    'content-length': '27',
    'x-forwarded-proto': 'http',
    'x-forwarded-for': '10.1.2.3',
    'x-envoy-attempt-count': '1',
    'x-envoy-internal': 'true',
    'x-request-id': randomUUID(),
    'x-b3-traceid': traceId,
    'x-b3-spanid': spanId,
    'x-b3-parentspanid': hex(8),
    'x-b3-sampled': '1',
    traceparent: `00-${traceId}-${spanId}-01`,
    tracestate: `rojo=${hex(8)},congo=t61rcWkgMzE`,
  };
}

// Each request as a server sees it: Node's IncomingMessage with its (lower-cased) headers object.
// Both contenders read the same object, as a framework adapter and OTel's http instrumentation do.
const requests = Array.from({ length: 1024 }, () => {
  const request = new IncomingMessage(new Socket());
  request.headers = istioRequest();
  return { request, info: { request, remoteAddress: '127.0.0.6' } };
});
let next = 0;
const nextRequest = () => requests[next++ & 1023];

const forward = createHoptrace({ mode: 'forward' });
const child = createHoptrace({ mode: 'child' });
// The formats OpenTelemetry's composite writes (B3 multi + traceparent), for a like-for-like child.
const childLikeOtel = createHoptrace({ mode: 'child', formats: ['b3-multi', 'traceparent'] });
const otel = new CompositePropagator({
  propagators: [
    new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
    new W3CTraceContextPropagator(),
  ],
});
propagation.setGlobalPropagator(otel);

let sink = 0;
/** One op: extract a request's context with `engine`, then inject it into a new outbound record. */
const hoptraceOp = (engine) => () => {
  const { request, info } = nextRequest();
  const context = engine.extract(request.headers, info);
  const outgoing = {};
  engine.injectHeaders(context, outgoing);
  sink += outgoing['x-request-id'].length;
};
const contenders = {
  'hoptrace forward': hoptraceOp(forward),
  'hoptrace child': hoptraceOp(child),
  'hoptrace child, B3 multi + W3C only': hoptraceOp(childLikeOtel),
  'OpenTelemetry B3+W3C': () => {
    const { request } = nextRequest();
    const context = otel.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const outgoing = {};
    otel.inject(context, outgoing, defaultTextMapSetter);
    sink += outgoing.traceparent.length;
  },
};

const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
const names = Object.keys(contenders);
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  const bench = new Bench({ time: TIME_MS, warmupTime: 100 });
  for (const name of order) bench.add(name, contenders[name]);
  await bench.run();
  for (const task of bench.tasks) samples[task.name].push(task.result.throughput.mean);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const otelOps = samples['OpenTelemetry B3+W3C'];
console.log(
  `Node ${process.version}, ${ROUNDS} interleaved rounds of ${TIME_MS} ms; extract + inject per op`,
);
console.log('| contender | median ops/s | ratio to OpenTelemetry (median of per-round ratios) |');
console.log('|---|---|---|');
for (const name of names) {
  const ratios = samples[name].map((ops, index) => ops / (otelOps[index] ?? ops));
  console.log(
    `| ${name} | ${Math.round(median(samples[name])).toLocaleString('en-US')} | ${median(ratios).toFixed(2)}× |`,
  );
}
if (sink === 0) console.log('(no work done)');
