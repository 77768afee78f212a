import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadVectors } from '../../test/load-vectors.js';
import type { B3Context } from './b3-context.js';
import {
  B3_MULTI_HEADER_NAMES,
  type B3MultiHeaders,
  formatB3Multi,
  parseB3Multi,
} from './b3-multi.js';
import type { Sampling } from './sampling.js';

const vectors = loadVectors<B3MultiHeaders, B3Context>('b3-multi');

const TRACE_ID_128 = '463ac35c9f6413ad48485a3953bb6124';
const TRACE_ID_64 = '48485a3953bb6124';
const SPAN_ID = 'a2fb4a1d1a96d312';
const PARENT_SPAN_ID = '0020000000000001';

const hexId = (length: 16 | 32) =>
  fc
    .stringMatching(length === 16 ? /^[0-9a-f]{16}$/ : /^[0-9a-f]{32}$/)
    .filter((value) => !/^0+$/.test(value));

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
  it('has a table that covers valid and invalid values', () => {
    expect(vectors.filter((vector) => vector.expected !== null).length).toBeGreaterThan(10);
    expect(vectors.filter((vector) => vector.expected === null).length).toBeGreaterThan(15);
  });

  it.each(vectors)('$name', ({ input, expected }) => {
    expect(parseB3Multi(input)).toStrictEqual(expected ?? undefined);
  });
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
    const identity = fc
      .record({
        traceId: fc.oneof(hexId(16), hexId(32)),
        spanId: hexId(16),
        parentSpanId: fc.option(hexId(16), { nil: undefined }),
        sampling: fc.constantFrom<Sampling>('accept', 'deny', 'defer', 'debug'),
      })
      .map(
        ({ parentSpanId, ...rest }): B3Context =>
          parentSpanId === undefined ? rest : { ...rest, parentSpanId },
      );
    // A defer-only context has nothing to write (formatB3Multi gives {}), so it is left out.
    const samplingOnly = fc
      .constantFrom<Sampling>('accept', 'deny', 'debug')
      .map((sampling): B3Context => ({ sampling }));

    fc.assert(
      fc.property(fc.oneof(identity, samplingOnly), (context) => {
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
