import {
  type Baggage,
  baggageEntryMetadataFromString,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
} from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BAGGAGE_MAX_LENGTH, BAGGAGE_MAX_MEMBERS, parseBaggage } from '../codec/baggage.js';
import { BAGGAGE_MAX_MEMBER_LENGTH, baggageFromHeader, formatBaggage } from './baggage-bridge.js';

const otel = new W3CBaggagePropagator();

/** Entries as plain data: value and metadata text, so two Baggage objects compare by content. */
function entriesOf(baggage: Baggage | undefined): [string, string, string | undefined][] {
  return (baggage?.getAllEntries() ?? []).map(([key, entry]) => [
    key,
    entry.value,
    entry.metadata?.toString(),
  ]);
}

function otelRead(header: string): Baggage | undefined {
  return propagation.getBaggage(
    otel.extract(ROOT_CONTEXT, { baggage: header }, defaultTextMapGetter),
  );
}

function otelWrite(baggage: Baggage): string | undefined {
  const carrier: Record<string, string> = {};
  otel.inject(propagation.setBaggage(ROOT_CONTEXT, baggage), carrier, defaultTextMapSetter);
  return carrier.baggage;
}

describe('baggageFromHeader', () => {
  it('percent-decodes keys and values as UTF-8 and keeps properties as metadata', () => {
    const baggage = baggageFromHeader(
      'userId=al%20ice, with%2Fslash = caf%C3%A9 ;ttl=60;secure,empty=',
    );
    expect(entriesOf(baggage)).toEqual([
      ['userId', 'al ice', undefined],
      ['with/slash', 'café', 'ttl=60;secure'],
      // W3C Baggage allows an empty value; OpenTelemetry's parser drops it, hoptrace keeps it.
      ['empty', '', undefined],
    ]);
  });

  it('turns octets that are not UTF-8 into U+FFFD rather than dropping the entry', () => {
    expect(baggageFromHeader('bad=%FF%FE,ok=1')?.getEntry('bad')?.value).toBe('\uFFFD\uFFFD');
    // A bare % is legal in a key (a token): kept as it is.
    expect(entriesOf(baggageFromHeader('50%off=1'))).toEqual([['50%off', '1', undefined]]);
  });

  it('gives the same entries as OpenTelemetry’s parser for what it accepts', () => {
    for (const header of [
      'key1=d4cda95b==,key3=c88815a7, keyn   = valn, keym =valm',
      'key1=d4cda95b,key3=c88815a7;prop1=value1',
      'a=1,a=2,b=3',
      'constructor=y,toString=z',
      '2=b,1=a,z=c',
      Array.from(
        { length: 200 },
        (_, index) => `${String(index).padStart(3, '0')}=${'v'.repeat(45)}`,
      )
        .join(',')
        .slice(0, BAGGAGE_MAX_LENGTH),
    ]) {
      const valid = parseBaggage(header);
      expect(valid, header).toBeDefined();
      expect(entriesOf(baggageFromHeader(valid ?? '')), header).toEqual(
        entriesOf(otelRead(header)),
      );
    }
  });

  it('keeps a `__proto__` key as an entry (OpenTelemetry’s object-literal parser loses it)', () => {
    expect(entriesOf(baggageFromHeader('__proto__=x,a=1'))).toEqual([
      ['__proto__', 'x', undefined],
      ['a', '1', undefined],
    ]);
    expect(entriesOf(otelRead('__proto__=x,a=1'))).toEqual([['a', '1', undefined]]);
  });

  it('applies OpenTelemetry’s limits: members over 4096 bytes skipped, at most 180 entries', () => {
    const long = `toolong=${'v'.repeat(BAGGAGE_MAX_MEMBER_LENGTH)}`;
    expect(baggageFromHeader(long)).toBeUndefined();
    expect(entriesOf(baggageFromHeader(`good=1,${long},also=2`)).map(([key]) => key)).toEqual([
      'good',
      'also',
    ]);
    const many = Array.from({ length: 200 }, (_, index) => `k${index}=v`).join(',');
    expect(baggageFromHeader(many)?.getAllEntries()).toHaveLength(BAGGAGE_MAX_MEMBERS);
  });
});

