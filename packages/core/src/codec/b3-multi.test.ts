import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b3Contexts } from '../../test/arbitraries.js';
import { itParsesEveryVector, loadVectors, moreThan } from '../../test/load-vectors.js';
import type { B3Context } from './b3-context.js';
import {
  B3_MULTI_HEADER_NAMES,
  type B3MultiHeaders,
  formatB3Multi,
  parseB3Multi,
} from './b3-multi.js';

const vectors = loadVectors<B3MultiHeaders, B3Context>('b3-multi');

const TRACE_ID_128 = '463ac35c9f6413ad48485a3953bb6124';
const TRACE_ID_64 = '48485a3953bb6124';
const SPAN_ID = 'a2fb4a1d1a96d312';
const PARENT_SPAN_ID = '0020000000000001';

describe('B3_MULTI_HEADER_NAMES', () => {
  it('names every header in lower case', () => {
    expect(B3_MULTI_HEADER_NAMES).toStrictEqual({
      traceId: 'x-b3-traceid',
      spanId: 'x-b3-spanid',
      parentSpanId: 'x-b3-parentspanid',
      sampled: 'x-b3-sampled',
      flags: 'x-b3-flags',
    });
  });
});

describe('parseB3Multi vectors', () => {
  itParsesEveryVector(vectors, parseB3Multi, moreThan(10, 15));
});

describe('formatB3Multi', () => {
  const identity = { traceId: TRACE_ID_128, spanId: SPAN_ID, parentSpanId: PARENT_SPAN_ID };

  it.each([
    ['accept', { sampled: '1' }],
    ['deny', { sampled: '0' }],
    ['defer', {}],
    ['debug', { flags: '1' }],
  ] as const)('writes %s with IDs and parent', (sampling, samplingHeaders) => {
    expect(formatB3Multi({ ...identity, sampling })).toStrictEqual({
      ...identity,
      ...samplingHeaders,
    });
  });

  it('keeps a 64-bit trace ID at 16 hex and omits an absent parent', () => {
    expect(
      formatB3Multi({ traceId: TRACE_ID_64, spanId: SPAN_ID, sampling: 'accept' }),
    ).toStrictEqual({ traceId: TRACE_ID_64, spanId: SPAN_ID, sampled: '1' });
  });

  it.each([
    ['accept', { sampled: '1' }],
    ['deny', { sampled: '0' }],
    ['debug', { flags: '1' }],
    ['defer', {}],
  ] as const)('writes sampling-only %s', (sampling, expected) => {
    expect(formatB3Multi({ sampling })).toStrictEqual(expected);
  });

  it('writes debug without Sampled, and never writes true or false', () => {
    for (const sampling of ['accept', 'deny', 'defer', 'debug'] as const) {
      const headers = formatB3Multi({ traceId: TRACE_ID_64, spanId: SPAN_ID, sampling });
      expect(['1', '0', undefined]).toContain(headers.sampled);
      if (sampling === 'debug') expect(headers.sampled).toBeUndefined();
    }
  });
});

describe('x-b3 round trips', () => {
  it.each([
    { traceId: TRACE_ID_128, spanId: SPAN_ID, parentSpanId: PARENT_SPAN_ID, sampled: '1' },
    { traceId: TRACE_ID_64, spanId: SPAN_ID, sampled: '0' },
    { traceId: TRACE_ID_128, spanId: SPAN_ID, parentSpanId: PARENT_SPAN_ID },
    { traceId: TRACE_ID_128, spanId: SPAN_ID, flags: '1' },
    { sampled: '0' },
    { sampled: '1' },
    { flags: '1' },
  ])('format(parse(headers)) equals canonical headers %o', (headers) => {
    const context = parseB3Multi(headers);
    expect(context).toBeDefined();
    if (context !== undefined) expect(formatB3Multi(context)).toStrictEqual(headers);
  });

  it.each(vectors.filter((vector) => vector.expected !== null))(
    'format(parse(x)) reads back the same: $name',
    ({ input }) => {
      const context = parseB3Multi(input);
      expect(context).toBeDefined();
      if (context !== undefined)
        expect(parseB3Multi(formatB3Multi(context))).toStrictEqual(context);
    },
  );

  it('parse(format(context)) equals every context the encoding can carry', () => {
    // A defer-only context has nothing to write (formatB3Multi gives {}), so none is generated.
    fc.assert(
      fc.property(b3Contexts({ parentWhenDeferred: true }), (context) => {
        expect(parseB3Multi(formatB3Multi(context))).toStrictEqual(context);
      }),
    );
  });

  it('never throws on arbitrary header values', () => {
    const value = fc.option(
      fc.oneof(fc.string(), fc.constantFrom('', '0', '1', 'true', 'false', 'd', SPAN_ID)),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        fc.record({
          traceId: value,
          spanId: value,
          parentSpanId: value,
          sampled: value,
          flags: value,
        }),
        (headers) => {
          const context = parseB3Multi(headers);
          if (context !== undefined) {
            expect(parseB3Multi(formatB3Multi(context))).toStrictEqual(context);
          }
        },
      ),
    );
  });
});
