import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatTrail,
  printable,
  readTrail,
  TRAIL_MAX_DEPTH,
  type TrailCall,
  type TrailHop,
  trailAddress,
} from './trail.js';

const TOKEN = 'a-shared-diagnostics-token';

function hop(overrides: Partial<TrailHop> = {}): TrailHop {
  return {
    service: 'orders',
    host: 'web-1',
    pid: 42,
    address: '127.0.0.1:9001',
    peer: '127.0.0.1:50000',
    method: 'GET',
    route: '/orders/:id',
    status: 200,
    durationMs: 12.5,
    requestId: '9c3e2bd6-7f2a-4d4c-8b1e-3f5a6c7d8e9f',
    requestIdArrived: true,
    traceId: '80f198ee56343ba864fe8b2a57d3eff7',
    traceIdArrived: true,
    spanId: 'e457b5a2e4d86bd1',
    parentSpanId: null,
    calls: [],
    omittedCalls: 0,
    ...overrides,
  };
}

function call(below: TrailHop | null, overrides: Partial<TrailCall> = {}): TrailCall {
  return {
    method: 'GET',
    url: 'http://127.0.0.1:8080/stock',
    remote: '127.0.0.1:8080',
    status: 200,
    failure: null,
    durationMs: 3.25,
    sent: {
      requestId: '9c3e2bd6-7f2a-4d4c-8b1e-3f5a6c7d8e9f',
      traceId: '80f198ee56343ba864fe8b2a57d3eff7',
      spanId: '05e3ac9a4f6e3b90',
    },
    mark: below === null ? 'not-instrumented' : 'ok',
    reason: null,
    hop: below,
    ...overrides,
  };
}

/** A chain `depth` hops deep: each hop calls the next. */
function chain(depth: number): TrailHop {
  let node = hop({ service: `hop-${depth}` });
  for (let level = depth - 1; level >= 0; level--) {
    node = hop({ service: `hop-${level}`, calls: [call(node)] });
  }
  return node;
}

/** Signs any payload with the token, as a hop that knows it would. */
function signed(json: string): string {
  const payload = Buffer.from(json).toString('base64url');
  const signature = createHmac('sha256', TOKEN).update(`v1.${payload}`).digest('base64url');
  return `v1.${payload}.${signature}`;
}

