import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeUnit } from '../../test/arbitraries.js';
import { itParsesEveryVector, largeEnough, loadVectors } from '../../test/load-vectors.js';
import { BAGGAGE_MAX_LENGTH, BAGGAGE_MAX_MEMBERS, parseBaggage } from './baggage.js';

/** `count` members `k0=v,k1=v,…`. */
function members(count: number, value = 'v'): string[] {
  return Array.from({ length: count }, (_, index) => `k${index}=${value}`);
}

describe('parseBaggage', () => {
  const vectors = loadVectors<string, string>('baggage');

  itParsesEveryVector(vectors, parseBaggage, largeEnough(20));
});

describe('parseBaggage character classes', () => {
  const tokenCharacter = /^[!#$%&'*+.^_`|~0-9A-Za-z-]$/;
  const baggageOctet = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]$/;
  const codes = Array.from({ length: 0x100 }, (_, code) => code);

  it.each(codes)('code %i in a key follows RFC 7230 tchar', (code) => {
    const character = String.fromCharCode(code);
    // `k=k=v` is still valid: the key is `k` and the value `k=v`.
    const allowed = character === '=' || tokenCharacter.test(character);
    expect(parseBaggage(`k${character}k=v`) !== undefined).toBe(allowed);
  });

  it.each(codes)('code %i in a value follows baggage-octet, bare percent excepted', (code) => {
    const character = String.fromCharCode(code);
    // `k=v;v` is still valid: `v` after the `;` is a key-only property.
    const allowed = character === ';' || (character !== '%' && baggageOctet.test(character));
    expect(parseBaggage(`k=v${character}v`) !== undefined).toBe(allowed);
    expect(parseBaggage(`k=v;p=v${character}v`) !== undefined).toBe(allowed);
  });
});

describe('parseBaggage limits (W3C Baggage, Limits)', () => {
  it('forwards 64 members unchanged: the spec minimum', () => {
    const value = members(64).join(',');
    expect(parseBaggage(value)).toBe(value);
  });

  it('forwards BAGGAGE_MAX_MEMBERS members unchanged', () => {
    const value = members(BAGGAGE_MAX_MEMBERS).join(', ');
    expect(parseBaggage(value)).toBe(value);
  });

  it('drops whole members past BAGGAGE_MAX_MEMBERS, keeping the first ones', () => {
    const list = members(BAGGAGE_MAX_MEMBERS + 20);
    expect(parseBaggage(list.join(' , '))).toBe(list.slice(0, BAGGAGE_MAX_MEMBERS).join(' , '));
  });

  it('never reads past the member limit, so an error there does not drop the rest', () => {
    const value = `${members(BAGGAGE_MAX_MEMBERS).join(',')},bad="x"`;
    expect(parseBaggage(value)).toBe(members(BAGGAGE_MAX_MEMBERS).join(','));
  });

  it('forwards exactly BAGGAGE_MAX_LENGTH bytes unchanged', () => {
    const single = `a=${'x'.repeat(BAGGAGE_MAX_LENGTH - 2)}`;
    expect(parseBaggage(single)).toBe(single);

    // 179 members of 15 bytes and their commas, then one member padded to reach 8192 bytes.
    const many = Array.from(
      { length: BAGGAGE_MAX_MEMBERS - 1 },
      (_, index) => `${String(index).padStart(3, '0')}=0123456789a`,
    ).join(',');
    const padded = `${many},z=${'y'.repeat(BAGGAGE_MAX_LENGTH - many.length - 3)}`;
    expect(padded.length).toBe(BAGGAGE_MAX_LENGTH);
    expect(parseBaggage(padded)).toBe(padded);
  });

  it('drops a single member longer than BAGGAGE_MAX_LENGTH: nothing left to forward', () => {
    expect(parseBaggage(`a=${'x'.repeat(BAGGAGE_MAX_LENGTH - 1)}`)).toBeUndefined();
  });

  it('drops the member that crosses BAGGAGE_MAX_LENGTH and everything after it', () => {
    const head = 'first=1;p, second=2';
    const value = `${head}, third=${'x'.repeat(BAGGAGE_MAX_LENGTH)}, fourth=4`;
    expect(parseBaggage(value)).toBe(head);
  });

  it('does not count the cut outer whitespace against the limit', () => {
    const single = `a=${'x'.repeat(BAGGAGE_MAX_LENGTH - 2)}`;
    expect(parseBaggage(`  ${single}\t`)).toBe(single);
  });

  it('cuts a 10 kB baggage at a member boundary within the limits', () => {
    const list = Array.from({ length: 100 }, (_, index) => `key${index}=${'v'.repeat(95)}`);
    const value = list.join(',');
    expect(value.length).toBeGreaterThan(10_000);
    const parsed = parseBaggage(value);
    expect(parsed).toBeDefined();
    expect(parsed?.length).toBeLessThanOrEqual(BAGGAGE_MAX_LENGTH);
    expect(value.startsWith(`${parsed},`)).toBe(true);
    expect(parsed?.split(',')).toEqual(list.slice(0, parsed?.split(',').length));
  });

  it('reads at most BAGGAGE_MAX_LENGTH characters of a huge input', () => {
    const head = members(10).join(',');
    const huge = `${head},${'!'.repeat(1_000_000)}"`;
    expect(parseBaggage(huge)).toBe(head);
    expect(parseBaggage(`a=${'x'.repeat(1_000_000)}`)).toBeUndefined();
  });

  it('drops everything when the grammar fails within the limits', () => {
    const value = `${members(50).join(',')},bad key=1`;
    expect(value.length).toBeLessThan(BAGGAGE_MAX_LENGTH);
    expect(parseBaggage(value)).toBeUndefined();
  });
});

describe('parseBaggage properties', () => {
  const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,8}$/);
  const octets = fc.stringMatching(
    /^(?:[!#$&'()*+\-./0-9:<=>?@A-Z[\]^_`a-z{|}~]|%[0-9A-Fa-f]{2}){0,8}$/,
  );
  const whitespace = fc.stringMatching(/^[ \t]{0,2}$/);
  const property = fc
    .tuple(whitespace, token, whitespace, fc.option(fc.tuple(whitespace, octets)))
    .map(([before, key, after, assigned]) =>
      assigned === null
        ? `${before}${key}${after}`
        : `${before}${key}${after}=${assigned[0]}${assigned[1]}`,
    );
  const member = fc
    .tuple(
      token,
      whitespace,
      whitespace,
      octets,
      fc.array(fc.tuple(whitespace, property), { maxLength: 3 }),
    )
    .map(
      ([key, before, after, value, properties]) =>
        `${key}${before}=${after}${value}${properties.map(([space, text]) => `${space};${text}`).join('')}`,
    );

  it('forwards every grammatical baggage-string within the limits unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(member, whitespace, whitespace), { minLength: 1, maxLength: 20 }),
        (list) => {
          const value = list
            .map(([text, before, after], index) =>
              index === 0 ? text : `${before},${after}${text}`,
            )
            .join('');
          const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '');
          expect(parseBaggage(value)).toBe(trimmed);
        },
      ),
    );
  });

  it('returns undefined or a valid, bounded string that parses to itself', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200, unit: codeUnit }),
          fc.stringMatching(/^[a-z=;, \t%0-9"]{0,200}$/),
        ),
        (value) => {
          const parsed = parseBaggage(value);
          if (parsed === undefined) return;
          expect(parsed.length).toBeLessThanOrEqual(BAGGAGE_MAX_LENGTH);
          expect(parseBaggage(parsed)).toBe(parsed);
          expect(value.includes(parsed)).toBe(true);
        },
      ),
    );
  });
});