describe('formatBaggage', () => {
  it('writes what OpenTelemetry’s W3CBaggagePropagator writes', () => {
    const baggage = propagation.createBaggage({
      key1: { value: 'd4cda95b652f4a1592b449d5929fda1b' },
      'with/slash': { value: 'with spaces' },
      key4: { value: 'foo', metadata: baggageEntryMetadataFromString('p1=v1;p2') },
      unicode: { value: 'café ☕' },
    });
    expect(formatBaggage(baggage)).toBe(otelWrite(baggage));
    expect(formatBaggage(baggage)).toBe(
      'key1=d4cda95b652f4a1592b449d5929fda1b,with%2Fslash=with%20spaces,key4=foo;p1=v1;p2,unicode=caf%C3%A9%20%E2%98%95',
    );
  });

  it('writes nothing for an empty baggage', () => {
    expect(formatBaggage(propagation.createBaggage())).toBeUndefined();
    expect(formatBaggage(propagation.createBaggage({ '': { value: 'no key' } }))).toBeUndefined();
  });

  it('always writes a valid baggage-string, where OpenTelemetry would send a broken one', () => {
    const baggage = propagation.createBaggage({
      'a(b)': { value: '1' },
      lone: { value: '\uD800' },
      commas: { value: 'x', metadata: baggageEntryMetadataFromString('p=1,q=2') },
      spaced: { value: 'y', metadata: baggageEntryMetadataFromString('  p = 1  ') },
    });
    const header = formatBaggage(baggage);
    // The bracket key as a token, the lone surrogate skipped, the comma metadata left out.
    expect(header).toBe('a%28b%29=1,commas=x,spaced=y;p = 1');
    expect(parseBaggage(header ?? '')).toBe(header);
    // OpenTelemetry's inject throws on the lone surrogate, and without it writes the comma.
    expect(() => otelWrite(baggage)).toThrow(URIError);
    expect(otelWrite(baggage.removeEntry('lone'))).toContain('p=1,q=2');
    // And it reads back as it was written.
    expect(entriesOf(baggageFromHeader(header ?? ''))).toEqual([
      ['a(b)', '1', undefined],
      ['commas', 'x', undefined],
      ['spaced', 'y', 'p = 1'],
    ]);
  });

  it('applies OpenTelemetry’s limits: 4096 per member, 180 members, 8192 in all', () => {
    const value = 'v'.repeat(4000);
    const sized = propagation.createBaggage({
      ['0'.repeat(48)]: { value },
      ['1'.repeat(49)]: { value },
      big: { value: 'v'.repeat(BAGGAGE_MAX_MEMBER_LENGTH) },
      aa: { value: 'v'.repeat(89) },
      b: { value: '1' },
    });
    const header = formatBaggage(sized) ?? '';
    expect(header).toBe(otelWrite(sized));
    // The member that would pass 8192 is skipped; a smaller one after it still goes.
    expect(header.length).toBeLessThanOrEqual(BAGGAGE_MAX_LENGTH);
    expect(header.endsWith(',b=1')).toBe(true);

    const entries = Object.fromEntries(
      Array.from({ length: 200 }, (_, index) => [`k${index}`, { value: 'v' }]),
    );
    expect(formatBaggage(propagation.createBaggage(entries))?.split(',')).toHaveLength(
      BAGGAGE_MAX_MEMBERS,
    );
  });

  it('survives a Baggage implementation that throws or lies', () => {
    const liar = (getAllEntries: () => unknown): Baggage =>
      ({ ...propagation.createBaggage(), getAllEntries }) as unknown as Baggage;
    expect(
      formatBaggage(
        liar(() => {
          throw new Error('entries');
        }),
      ),
    ).toBeUndefined();
    expect(formatBaggage(liar(() => 'a=b'))).toBeUndefined();
    expect(
      formatBaggage(
        liar(() => [
          ['ok', { value: 'yes' }],
          'junk',
          [42, { value: 'x' }],
          ['n', { value: 7 }],
          [
            'meta',
            {
              value: 'm',
              metadata: {
                toString: () => {
                  throw new Error('meta');
                },
              },
            },
          ],
        ]),
      ),
    ).toBe('ok=yes,meta=m');
  });

  it('round-trips any entries through format and parse', () => {
    const key = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' });
    const value = fc.string({ maxLength: 40, unit: 'grapheme' });
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 10 }), (record) => {
        const entries = Object.fromEntries(
          Object.entries(record).map(([name, text]) => [name, { value: text }]),
        );
        const header = formatBaggage(propagation.createBaggage(entries));
        if (Object.keys(entries).length === 0) return header === undefined;
        expect(parseBaggage(header ?? '')).toBe(header);
        expect(entriesOf(baggageFromHeader(header ?? ''))).toEqual(
          entriesOf(propagation.createBaggage(entries)),
        );
        // OpenTelemetry reads it the same way, but for what it drops: empty values (W3C allows
        // them) and a `__proto__` key (its parser assigns into an object literal).
        const kept = entriesOf(propagation.createBaggage(entries)).filter(
          ([name, text]) => text !== '' && name !== '__proto__',
        );
        expect(entriesOf(otelRead(header ?? ''))).toEqual(kept);
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
