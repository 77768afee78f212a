import { extract, runWithContext } from '@hoptrace/core';
import { describe, expect, it } from 'vitest';
import type { OutboundOptions } from './outbound.js';
import { createOutboundClient } from './outbound-call.js';

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

describe('createOutboundClient: a call described with record false', () => {
  it('still gets the headers but starts no recording, whatever observe wants', () => {
    const client = createOutboundClient({ observe: { observer: () => {}, service: 'edge' } });
    const start = (record?: boolean) =>
      runWithContext(context, () =>
        client.start<Record<string, string>>({
          target: () => new URL('http://api.internal/x'),
          method: () => 'POST',
          headers: () => ({ 'content-type': 'application/grpc' }),
          ...(record === undefined ? {} : { record }),
        }),
      );
    const left = start(false);
    expect(left?.headers['x-request-id']).toBe('req-1');
    expect(left?.recording).toBeUndefined();
    expect(start(true)?.recording).toBeDefined();
    expect(start()?.recording).toBeDefined();
  });
});
