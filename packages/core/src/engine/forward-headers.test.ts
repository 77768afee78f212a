import { describe, expect, it } from 'vitest';
import { forwardMaxLength, isCarriedHeader, readForwardHeaders } from './forward-headers.js';
import { HeaderVerdicts } from './header-verdicts.js';
import { resolveOptions } from './options.js';

const options = resolveOptions({
  forwardHeaders: [{ name: 'x-client-trace-id', maxLength: 8 }, 'l5d-ctx-*', 'x-b3-*'],
});

describe('forward headers', () => {
  it('caps exact names and prefix matches, and knows hoptrace’s own headers', () => {
    expect(forwardMaxLength('x-client-trace-id', options)).toBe(8);
    expect(forwardMaxLength('l5d-ctx-trace', options)).toBe(512);
    expect(forwardMaxLength('x-other', options)).toBeUndefined();
    expect(isCarriedHeader('x-b3-traceid', options)).toBe(true);
    expect(isCarriedHeader('x-request-id', options)).toBe(true);
    expect(isCarriedHeader('x-client-trace-id', options)).toBe(false);
  });

  it('keeps visible ASCII within the cap, joined, and rejects the rest', () => {
    const verdicts = new HeaderVerdicts();
    const values = new Map([
      ['x-client-trace-id', ['a', ' b ']],
      ['l5d-ctx-trace', ['bad\u0000']],
      ['l5d-ctx-é', ['ok']],
      ['x-b3-traceid', ['read as B3, not forwarded']],
    ]);
    readForwardHeaders(values, options, verdicts);
    expect(verdicts.incoming).toEqual({ 'x-client-trace-id': 'a, b' });
    expect(verdicts.rejected).toEqual([
      { header: 'l5d-ctx-trace', reason: 'invalid-characters', length: 4 },
      { header: 'l5d-ctx-*', reason: 'invalid-characters', length: 9 },
    ]);
  });
});
