// Loads the built ESM entry, and checks that the ESM and CJS builds share one context store:
// a context opened through one copy must be visible through the other.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as core from '@hoptrace/core';

const require = createRequire(import.meta.url);
const cjs = require('@hoptrace/core');
assert.notEqual(core.extract, cjs.extract, 'expected two distinct builds to be loaded');

const context = core.extract({
  'x-request-id': 'smoke-esm',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
});
assert.equal(context.requestId, 'smoke-esm');
assert.equal(context.traceId, '0af7651916cd43dd8448eb211c80319c');
await core.runWithContext(context, async () => {
  await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(
    cjs.getRequestId(),
    'smoke-esm',
    'the CJS build sees the context opened by the ESM build',
  );
});
cjs.runWithContext(cjs.extract({ 'x-request-id': 'from-cjs' }), () => {
  assert.equal(
    core.getRequestId(),
    'from-cjs',
    'the ESM build sees the context opened by the CJS build',
  );
});
// The OpenTelemetry bridge entry: its ESM and CJS copies share the key and the bridge hooks.
const otel = await import('@hoptrace/core/otel');
const otelCjs = require('@hoptrace/core/otel');
assert.equal(otel.HOPTRACE_CONTEXT_KEY, otelCjs.HOPTRACE_CONTEXT_KEY);
assert.ok(new otel.HoptracePropagator() instanceof otel.HoptracePropagator);
const unbridge = otelCjs.bridgeOpenTelemetry();
const api = await import('@opentelemetry/api');
const extracted = new otel.HoptracePropagator().extract(
  api.ROOT_CONTEXT,
  { 'x-request-id': 'smoke-otel-esm' },
  api.defaultTextMapGetter,
);
assert.equal(extracted.getValue(otelCjs.HOPTRACE_CONTEXT_KEY).requestId, 'smoke-otel-esm');
unbridge();

console.log(`smoke (esm + cjs) on Node ${process.version}: ok`);
