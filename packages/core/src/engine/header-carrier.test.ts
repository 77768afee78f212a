import { describe, expect, it } from 'vitest';
import { extract } from './extract.js';
import { forEachHeader, isMetadataLike, type MetadataLike } from './header-carrier.js';

/** The shape of `@grpc/grpc-js`'s `Metadata` (core does not depend on grpc-js). */
class FakeMetadata implements MetadataLike {
  private readonly internalRepr = new Map<string, unknown[]>();
  readonly options = {};
  add(key: string, value: unknown): this {
    const values = this.internalRepr.get(key);
    if (values === undefined) this.internalRepr.set(key, [value]);
    else values.push(value);
    return this;
  }
  get(key: string): unknown[] {
    return this.internalRepr.get(key) ?? [];
  }
  getMap(): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (const [key, values] of this.internalRepr) if (values.length > 0) map[key] = values[0];
    return map;
  }
}

const TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const SPAN = 'e457b5a2e4d86bd1';

function visited(carrier: MetadataLike): [string, string][] {
  const lines: [string, string][] = [];
  forEachHeader(carrier, lines, (list, name, value) => list.push([name, value]));
  return lines;
}

describe('a gRPC Metadata as a carrier', () => {
  it('is recognised by getMap and get, and a Headers or Map is not', () => {
    expect(isMetadataLike(new FakeMetadata())).toBe(true);
    expect(isMetadataLike(new Headers())).toBe(false);
    expect(isMetadataLike(new Map())).toBe(false);
    expect(isMetadataLike({ getMap: 1, get: () => [] })).toBe(false);
  });

  it('visits every text value of every key, repeats in order, and never a -bin key', () => {
    const metadata = new FakeMetadata()
      .add('x-request-id', 'abc')
      .add('tracestate', 'a=1')
      .add('tracestate', 'b=2')
      .add('x-forwarded-bin', Buffer.from('x-request-id'))
      .add('x-request-id-bin', Buffer.from('evil'));
    expect(visited(metadata)).toEqual([
      ['x-request-id', 'abc'],
      ['tracestate', 'a=1'],
      ['tracestate', 'b=2'],
    ]);
  });

  it('gives extract the request ID and the trace, where it used to answer with new ones', () => {
    const metadata = new FakeMetadata()
      .add('x-request-id', 'grpc-1')
      .add('traceparent', `00-${TRACE}-${SPAN}-01`);
    const context = extract(metadata);
    expect(context.requestId).toBe('grpc-1');
    expect(context.traceId).toBe(TRACE);
    expect(context.spanId).toBe(SPAN);
  });

  it('reads two request ID values as a repeated header, and a -bin request ID not at all', () => {
    const twice = extract(new FakeMetadata().add('x-request-id', 'a').add('x-request-id', 'b'));
    expect(twice.requestId).not.toMatch(/^[ab]$/);
    expect(twice.rejected).toContainEqual(expect.objectContaining({ header: 'x-request-id' }));
    const binary = extract(new FakeMetadata().add('x-request-id-bin', Buffer.from('abc')));
    expect(binary.requestId).not.toBe('abc');
  });

  it('reads a Metadata whose getters throw as empty', () => {
    const broken = new FakeMetadata();
    broken.getMap = () => {
      throw new Error('broken');
    };
    expect(extract(broken).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
