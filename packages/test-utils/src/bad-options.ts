import { expect } from 'vitest';

/** The diagnostics token every bad-options table uses where a valid one is needed. */
export const TEST_DIAGNOSTICS_TOKEN = 'a-diagnostics-token-for-tests';

/** One bad value: what is given, the option the error must name, how it must describe the value. */
export type BadOptionCase = readonly [given: unknown, option: string, described: RegExp];

/**
 * The bad options every factory that takes hoptrace's options (core's, the adapters', the
 * outbound clients') must refuse at construction with `HoptraceOptionsError`: values that are not
 * an options object, misspelt keys at every depth, wrong types, and hoptrace's own or prototype
 * header names. A package adds the rows of its own options.
 */
export const BAD_OPTION_CASES: readonly BadOptionCase[] = [
  [null, 'options', /got null/],
  [42, 'options', /got the number 42/],
  [[], 'options', /got an array/],
  [() => ({ mode: 'child' }), 'options', /got a function/],
  ['child', 'options', /got the string "child"/],
  [
    { forwardHeaders: [{ name: 'x-a', maxlength: 64 }] },
    'forwardHeaders[0].maxlength',
    /is not a member of forwardHeaders\[0\]/,
  ],
  [{ observe: { observer: () => {}, servce: 'a' } }, 'observe.servce', /is not a member/],
  [
    { diagnostics: { token: TEST_DIAGNOSTICS_TOKEN, servce: 'a' } },
    'diagnostics.servce',
    /is not a member/,
  ],
  [{ mode: 42 }, 'mode', /got the number 42/],
  [{ requestIdHeader: 'x-hoptrace-diag' }, 'requestIdHeader', /"x-hoptrace-diag"/],
  [{ requestIdHeader: '__proto__' }, 'requestIdHeader', /"__proto__"/],
  [{ forwardHeaders: ['x-hoptrace-*'] }, 'forwardHeaders[0]', /"x-hoptrace-\*"/],
  [
    { diagnostics: { token: TEST_DIAGNOSTICS_TOKEN, service: 'a\r\nb' } },
    'diagnostics.service',
    /"a\\r\\nb"/,
  ],
];

/** What `make` threw, or `undefined` when it returned. */
export function thrownBy(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * Asserts `error` is a `HoptraceOptionsError` (by its name and `option` field, as its own
 * `isInstance` checks, so this package needs no import of core) naming `option`, and that its
 * message describes the value as `described` says.
 */
export function expectOptionsRefused(error: unknown, option: string, described: RegExp): void {
  expect(error instanceof Error && error.name === 'HoptraceOptionsError', String(error)).toBe(true);
  expect((error as { option?: unknown }).option).toBe(option);
  expect((error as Error).message).toContain(`option "${option}"`);
  expect((error as Error).message).toMatch(described);
}
