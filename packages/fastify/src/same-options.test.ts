import { describe, expect, it } from 'vitest';
import { sameOptions } from './same-options.js';

describe('sameOptions', () => {
  const generate = () => 'id';

  it.each([
    [{}, {}],
    [{}, { mode: undefined }],
    [{ mode: 'child' as const }, { mode: 'child' as const }],
    [{ formats: ['b3-single' as const] }, { formats: ['b3-single' as const] }],
    [
      { forwardHeaders: ['x-a', { name: 'l5d-ctx-*', maxLength: 100 }] },
      { forwardHeaders: ['x-a', { name: 'l5d-ctx-*', maxLength: 100 }] },
    ],
    [{ generateRequestId: generate }, { generateRequestId: generate }],
  ])('%j and %j configure the same', (left, right) => {
    expect(sameOptions(left, right)).toBe(true);
    expect(sameOptions(right, left)).toBe(true);
  });

  it.each([
    [{}, { mode: 'child' as const }],
    [{ requestIdHeader: 'x-a' }, { requestIdHeader: 'x-b' }],
    [{ formats: ['b3-single' as const] }, { formats: ['b3-multi' as const] }],
    [{ formats: ['b3-single' as const] }, { formats: [] }],
    [{ forwardHeaders: [{ name: 'x-a' }] }, { forwardHeaders: [{ name: 'x-a', maxLength: 9 }] }],
    [{ generateRequestId: generate }, { generateRequestId: () => 'id' }],
    [{ trustRequestId: true }, { trustRequestId: false }],
  ])('%j and %j differ', (left, right) => {
    expect(sameOptions(left, right)).toBe(false);
    expect(sameOptions(right, left)).toBe(false);
  });
});
