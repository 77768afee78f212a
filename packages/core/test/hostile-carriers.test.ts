import { validateHeaderName, validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHeaderName, isSafeHeaderValue } from '../src/codec/header-value.js';
import type { TraceContext } from '../src/context/trace-context.js';
import { extract } from '../src/engine/extract.js';
import type { HeaderCarrier } from '../src/engine/header-carrier.js';
import { injectHeaders, outboundHeaders } from '../src/engine/inject.js';
import type { HoptraceOptions } from '../src/engine/options.js';

// Carriers that are not HTTP parsers (a queue message's headers, a JSON object, metadata) hand
// over whatever bytes they hold. Each case below starts from a valid value of one header and
// breaks it where a parser that checks only a prefix would not look.

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

const VALID: Readonly<Record<string, string>> = {
  'x-request-id': 'req-1',
  'x-correlation-id': 'chain-1',
  b3: `${TRACE_ID}-${SPAN_ID}-1`,
  'x-b3-traceid': TRACE_ID,
  'x-b3-spanid': SPAN_ID,
  'x-b3-sampled': '1',
  traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
  tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
  'x-ot-span-context': `${SPAN_ID};${SPAN_ID};0000000000000000;cs`,
  baggage: 'userId=alice,serverNode=DF%2028',
  'x-client-trace-id': 'client-1',
  'l5d-ctx-trace': 'abc',
};

const HOSTILE_PIECES = [
  '\r\n',
  '\r',
  '\n',
  '\u0000',
  '\t',
  '\u007f',
  '\u0080',
  '\u00ff',
  '\u00e9',
  '\u2028',
  ' ',
  ',',
  '<script>',
  '\r\nContent-Length: 0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: internal',
];

/** A valid value broken by a hostile piece at one place, or given a hostile tail or padding. */
const brokenValue = (valid: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc
      .tuple(fc.nat({ max: valid.length }), fc.constantFrom(...HOSTILE_PIECES))
      .map(([at, piece]) => `${valid.slice(0, at)}${piece}${valid.slice(at)}`),
    fc.constantFrom(...HOSTILE_PIECES).map((piece) => `${valid}${piece}`),
    fc.integer({ min: 1, max: 20_000 }).map((length) => `${valid}${'x'.repeat(length)}`),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );

/** A traceparent of a later version: only its first four fields are parsed (§3.2.4). */
const futureTraceparent = fc
  .tuple(fc.constantFrom(...HOSTILE_PIECES, 'future', '-ok', '--', ',00-x'), fc.nat({ max: 600 }))
  .map(([piece, padding]) => `cc-${TRACE_ID}-${SPAN_ID}-01-${'a'.repeat(padding)}${piece}`);

const headerValues: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    fc.record(
      Object.fromEntries(
        Object.entries(VALID).map(([name, valid]) => [
          name,
          fc.oneof(fc.constant(valid), brokenValue(valid)),
        ]),
      ),
      { requiredKeys: [] },
    ),
    fc.option(futureTraceparent, { nil: undefined }),
    fc.option(
      fc.constantFrom(...HOSTILE_PIECES).map((piece) => `l5d-ctx-${piece}x`),
      {
        nil: undefined,
      },
    ),
  )
  .map(([headers, traceparent, hostileName]) => {
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) result[name] = value;
    }
    if (traceparent !== undefined) result.traceparent = traceparent;
    if (hostileName !== undefined) result[hostileName] = 'value';
    return result;
  });

const latin1 = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** The same headers in every carrier shape hoptrace reads. */
const CARRIERS: readonly [string, (headers: Record<string, string>) => HeaderCarrier][] = [
  ['a plain object', (headers) => ({ ...headers })],
  [
    'a plain object of Buffers (a queue message)',
    (headers) =>
      Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, latin1(value)])),
  ],
  [
    'a plain object of arrays',
    (headers) =>
      Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
  ],
  ['a Map', (headers) => new Map(Object.entries(headers)) as unknown as HeaderCarrier],
  [
    'a Map of Buffers',
    (headers) =>
      new Map(
        Object.entries(headers).map(([name, value]) => [name, latin1(value)]),
      ) as unknown as HeaderCarrier,
  ],
  ['a raw array of strings', (headers) => Object.entries(headers).flat()],
  [
    'a raw array of bytes',
    (headers) => Object.entries(headers).flatMap(([name, value]) => [latin1(name), latin1(value)]),
  ],
];

const OPTIONS: readonly HoptraceOptions[] = [
  { mode: 'forward', forwardHeaders: ['x-client-trace-id', 'l5d-ctx-*'] },
  { mode: 'child', forwardHeaders: ['x-client-trace-id', 'l5d-ctx-*'] },
  { correlationIdHeader: 'x-correlation-id', outboundRequestId: 'per-call' },
];

