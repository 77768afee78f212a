import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itParsesEveryVector, loadVectors, validAndInvalid } from '../../test/load-vectors.js';
import {
  formatTraceparent,
  parseTraceparent,
  TRACE_FLAG_SAMPLED,
  type Traceparent,
  traceparentToForward,
} from './traceparent.js';

const vectors = loadVectors<string, Traceparent>('traceparent');
const forwardVectors = loadVectors<string, string>('traceparent-forward');

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

const lowerHex = (length: number) =>
  fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((id) => /[1-9a-f]/.test(id));

describe('parseTraceparent vectors', () => {
  itParsesEveryVector(vectors, parseTraceparent, validAndInvalid(35));
});

describe('formatTraceparent', () => {
  it('writes the spec example', () => {
    expect(
      formatTraceparent({
        version: '00',
        traceId: TRACE_ID,
        parentId: PARENT_ID,
        traceFlags: TRACE_FLAG_SAMPLED,
      }),
    ).toBe(`00-${TRACE_ID}-${PARENT_ID}-01`);
    expect(
      formatTraceparent({ version: '00', traceId: TRACE_ID, parentId: PARENT_ID, traceFlags: 0 }),
    ).toBe(`00-${TRACE_ID}-${PARENT_ID}-00`);
  });

  it.each([
    [0x00, '00'],
    [0x01, '01'],
    [0x02, '00'],
    [0x03, '01'],
    [0x09, '01'],
    [0xfe, '00'],
    [0xff, '01'],
  ])('sets reserved flags to zero: %i → %s', (traceFlags, written) => {
    const traceparent = { version: '00', traceId: TRACE_ID, parentId: PARENT_ID, traceFlags };
    expect(formatTraceparent(traceparent)).toBe(`00-${TRACE_ID}-${PARENT_ID}-${written}`);
  });

  it('downgrades a future version to 00 and drops its extra fields', () => {
    const parsed = parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01-what-the-future-will-be-like`);
    expect(parsed).toBeDefined();
    if (parsed === undefined) return;
    expect(formatTraceparent(parsed)).toBe(`00-${TRACE_ID}-${PARENT_ID}-01`);
  });

  it('writes every valid vector back as a valid version 00 value', () => {
    for (const { input, expected } of vectors) {
      if (expected === null) continue;
      const written = formatTraceparent(expected);
      expect(written).toHaveLength(55);
      expect(parseTraceparent(written)).toStrictEqual({
        version: '00',
        traceId: expected.traceId,
        parentId: expected.parentId,
        traceFlags: expected.traceFlags & TRACE_FLAG_SAMPLED,
      });
      if (expected.version === '00' && expected.traceFlags <= TRACE_FLAG_SAMPLED) {
        expect(written).toBe(input.trim());
      }
    }
  });
});

describe('round trips', () => {
  it('parse(format(x)) keeps the IDs and the sampled flag', () => {
    fc.assert(
      fc.property(
        lowerHex(32),
        lowerHex(16),
        fc.integer({ min: 0, max: 255 }),
        (traceId, parentId, traceFlags) => {
          const written = formatTraceparent({ version: '00', traceId, parentId, traceFlags });
          expect(parseTraceparent(written)).toStrictEqual({
            version: '00',
            traceId,
            parentId,
            traceFlags: traceFlags & TRACE_FLAG_SAMPLED,
          });
        },
      ),
    );
  });

  it('format(parse(x)) is x for version 00 values with flags 00 or 01', () => {
    fc.assert(
      fc.property(
        lowerHex(32),
        lowerHex(16),
        fc.constantFrom('00', '01'),
        (traceId, parentId, flags) => {
          const value = `00-${traceId}-${parentId}-${flags}`;
          const parsed = parseTraceparent(value);
          expect(parsed).toBeDefined();
          if (parsed !== undefined) expect(formatTraceparent(parsed)).toBe(value);
        },
      ),
    );
  });

  it('never throws and only returns well-formed fields', () => {
    const nearlyValid = fc
      .tuple(
        fc.stringMatching(/^[0-9a-fA-F.]{2}$/),
        lowerHex(32),
        lowerHex(16),
        fc.stringMatching(/^[0-9a-f]{2}$/),
        fc.string({ maxLength: 8 }),
      )
      .map(
        ([version, traceId, parentId, flags, tail]) =>
          `${version}-${traceId}-${parentId}-${flags}${tail}`,
      );
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), nearlyValid), (value) => {
        const parsed = parseTraceparent(value);
        if (parsed === undefined) return;
        expect(parsed.version).toMatch(/^[0-9a-f]{2}$/);
        expect(parsed.version).not.toBe('ff');
        expect(parsed.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(parsed.parentId).toMatch(/^[0-9a-f]{16}$/);
        expect(parsed.traceFlags).toBeGreaterThanOrEqual(0);
        expect(parsed.traceFlags).toBeLessThanOrEqual(255);
      }),
    );
  });
});

describe('TRACE_FLAG_SAMPLED', () => {
  it('is the least significant bit', () => {
    expect(TRACE_FLAG_SAMPLED).toBe(0b0000_0001);
  });
});

describe('traceparentToForward vectors', () => {
  it('covers kept and downgraded values', () => {
    expect(forwardVectors.some(({ input, expected }) => input === expected)).toBe(true);
    expect(forwardVectors.some(({ input, expected }) => input !== expected)).toBe(true);
  });

  it.each(forwardVectors)('$name', ({ input, expected }) => {
    const parsed = parseTraceparent(input);
    expect(parsed).toBeDefined();
    expect(traceparentToForward(input, parsed as Traceparent)).toBe(expected);
  });

  it('never sends on a character outside visible ASCII, whatever the tail', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (tail) => {
        const input = `cc-${TRACE_ID}-${PARENT_ID}-01-${tail}`;
        const parsed = parseTraceparent(input);
        if (parsed === undefined) return;
        const forwarded = traceparentToForward(input, parsed);
        expect(forwarded).toMatch(/^[\x21-\x7e]+$/);
        expect(forwarded.length).toBeLessThanOrEqual(512);
        expect(forwarded.includes(',')).toBe(false);
      }),
    );
  });
});
