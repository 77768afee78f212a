import { describe, expect, it } from 'vitest';
import { parseDuration } from './parse-duration.js';
import { UsageError } from './usage-error.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
  ])('reads %s', (value, expected) => {
    expect(parseDuration(value, '--join-window')).toBe(expected);
  });

  it.each(['300', '0s', '-5m', '5 minutes', '5d', '', 'm', '1e3s'])('refuses %j', (value) => {
    expect(() => parseDuration(value, '--join-window')).toThrow(UsageError);
    expect(() => parseDuration(value, '--join-window')).toThrow(/--join-window .*unit/);
  });
});