describe('formatTrail / readTrail', () => {
  it('round-trips a nested trail', () => {
    const trail = hop({ calls: [call(hop({ service: 'inventory' })), call(null)] });
    const value = formatTrail(trail, TOKEN);
    expect(value).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(readTrail(value as string, TOKEN)).toEqual({ hop: trail });
  });

  it('refuses a trail signed with another token, before parsing it', () => {
    const value = formatTrail(hop(), 'another-token-of-16-chars') as string;
    expect(readTrail(value, TOKEN)).toEqual({ rejected: 'bad-signature' });
    // A payload that is not even JSON, with a made-up signature: refused for the signature.
    expect(readTrail(`v1.${Buffer.from('{').toString('base64url')}.AAAA`, TOKEN)).toEqual({
      rejected: 'bad-signature',
    });
  });

  it('refuses a tampered payload', () => {
    const value = formatTrail(hop(), TOKEN) as string;
    const [version, , signature] = value.split('.');
    const forged = Buffer.from(JSON.stringify(hop({ service: 'evil' }))).toString('base64url');
    expect(readTrail(`${version}.${forged}.${signature}`, TOKEN)).toEqual({
      rejected: 'bad-signature',
    });
  });

  it('refuses a value over the cap without looking further', () => {
    const value = formatTrail(hop(), TOKEN) as string;
    expect(readTrail(value, TOKEN, value.length - 1)).toEqual({ rejected: 'too-long' });
    expect(readTrail('x'.repeat(100_000), TOKEN)).toEqual({ rejected: 'too-long' });
  });

  it.each([
    ['empty', ''],
    ['no parts', 'v1'],
    ['other version', 'v2.e30.AAAA'],
    ['four parts', 'v1.e30.AAAA.AAAA'],
    ['not base64url', 'v1.e3 0.AAAA'],
  ])('refuses a malformed value (%s)', (_name, value) => {
    expect(readTrail(value, TOKEN)).toEqual({ rejected: 'malformed' });
  });

  it.each([
    ['not JSON', '{"service":'],
    ['an array', '[]'],
    ['a missing field', JSON.stringify({ ...hop(), requestId: undefined })],
    ['a control character', JSON.stringify(hop({ route: '/a\r\nSet-Cookie: x' }))],
    ['an invalid request ID', JSON.stringify(hop({ requestId: '<script>' }))],
    [
      'an upper-case trace ID',
      JSON.stringify(hop({ traceId: '80F198EE56343BA864FE8B2A57D3EFF7' })),
    ],
    ['a negative duration', JSON.stringify(hop({ durationMs: -1 }))],
    ['an unknown mark', JSON.stringify(hop({ calls: [{ ...call(null), mark: 'fine' as 'ok' }] }))],
    ['an unknown flag', JSON.stringify(hop({ calls: [{ ...call(null), failure: 'XX' as 'UF' }] }))],
  ])('refuses a signed trail with %s', (_name, json) => {
    expect(readTrail(signed(json), TOKEN)).toEqual({ rejected: 'malformed' });
  });

  it(`refuses a trail nested deeper than ${TRAIL_MAX_DEPTH} hops`, () => {
    const deep = chain(TRAIL_MAX_DEPTH);
    expect(readTrail(signed(JSON.stringify(deep)), TOKEN, 65_536)).toEqual({
      rejected: 'malformed',
    });
    const fits = chain(TRAIL_MAX_DEPTH - 1);
    expect(readTrail(signed(JSON.stringify(fits)), TOKEN, 65_536)).toEqual({ hop: fits });
  });

  it('drops the deepest trails first to fit the cap, marking the calls', () => {
    const trail = chain(6);
    const full = formatTrail(trail, TOKEN, 65_536) as string;
    const capped = formatTrail(trail, TOKEN, Math.floor(full.length * 0.7)) as string;
    expect(capped.length).toBeLessThanOrEqual(Math.floor(full.length * 0.7));
    const read = readTrail(capped, TOKEN, 65_536);
    if (!('hop' in read)) throw new Error(`refused: ${read.rejected}`);
    let node: TrailHop | null = read.hop;
    let depth = 0;
    let last: TrailCall | undefined;
    while (node !== null) {
      last = node.calls[0];
      node = last?.hop ?? null;
      depth++;
    }
    expect(depth).toBeLessThan(7);
    expect(depth).toBeGreaterThan(1);
    expect(last?.truncated).toBe(true);
  });

  it('gives up when the hop alone does not fit', () => {
    expect(formatTrail(hop(), TOKEN, 64)).toBeUndefined();
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (value) => {
        const read = readTrail(value, TOKEN);
        expect('rejected' in read).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const read = readTrail(signed(JSON.stringify(value) ?? 'null'), TOKEN);
        expect('rejected' in read || 'hop' in read).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('printable', () => {
  it('replaces what a trail reader would refuse and cuts to length', () => {
    expect(printable('/a\u0000b\r\nc', 512)).toBe('/a?b??c');
    expect(printable('/é', 512)).toBe('/?');
    expect(printable('/abcdef', 3)).toBe('/ab');
    expect(printable('/plain', 512)).toBe('/plain');
  });
});

describe('trailAddress', () => {
  it('writes address:port, IPv6 in brackets, null when either is unknown', () => {
    expect(trailAddress('127.0.0.1', 8080)).toBe('127.0.0.1:8080');
    expect(trailAddress('::1', 8080)).toBe('[::1]:8080');
    expect(trailAddress(undefined, 8080)).toBeNull();
    expect(trailAddress('127.0.0.1', undefined)).toBeNull();
  });
});
