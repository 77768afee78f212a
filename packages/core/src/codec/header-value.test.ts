import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHeaderName, isSafeHeaderValue } from './header-value.js';

describe('isSafeHeaderValue', () => {
  it.each([
    ['a trace header', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', true],
    ['inner spaces and tabs (RFC 9110 field-content)', 'a b\tc', true],
    ['empty', '', true],
    ['CR LF', 'x\r\nContent-Length: 0', false],
    ['a bare LF', 'x\ny', false],
    ['NUL', 'x\u0000y', false],
    ['DEL', 'x\u007fy', false],
    ['obs-text', 'caf\u00e9', false],
    ['beyond latin1', 'snow\u2603', false],
  ])('%s', (_name, value, safe) => {
    expect(isSafeHeaderValue(value)).toBe(safe);
  });

  it('agrees with what node:http accepts, for every single character', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x2ff }), (code) => {
        const value = `a${String.fromCharCode(code)}b`;
        const safe = code === 0x09 || (code >= 0x20 && code <= 0x7e);
        expect(isSafeHeaderValue(value)).toBe(safe);
      }),
    );
  });
});

describe('isHeaderName', () => {
  it.each([
    ['lower case', 'x-request-id', true],
    ['tchar punctuation', "a!#$%&'*+-.^_`|~z", true],
    ['empty', '', false],
    ['a space', 'x y', false],
    ['a colon', 'x:y', false],
    ['CR LF', 'l5d-ctx-\r\nx', false],
    ['non-ASCII', 'x-caf\u00e9', false],
  ])('%s', (_name, name, valid) => {
    expect(isHeaderName(name)).toBe(valid);
  });
});
