import { TRACE_HEADER_NAMES } from '@hoptrace/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseB3Multi } from '../src/codec/b3-multi.js';
import { parseB3Single } from '../src/codec/b3-single.js';
import { parseBaggage } from '../src/codec/baggage.js';
import { parseRequestId } from '../src/codec/request-id.js';
import { parseTraceparent } from '../src/codec/traceparent.js';
import { parseTracestate } from '../src/codec/tracestate.js';
import { parseOtSpanContext } from '../src/codec/x-ot-span-context.js';
import type { TraceContext } from '../src/context/trace-context.js';
import { extract, openExtraction } from '../src/engine/extract.js';
import type { HeaderCarrier } from '../src/engine/header-carrier.js';
import { outboundHeaders } from '../src/engine/inject.js';
import { type HoptraceOptions, resolveOptions } from '../src/engine/options.js';

const NAMES = [...TRACE_HEADER_NAMES, 'x-client-trace-id', 'l5d-ctx-trace'];

const hex = (length: number) =>
  fc.string({
    unit: fc.constantFrom(...'0123456789abcdef0'),
    minLength: length,
    maxLength: length,
  });

/** Values close to valid ones, so the generator reaches deep into every parser. */
const nearValid = fc.oneof(
  fc
    .tuple(hex(32), hex(16), fc.constantFrom('', '-1', '-0', '-d', '-x'))
    .map(([t, s, f]) => `${t}-${s}${f}`),
  fc.tuple(hex(16), hex(16), hex(16)).map(([t, s, p]) => `${t}-${s}-1-${p}`),
  fc
    .tuple(fc.constantFrom('00', '01', 'ff', 'cc'), hex(32), hex(16), hex(2))
    .map(([v, t, p, f]) => `${v}-${t}-${p}-${f}`),
  fc.constantFrom('0', '1', 'd', 'true', 'false', '', ' ', ','),
  hex(16),
  hex(32),
  fc
    .array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_*/-]{0,8}$/), fc.string({ maxLength: 8 })), {
      maxLength: 40,
    })
    .map((members) => members.map(([key, value]) => `${key}=${value}`).join(',')),
);

const anyValue = fc.oneof(
  nearValid,
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({
    unit: fc.constantFrom('\r', '\n', '\u0000', ',', ';', '=', ' ', 'a', '-', 'é', '\u2028'),
    maxLength: 50,
  }),
);

const headerRecord = fc.dictionary(
  fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 20 })),
  fc.oneof(anyValue, fc.array(anyValue, { maxLength: 4 })),
);
const rawHeaders = fc
  .array(fc.tuple(fc.constantFrom(...NAMES), anyValue), { maxLength: 20 })
  .map((pairs) => pairs.flat());
/** Anything with get/forEach is read like fetch Headers, so a Map with stray value types too. */
const headersLike = fc
  .array(
    fc.tuple(
      fc.constantFrom(...NAMES),
      fc.oneof(anyValue, fc.integer(), fc.constant(null), fc.object()),
    ),
    {
      maxLength: 20,
    },
  )
  .map((entries) => new Map<string, unknown>(entries) as unknown as HeaderCarrier);
const strayRaw = fc
  .array(fc.oneof(fc.constantFrom(...NAMES), anyValue, fc.integer(), fc.constant(null)), {
    maxLength: 30,
  })
  .map((entries) => entries as unknown as HeaderCarrier);
const carrier: fc.Arbitrary<HeaderCarrier> = fc.oneof(
  headerRecord,
  rawHeaders,
  headersLike,
  strayRaw,
);
const options = fc.record({
  mode: fc.constantFrom('forward' as const, 'child' as const),
  startTrace: fc.boolean(),
  forwardHeaders: fc.constant(['x-client-trace-id', 'l5d-ctx-*']),
}) satisfies fc.Arbitrary<HoptraceOptions>;

/** Visible ASCII, space and tab (RFC 9110 field-value); never CR, LF, NUL or non-ASCII. */
const VISIBLE = /^[\t\x20-\x7e]*$/;