/** Every string the context holds, however deep. */
function strings(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(value);
  else if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) strings(member, found);
  }
  return found;
}

function assertSafeContext(context: TraceContext): void {
  for (const text of strings(context)) {
    expect(isSafeHeaderValue(text), JSON.stringify(text).slice(0, 80)).toBe(true);
  }
  // Markup is visible ASCII, which baggage and tracestate values may hold; a later
  // traceparent's tail is checked by its own shape.
  expect(context.incoming.traceparent ?? '').not.toContain('<script>');
  for (const rejection of context.rejected) {
    expect(Object.keys(rejection).sort()).toEqual(['header', 'length', 'reason']);
  }
}

function assertSafeOutbound(pairs: readonly string[]): void {
  const seen = new Set<string>();
  for (let index = 0; index + 1 < pairs.length; index += 2) {
    const name = pairs[index] as string;
    const value = pairs[index + 1] as string;
    expect(isHeaderName(name), JSON.stringify(name)).toBe(true);
    expect(seen.has(name.toLowerCase()), `${name} appears once`).toBe(false);
    seen.add(name.toLowerCase());
    // Strict: visible ASCII with inner spaces and tabs only, no surrounding whitespace, bounded.
    expect(value, name).toMatch(/^[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?$/);
    expect(value.length, name).toBeLessThanOrEqual(8192);
    expect(() => validateHeaderName(name)).not.toThrow();
    expect(() => validateHeaderValue(name, value)).not.toThrow();
    if (name === 'traceparent') expect(value.length).toBeLessThanOrEqual(512);
  }
}

describe('carriers that are not HTTP parsers', () => {
  it.each(CARRIERS)('%s: nothing hostile is kept or sent on', (_name, toCarrier) => {
    fc.assert(
      fc.property(headerValues, fc.constantFrom(...OPTIONS), (headers, options) => {
        const context = extract(toCarrier(headers), options);
        assertSafeContext(context);
        const pairs = injectHeaders(context, [] as string[], options);
        assertSafeOutbound(pairs);
        expect(() => injectHeaders(context, new Headers(), options)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('drops CR, LF, NUL and obs-text in every header it reads, recording why', () => {
    for (const piece of ['\r', '\n', '\u0000', '\u00e9']) {
      const headers = Object.fromEntries(
        Object.entries(VALID).map(([name, value]) => [name, `${value.slice(0, 3)}${piece}x`]),
      );
      const context = extract(headers, {
        correlationIdHeader: 'x-correlation-id',
        forwardHeaders: ['x-client-trace-id', 'l5d-ctx-*'],
      });
      expect(context.requestIdSource).toBe('generated');
      expect(context.traceSource).toBe('generated');
      expect(context.incoming).toEqual({});
      const rejected = new Set(context.rejected.map((rejection) => rejection.header));
      for (const name of ['x-request-id', 'b3', 'traceparent', 'baggage', 'x-client-trace-id']) {
        expect(rejected.has(name), name).toBe(true);
      }
    }
  });

  it('sends a later traceparent version on as version 00 when its tail is hostile', () => {
    const tail = '-x\r\nContent-Length: 0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: internal';
    const context = extract({ traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01${tail}` });
    expect(context.traceId).toBe(TRACE_ID);
    expect(context.incoming.traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(context.rejected).toEqual([
      { header: 'traceparent', reason: 'invalid-characters', length: 55 + tail.length },
    ]);
    expect(outboundHeaders(context).traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
  });

  it('drops a forwardHeaders prefix match whose name is not a token', () => {
    const context = extract(
      { 'l5d-ctx-\r\nset-cookie': 'x', 'l5d-ctx-ok': ' kept ' },
      { forwardHeaders: ['l5d-ctx-*'] },
    );
    expect(context.incoming).toEqual({ 'l5d-ctx-ok': 'kept' });
    expect(context.rejected).toEqual([
      { header: 'l5d-ctx-*', reason: 'invalid-characters', length: 20 },
    ]);
  });

  it('never writes an unsafe value from a context built by hand', () => {
    const handMade = {
      ...extract({}),
      requestId: 'abc\r\nset-cookie: x=1',
      incoming: { baggage: 'a=1\r\nx: y', 'x-client-trace-id': 'ok' },
    } satisfies TraceContext;
    const pairs = injectHeaders(handMade, [] as string[], {
      forwardHeaders: ['x-client-trace-id'],
    });
    assertSafeOutbound(pairs);
    expect(pairs).toContain('x-client-trace-id');
    expect(pairs).not.toContain('x-request-id');
    expect(() => injectHeaders(handMade, new Headers())).not.toThrow();
  });
});
