import { describe, expect, it } from 'vitest';
import type { HeaderCarrier } from './header-carrier.js';
import { resolveOptions } from './options.js';
import { readCarrier, readRecordHeader } from './read-carrier.js';

const options = resolveOptions({ forwardHeaders: ['x-client-trace-id', 'l5d-ctx-*'] });

describe('readCarrier', () => {
  it('keeps only the headers hoptrace reads, by lower-case name, every line in order', () => {
    const values = readCarrier(
      {
        Host: 'example.com',
        'X-Request-ID': 'abc',
        'x-b3-sampled': ['1', '0'],
        'L5D-CTX-Trace': 'x',
        'x-unrelated': 'y',
      },
      options,
    );
    expect([...values]).toEqual([
      ['x-request-id', ['abc']],
      ['x-b3-sampled', ['1', '0']],
      ['l5d-ctx-trace', ['x']],
    ]);
  });

  it.each<[string, HeaderCarrier]>([
    ['a record of bytes', { traceparent: Buffer.from('tp', 'latin1') }],
    ['a Headers', new Headers({ traceparent: 'tp' })],
    ['a Map', new Map([['traceparent', 'tp']]) as unknown as HeaderCarrier],
    ['a raw array', ['traceparent', 'tp']],
    ['a raw array of bytes', [Buffer.from('traceparent'), Buffer.from('tp')]],
  ])('reads %s', (_shape, carrier) => {
    expect(readCarrier(carrier, options).get('traceparent')).toEqual(['tp']);
  });

  it('reads a carrier whose getters throw as empty', () => {
    const hostile = new Proxy(
      { traceparent: 'tp' },
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    expect(readCarrier(hostile, options).size).toBe(0);
  });
});

describe('readRecordHeader', () => {
  it('reads one header by name, each array element as a line', () => {
    expect(readRecordHeader({ 'x-request-id': ['a', 'b'] }, 'x-request-id')).toEqual(['a', 'b']);
    expect(readRecordHeader({}, 'x-request-id')).toBeUndefined();
  });

  it('is undefined when the getter throws', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    expect(readRecordHeader(hostile, 'x-request-id')).toBeUndefined();
  });
});