function assertValidOutbound(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    expect(VISIBLE.test(value), `${name} has only visible ASCII`).toBe(true);
  }
  expect(parseRequestId(headers['x-request-id'] ?? '')).toBeDefined();
  if (headers.b3 !== undefined) expect(parseB3Single(headers.b3)).toBeDefined();
  if (headers['x-b3-traceid'] !== undefined || headers['x-b3-sampled'] !== undefined) {
    expect(
      parseB3Multi({
        traceId: headers['x-b3-traceid'],
        spanId: headers['x-b3-spanid'],
        parentSpanId: headers['x-b3-parentspanid'],
        sampled: headers['x-b3-sampled'],
        flags: headers['x-b3-flags'],
      }),
    ).toBeDefined();
  }
  if (headers.traceparent !== undefined)
    expect(parseTraceparent(headers.traceparent)).toBeDefined();
  if (headers.tracestate !== undefined) expect(parseTracestate(headers.tracestate)).toBeDefined();
  if (headers.baggage !== undefined) expect(parseBaggage(headers.baggage)).toBeDefined();
  if (headers['x-ot-span-context'] !== undefined)
    expect(parseOtSpanContext(headers['x-ot-span-context'])).toBeDefined();
}

/** A value every one of the headers below rejects, so none of them may keep it. */
function rejectedEverywhere(value: string): boolean {
  return (
    value.trim().length >= 8 &&
    parseRequestId(value) === undefined &&
    parseB3Single(value) === undefined &&
    parseTraceparent(value) === undefined &&
    parseBaggage(value) === undefined
  );
}

describe('properties of extract and outboundHeaders', () => {
  // 3,000 runs take about 1 s alone and many times that when CI runs every package at once.
  it('never throws, and everything sent is valid per its spec with no control characters', {
    timeout: 60_000,
  }, () => {
    fc.assert(
      fc.property(carrier, options, (headers, config) => {
        const context = extract(headers, config);
        expect(parseRequestId(context.requestId)).toBe(context.requestId);
        for (const rejection of context.rejected) {
          expect(Object.keys(rejection).sort()).toEqual(['header', 'length', 'reason']);
        }
        assertValidOutbound(outboundHeaders(context, config));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps nothing it rejected anywhere in the context', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 64 }).filter(rejectedEverywhere),
        (hostile) => {
          const context = extract({
            'x-request-id': hostile,
            b3: hostile,
            traceparent: hostile,
            baggage: hostile,
          });
          expect(JSON.stringify(context)).not.toContain(JSON.stringify(hostile).slice(1, -1));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reads a Node-style record lazily (openExtraction) exactly as extract reads it', {
    timeout: 60_000,
  }, () => {
    // Node's records have lower-case names; the generated IDs are made the same on both sides.
    const nodeRecord = fc.dictionary(
      fc.oneof(
        fc.constantFrom(...NAMES, 'x-correlation-id'),
        fc.string({ maxLength: 20 }).map((name) => name.toLowerCase()),
      ),
      fc.oneof(anyValue, fc.array(anyValue, { maxLength: 4 })),
    );
    const lazyOptions = fc.record({
      startTrace: fc.boolean(),
      forwardHeaders: fc.constant(['x-client-trace-id', 'l5d-ctx-*']),
      correlationIdHeader: fc.constantFrom(undefined, 'x-correlation-id'),
      trust: fc.constantFrom('yes', 'no', 'by-address', 'throws'),
    });
    const trustOf = {
      yes: true,
      no: false,
      'by-address': (request: { remoteAddress?: string | undefined }) =>
        request.remoteAddress === '127.0.0.6',
      throws: () => {
        throw new Error('trust function failed');
      },
    } as const;
    let generated = 0;
    const withoutRandomTrace = (context: TraceContext) =>
      context.traceSource === 'generated' ? { ...context, traceId: 'new', spanId: 'new' } : context;
    fc.assert(
      fc.property(nodeRecord, lazyOptions, (headers, { trust, ...config }) => {
        const options: HoptraceOptions = {
          ...config,
          trustRequestId: trustOf[trust],
          generateRequestId: () => `generated-${generated}`,
        };
        const info = { remoteAddress: '127.0.0.6', request: headers };
        const eager = extract(headers, options, info);
        const slot = openExtraction(headers, resolveOptions(options), info);
        expect(slot.requestId).toBe(eager.requestId);
        expect(withoutRandomTrace(slot.context)).toEqual(withoutRandomTrace(eager));
        expect(slot.context).toBe(slot.context);
        expect(Object.isFrozen(slot.context)).toBe(true);
        generated++;
      }),
      { numRuns: 2000 },
    );
  });
});
