import { extract, runWithContext } from '@hoptrace/core';
import { describe, expect, it } from 'vitest';
import type { OutboundOptions } from './outbound.js';
import { collectStartedCalls, createOutboundClient } from './outbound-call.js';

const context = extract({
  'x-request-id': 'req-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
});

/** Starts one call inside `context`; returns how often its URL was asked for and what it got. */
function startOne(options: OutboundOptions | undefined, url = 'http://api.internal/x') {
  const client = createOutboundClient(options);
  let asked = 0;
  const started = runWithContext(context, () =>
    client.start<Record<string, string>>({
      target: () => {
        asked++;
        return new URL(url);
      },
      method: () => 'GET',
      headers: () => ({}),
    }),
  );
  return { asked, started };
}

describe('createOutboundClient: the URL of a call', () => {
  it('is never built when nothing needs it (no propagateTo, no observe, no diagnostic request)', () => {
    const { asked, started } = startOne(undefined);
    expect(asked).toBe(0);
    expect(started?.headers['x-request-id']).toBe('req-1');
    expect(started?.recording).toBeUndefined();
  });

  it('is built once for propagateTo, and judged: an excluded host gets nothing', () => {
    expect(startOne({ propagateTo: ['*.internal'] }).asked).toBe(1);
    const excluded = startOne({ propagateTo: ['*.internal'] }, 'http://api.example.com/x');
    expect(excluded.asked).toBe(1);
    expect(excluded.started).toBeUndefined();
  });

  it('is built once for a recorded call, shared with propagateTo', () => {
    const observe = { observer: () => {}, service: 'edge' };
    const recorded = startOne({ observe });
    expect(recorded.asked).toBe(1);
    expect(recorded.started?.recording?.target).toEqual({ host: 'api.internal', port: 80 });
    expect(startOne({ observe, propagateTo: ['*.internal'] }).asked).toBe(1);
  });
});

describe('collectStartedCalls: the recordings a hook settles itself', () => {
  const observe = { observer: () => {}, service: 'edge' };

  it('gives the hook the recordings started while it runs, and only those', () => {
    const client = createOutboundClient({ observe });
    const start = () =>
      client.start<Record<string, string>>({
        target: () => new URL('http://api.internal/x'),
        method: () => 'GET',
        headers: () => ({}),
      });
    const before = runWithContext(context, start);
    const { result, calls } = collectStartedCalls(true, () =>
      runWithContext(context, () => [start(), start()]),
    );
    const after = runWithContext(context, start);
    expect(calls).toEqual(result.map((started) => started?.recording));
    expect(calls).toHaveLength(2);
    expect(calls).not.toContain(before?.recording);
    expect(calls).not.toContain(after?.recording);
  });

  it('with record false, still writes the headers but starts no recording', () => {
    const client = createOutboundClient({ observe });
    const { result, calls } = collectStartedCalls(false, () =>
      runWithContext(context, () =>
        client.start<Record<string, string>>({
          target: () => new URL('http://api.internal/x'),
          method: () => 'POST',
          headers: () => ({ 'content-type': 'application/grpc' }),
        }),
      ),
    );
    expect(result?.headers['x-request-id']).toBe('req-1');
    expect(result?.recording).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('puts the outer collector back, also when the hook throws', () => {
    const outer = collectStartedCalls(true, () => {
      expect(() =>
        collectStartedCalls(false, () => {
          throw new Error('hook failed');
        }),
      ).toThrow('hook failed');
      return runWithContext(context, () =>
        createOutboundClient({ observe }).start<Record<string, string>>({
          target: () => undefined,
          method: () => 'GET',
          headers: () => ({}),
        }),
      );
    });
    expect(outer.calls).toHaveLength(1);
    expect(outer.calls[0]).toBe(outer.result?.recording);
  });
});
