import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeUnit } from '../../test/arbitraries.js';
import { itParsesEveryVector, largeEnough, loadVectors } from '../../test/load-vectors.js';
import { OT_SPAN_CONTEXT_MAX_LENGTH, parseOtSpanContext } from './x-ot-span-context.js';

describe('parseOtSpanContext', () => {
  const vectors = loadVectors<string, string>('x-ot-span-context');

  itParsesEveryVector(vectors, parseOtSpanContext, largeEnough(12));

  it('accepts exactly OT_SPAN_CONTEXT_MAX_LENGTH characters of text form and no more', () => {
    const field = 'a'.repeat(OT_SPAN_CONTEXT_MAX_LENGTH - 3);
    expect(parseOtSpanContext(`${field};cs`)).toBeDefined();
    expect(parseOtSpanContext(`${field}0;cs`)).toBeUndefined();
  });

  it('refuses 10 kB values, whatever their shape', () => {
    expect(parseOtSpanContext('A'.repeat(10_000))).toBeUndefined();
    expect(parseOtSpanContext('a;'.repeat(5_000))).toBeUndefined();
  });

  it('refuses near-misses at the cap', () => {
    const nearMisses = [
      `${'a;'.repeat(255)}!`,
      `${'A'.repeat(OT_SPAN_CONTEXT_MAX_LENGTH - 1)}!`,
      `${'a'.repeat(OT_SPAN_CONTEXT_MAX_LENGTH - 4)}====`,
    ];
    for (const value of nearMisses) expect(parseOtSpanContext(value)).toBeUndefined();
  });

  it('returns either undefined or its input, unchanged and within the cap', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 600, unit: codeUnit }),
          fc.stringMatching(/^[0-9A-Za-z+/_;=-]{0,600}$/),
        ),
        (value) => {
          const parsed = parseOtSpanContext(value);
          if (parsed === undefined) return;
          expect(parsed).toBe(value);
          expect(parsed.length).toBeGreaterThan(0);
          expect(parsed.length).toBeLessThanOrEqual(OT_SPAN_CONTEXT_MAX_LENGTH);
        },
      ),
    );
  });
});
