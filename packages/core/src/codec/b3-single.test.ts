import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b3Contexts } from '../../test/arbitraries.js';
import { itParsesEveryVector, loadVectors, moreThan } from '../../test/load-vectors.js';
import type { B3Context } from './b3-context.js';
import { formatB3Single, parseB3Single } from './b3-single.js';

const vectors = loadVectors<string, B3Context>('b3-single');

const TRACE_ID_128 = '80f198ee56343ba864fe8b2a57d3eff7';
const TRACE_ID_64 = '64fe8b2a57d3eff7';
const SPAN_ID = 'e457b5a2e4d86bd1';
const PARENT_SPAN_ID = '05e3ac9a4f6e3b90';

describe('parseB3Single vectors', () => {
  itParsesEveryVector(vectors, parseB3Single, moreThan(10, 20));
});

describe('formatB3Single', () => {
  it.each([
    ['accept', `${TRACE_ID_128}-${SPAN_ID}-1-${PARENT_SPAN_ID}`],
    ['deny', `${TRACE_ID_128}-${SPAN_ID}-0-${PARENT_SPAN_ID}`],
    ['debug', `${TRACE_ID_128}-${SPAN_ID}-d-${PARENT_SPAN_ID}`],
  ] as const)('writes %s with its parent', (sampling, expected) => {
    const context: B3Context = {
      traceId: TRACE_ID_128,
      spanId: SPAN_ID,
      parentSpanId: PARENT_SPAN_ID,
      sampling,
    };
    expect(formatB3Single(context)).toBe(expected);
  });

  it('keeps a 64-bit trace ID at 16 hex', () => {
    expect(formatB3Single({ traceId: TRACE_ID_64, spanId: SPAN_ID, sampling: 'accept' })).toBe(
      `${TRACE_ID_64}-${SPAN_ID}-1`,
    );
  });

  it('omits the sampling field for defer', () => {
    expect(formatB3Single({ traceId: TRACE_ID_128, spanId: SPAN_ID, sampling: 'defer' })).toBe(
      `${TRACE_ID_128}-${SPAN_ID}`,
    );
  });

  it('drops the parent of a defer context, which the positional encoding cannot carry', () => {
    const context: B3Context = {
      traceId: TRACE_ID_128,
      spanId: SPAN_ID,
      parentSpanId: PARENT_SPAN_ID,
      sampling: 'defer',
    };
    const value = formatB3Single(context);
    expect(value).toBe(`${TRACE_ID_128}-${SPAN_ID}`);
    expect(parseB3Single(value)).toStrictEqual({
      traceId: TRACE_ID_128,
      spanId: SPAN_ID,
      sampling: 'defer',
    });
  });

  it.each([
    ['accept', '1'],
    ['deny', '0'],
    ['debug', 'd'],
    ['defer', ''],
  ] as const)('writes sampling-only %s as %j', (sampling, expected) => {
    expect(formatB3Single({ sampling })).toBe(expected);
  });
});

describe('b3 round trips', () => {
  const canonical = vectors.filter(
    (vector) => vector.expected !== null && vector.input === vector.input.trim(),
  );

  it.each(canonical)('format(parse(x)) === x: $name', ({ input }) => {
    const context = parseB3Single(input);
    expect(context).toBeDefined();
    if (context !== undefined) expect(formatB3Single(context)).toBe(input);
  });

  it('parse(format(context)) equals every context the encoding can carry', () => {
    // A defer context cannot carry a parent in `b3` (see formatB3Single), so none is generated.
    fc.assert(
      fc.property(b3Contexts({ parentWhenDeferred: false }), (context) => {
        expect(parseB3Single(formatB3Single(context))).toStrictEqual(context);
      }),
    );
  });

  it('never throws, and whatever it accepts re-formats to a value it reads back the same', () => {
    const alphabet = fc.constantFrom(...'0123456789abcdefABCDEF-d \t'.split(''));
    const nearMiss = fc.string({ unit: alphabet, maxLength: 72 });
    fc.assert(
      fc.property(fc.oneof(nearMiss, fc.string()), (value) => {
        const context = parseB3Single(value);
        if (context !== undefined) {
          expect(parseB3Single(formatB3Single(context))).toStrictEqual(context);
        }
      }),
    );
  });
});
