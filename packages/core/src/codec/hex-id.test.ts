import { describe, expect, it } from 'vitest';
import { isHexId, randomHexId } from './hex-id.js';

describe('isHexId', () => {
  it.each([
    ['e457b5a2e4d86bd1', 16, true],
    ['80f198ee56343ba864fe8b2a57d3eff7', 32, true],
    ['E457B5A2E4D86BD1', 16, false],
    ['0000000000000000', 16, false],
    ['e457b5a2e4d86bd', 16, false],
    ['e457b5a2e4d86bd1 ', 16, false],
    ['g457b5a2e4d86bd1', 16, false],
  ])('%s (%i) → %s', (value, length, expected) => {
    expect(isHexId(value, length)).toBe(expected);
  });
});

describe('randomHexId', () => {
  it('returns valid, distinct IDs of the asked width', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 2000; index++) {
      const span = randomHexId(8);
      const trace = randomHexId(16);
      expect(isHexId(span, 16)).toBe(true);
      expect(isHexId(trace, 32)).toBe(true);
      seen.add(span);
    }
    expect(seen.size).toBe(2000);
  });
});
