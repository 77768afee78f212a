import { describe, expect, it } from 'vitest';
import { HoptraceOptionsError } from '../errors.js';
import { checkChoice, givenOptions } from './adapter-options.js';

describe('givenOptions', () => {
  it('keeps the options set to something, and says when there are none', () => {
    expect(givenOptions({ mode: 'child', formats: undefined })).toEqual({ mode: 'child' });
    expect(givenOptions({ requestIdHeader: undefined })).toBeUndefined();
    expect(givenOptions({})).toBeUndefined();
  });
});

describe('checkChoice', () => {
  const choices = ['skip', 'new-trace'] as const;
  it('passes a choice or the default through', () => {
    expect(checkChoice('outsideContext', 'skip', choices)).toBe('skip');
    expect(checkChoice('outsideContext', undefined, choices)).toBeUndefined();
  });
  it('names the option, the choices and what was given', () => {
    expect(() => checkChoice('outsideContext', 'always', choices)).toThrow(HoptraceOptionsError);
    expect(() => checkChoice('outsideContext', 42, choices)).toThrow(
      /outsideContext.*"skip" or "new-trace"; got the number 42/,
    );
  });
});
