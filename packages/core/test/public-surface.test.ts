import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as diagnostics from '../src/diagnostics/index.js';
import * as root from '../src/index.js';
import * as otel from '../src/otel/index.js';
import * as adapter from '../src/server/index.js';

// The value exports of every entry point. A name added or removed here is a change of the public
// API: it needs a changeset, and root names a README entry (type exports are listed in
// public-api.test-d.ts).
const SURFACE: Record<string, readonly string[]> = {
  '@hoptrace/core': [
    'HoptraceOptionsError',
    'NoActiveContextError',
    'bindEmitter',
    'extract',
    'formatB3Multi',
    'formatB3Single',
    'formatTraceparent',
    'formatTracestate',
    'generateRequestId',
    'getContext',
    'getRequestId',
    'hoptraceHandler',
    'hoptraceStreamHandler',
    'injectHeaders',
    'logFields',
    'outboundHeaders',
    'parseB3Multi',
    'parseB3Single',
    'parseBaggage',
    'parseOtSpanContext',
    'parseRequestId',
    'parseTraceparent',
    'parseTracestate',
    'requestContext',
    'runWithContext',
    'tryGetContext',
  ],
  '@hoptrace/core/adapter': [
    'B3_MULTI_HEADER_NAMES',
    'ContextSlot',
    'TRACE_IDENTITY_HEADERS',
    'acceptsDiagnostics',
    'activeSpan',
    'bindRequestContext',
    'checkChoice',
    'checkOptions',
    'compileHostPatterns',
    'contextStorage',
    'createHoptrace',
    'currentActiveSpanSource',
    'currentRequestOptions',
    'dataProperty',
    'defineDataProperty',
    'describeValue',
    'extractServerRequest',
    'givenOptions',
    'handleDiagnosticsAndObservation',
    'headerTarget',
    'injectHeadersResolved',
    'isHexId',
    'lazyField',
    'openDiagnosticHop',
    'openDiagnostics',
    'openServerRequest',
    'openedBefore',
    'randomHexId',
    'requestContext',
    'requestContextSlot',
    'resolveObserver',
    'resolveOptions',
    'runServerRequest',
    'safePredicate',
    'sentIdentity',
  ],
  '@hoptrace/core/diagnostics': [
    'DIAGNOSTICS_HEADER',
    'DiagnosticHop',
    'SLOW_OBSERVER_MS',
    'TRAIL_HEADER',
    'TRAIL_MAX_CALLS',
    'TRAIL_MAX_DEPTH',
    'TRAIL_MAX_LENGTH',
    'TRAIL_MAX_LENGTH_LIMIT',
    'TRAIL_SERVICE_MAX_LENGTH',
    'diagnosticHopOf',
    'formatTrail',
    'formatTrailText',
    'isTrailText',
    'judgeTrail',
    'printable',
    'readTrail',
    'trailAddress',
    'trailBreaks',
  ],
  '@hoptrace/core/otel': ['HOPTRACE_CONTEXT_KEY', 'HoptracePropagator', 'bridgeOpenTelemetry'],
};

const SOURCES: Record<string, object> = {
  '@hoptrace/core': root,
  '@hoptrace/core/adapter': adapter,
  '@hoptrace/core/diagnostics': diagnostics,
  '@hoptrace/core/otel': otel,
};

const valueNames = (entry: object) => Object.keys(entry).sort();

describe('public surface', () => {
  it.each(Object.keys(SURFACE))('%s exports exactly its listed values', (entry) => {
    expect(valueNames(SOURCES[entry] ?? {})).toEqual([...(SURFACE[entry] ?? [])].sort());
  });

  it('keeps the application API small', () => {
    expect(SURFACE['@hoptrace/core']?.length).toBeLessThanOrEqual(26);
  });

  it.each(Object.keys(SURFACE))(
    'the built ESM and CommonJS %s export the same values',
    async (entry) => {
      const require = createRequire(import.meta.url);
      const esm = (await import(entry)) as object;
      const cjs = require(entry) as object;
      expect(valueNames(esm)).toEqual(valueNames(SOURCES[entry] ?? {}));
      expect(valueNames(cjs)).toEqual(valueNames(SOURCES[entry] ?? {}));
    },
  );
});
