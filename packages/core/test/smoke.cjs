// Loads the built CJS entry through the package's own exports map, as a CommonJS user would.
const assert = require('node:assert/strict');
const core = require('@hoptrace/core');

for (const name of [
  'extract',
  'injectHeaders',
  'runWithContext',
  'getContext',
  'hoptraceHandler',
]) {
  assert.equal(typeof core[name], 'function', `require('@hoptrace/core').${name}`);
}
const adapter = require('@hoptrace/core/adapter');
assert.equal(
  typeof adapter.createHoptrace,
  'function',
  "require('@hoptrace/core/adapter').createHoptrace",
);
assert.equal(
  adapter.requestContext,
  core.requestContext,
  'one engine across CommonJS entry points',
);
const context = core.extract({
  'x-request-id': 'smoke-cjs',
  b3: '80f198ee56343ba8-e457b5a2e4d86bd1-1',
});
assert.equal(context.requestId, 'smoke-cjs');
assert.equal(context.traceId, '80f198ee56343ba8');
core.runWithContext(context, () => assert.equal(core.getRequestId(), 'smoke-cjs'));
console.log('smoke (cjs): ok');

// The OpenTelemetry bridge entry, as a CommonJS user loads it.
const otel = require('@hoptrace/core/otel');
const api = require('@opentelemetry/api');
const propagator = new otel.HoptracePropagator();
assert.ok(propagator.fields().includes('traceparent'));
const extracted = propagator.extract(
  api.ROOT_CONTEXT,
  { 'x-request-id': 'smoke-otel', b3: '80f198ee56343ba8-e457b5a2e4d86bd1-1' },
  api.defaultTextMapGetter,
);
assert.equal(api.trace.getSpanContext(extracted).traceId, '000000000000000080f198ee56343ba8');
assert.equal(extracted.getValue(otel.HOPTRACE_CONTEXT_KEY).requestId, 'smoke-otel');
const carrier = {};
propagator.inject(extracted, carrier, api.defaultTextMapSetter);
assert.equal(carrier.b3, '80f198ee56343ba8-e457b5a2e4d86bd1-1');
otel.bridgeOpenTelemetry()();
console.log('smoke (cjs, otel): ok');
