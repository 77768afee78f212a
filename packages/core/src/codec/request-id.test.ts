import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeUnit } from '../../test/arbitraries.js';
import { itParsesEveryVector, largeEnough, loadVectors } from '../../test/load-vectors.js';
import {
  generateRequestId,
  parseRequestId,
  REQUEST_ID_MAX_LENGTH,
  type RequestIdGenerator,
} from './request-id.js';

describe('parseRequestId', () => {
  const vectors = loadVectors<string, string>('request-id');

  itParsesEveryVector(vectors, parseRequestId, largeEnough(30));

  it('accepts exactly REQUEST_ID_MAX_LENGTH characters and no more', () => {
    expect(parseRequestId('x'.repeat(REQUEST_ID_MAX_LENGTH))).toBeDefined();
    expect(parseRequestId('x'.repeat(REQUEST_ID_MAX_LENGTH + 1))).toBeUndefined();
  });

  it('refuses a 10 kB value', () => {
    const huge = 'a'.repeat(10_000);
    expect(parseRequestId(huge)).toBeUndefined();
  });

  it('returns either undefined or its input, unchanged and within the cap', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: codeUnit }), (value) => {
        const parsed = parseRequestId(value);
        if (parsed === undefined) return;
        expect(parsed).toBe(value);
        expect(parsed.length).toBeLessThanOrEqual(REQUEST_ID_MAX_LENGTH);
        expect(parsed).toMatch(/^[\x21-\x7e]+$/);
        expect(parsed).not.toMatch(/[,"'\\<>%]/);
      }),
    );
  });
});

describe('generateRequestId', () => {
  it('returns UUIDv4s that parseRequestId accepts', () => {
    const id = generateRequestId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseRequestId(id)).toBe(id);
  });

  it('returns distinct IDs', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 5000; index++) {
      const id = generateRequestId();
      expect(parseRequestId(id)).toBe(id);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  it('fits the RequestIdGenerator type', () => {
    const generator: RequestIdGenerator = generateRequestId;
    expect(typeof generator()).toBe('string');
  });
});
