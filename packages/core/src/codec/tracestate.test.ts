import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itParsesEveryVector, loadVectors, validAndInvalid } from '../../test/load-vectors.js';
import {
  formatTracestate,
  parseTracestate,
  TRACESTATE_MAX_MEMBERS,
  type TracestateEntry,
  truncateTracestate,
} from './tracestate.js';

const vectors = loadVectors<string, [string, string][]>('tracestate');

describe('parseTracestate vectors', () => {
  itParsesEveryVector(vectors, parseTracestate, validAndInvalid(30));
});

describe('formatTracestate', () => {
  it('writes the spec example', () => {
    expect(
      formatTracestate([
        ['rojo', '00f067aa0ba902b7'],
        ['congo', 't61rcWkgMzE'],
      ]),
    ).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  });

  it('writes nothing for no entries', () => {
    expect(formatTracestate([])).toBe('');
  });

  it('keeps leading spaces of a value', () => {
    expect(formatTracestate([['foo', '  bar']])).toBe('foo=  bar');
  });

  it('writes every valid vector back to a value that parses to the same entries', () => {
    for (const { expected } of vectors) {
      if (expected === null) continue;
      const written = formatTracestate(expected);
      expect(parseTracestate(written)).toStrictEqual(expected);
      expect(formatTracestate(parseTracestate(written) ?? [])).toBe(written);
    }
  });

  it('drops OWS and empty members', () => {
    const parsed = parseTracestate(' foo=1 \t, ,\tbar=2 ,');
    expect(parsed && formatTracestate(parsed)).toBe('foo=1,bar=2');
  });
});

describe('round trips', () => {
  const keyCharacter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_-*/');
  const simpleKey = fc
    .tuple(
      fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
      fc.string({ unit: keyCharacter, maxLength: 20 }),
    )
    .map(([first, rest]) => first + rest);
  const value = fc
    .string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
      minLength: 1,
      maxLength: 40,
    })
    .map((text) => text.replaceAll(',', '.').replaceAll('=', '.'))
    .filter((text) => !text.endsWith(' '));
  const entries = fc.uniqueArray(fc.tuple(simpleKey, value), {
    maxLength: TRACESTATE_MAX_MEMBERS,
    selector: ([key]) => key,
  });

  it('parse(format(entries)) gives the entries back', () => {
    fc.assert(
      fc.property(entries, (list) => {
        expect(parseTracestate(formatTracestate(list))).toStrictEqual(list);
      }),
    );
  });

  it('never throws and only returns valid-looking entries', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (input) => {
        const parsed = parseTracestate(input);
        if (parsed === undefined) return;
        expect(parsed.length).toBeLessThanOrEqual(TRACESTATE_MAX_MEMBERS);
        for (const [key, text] of parsed) {
          expect(key).toMatch(/^[a-z0-9][a-z0-9_\-*/@]*$/);
          expect(text).toMatch(/^[\x20-\x2b\x2d-\x3c\x3e-\x7e]*[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/);
        }
      }),
    );
  });
});

describe('truncateTracestate', () => {
  const long = (key: string, length: number): TracestateEntry => [
    key,
    'x'.repeat(length - key.length - 1),
  ];

  it('keeps everything that fits', () => {
    const list: TracestateEntry[] = [
      ['a', '1'],
      ['b', '2'],
    ];
    const kept = truncateTracestate(list, 7);
    expect(kept).toStrictEqual(list);
    expect(kept).not.toBe(list);
  });

  it('removes entries over 128 characters first, right-most first, only as many as needed', () => {
    const list = [long('a', 129), ['b', '1'], long('c', 200), ['d', '2'], long('e', 150)] as const;
    const total = formatTracestate(list).length;
    expect(truncateTracestate(list, total - 1)).toStrictEqual([list[0], list[1], list[2], list[3]]);
    expect(truncateTracestate(list, total - 151)).toStrictEqual([
      list[0],
      list[1],
      list[2],
      list[3],
    ]);
    expect(truncateTracestate(list, total - 152)).toStrictEqual([list[0], list[1], list[3]]);
    expect(truncateTracestate(list, 7)).toStrictEqual([list[1], list[3]]);
  });

  it('keeps an entry of exactly 128 characters until removing from the end', () => {
    const list = [['a', '1'], long('b', 128), ['c', '3']] as const;
    expect(truncateTracestate(list, 132)).toStrictEqual([list[0], list[1]]);
  });

  it('then removes entries from the end', () => {
    const list: TracestateEntry[] = [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ];
    expect(truncateTracestate(list, 8)).toStrictEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(truncateTracestate(list, 3)).toStrictEqual([['a', '1']]);
    expect(truncateTracestate(list, 2)).toStrictEqual([]);
    expect(truncateTracestate(list, 0)).toStrictEqual([]);
  });

  it('always fits and keeps the order of what it keeps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,200}$/)), {
          maxLength: TRACESTATE_MAX_MEMBERS,
        }),
        fc.nat(3000),
        (list: readonly TracestateEntry[], maxLength) => {
          const kept = truncateTracestate(list, maxLength);
          expect(formatTracestate(kept).length).toBeLessThanOrEqual(maxLength);
          let cursor = 0;
          for (const entry of kept) {
            cursor = list.indexOf(entry, cursor) + 1;
            expect(cursor).toBeGreaterThan(0);
          }
        },
      ),
    );
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'throws on maxLength %s',
    (maxLength) => {
      expect(() => truncateTracestate([], maxLength)).toThrow(/maxLength/);
    },
  );
});
