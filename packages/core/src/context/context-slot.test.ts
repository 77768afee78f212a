import { describe, expect, it } from 'vitest';
import { extract, openExtraction } from '../engine/extract.js';
import { resolveOptions } from '../engine/options.js';
import { ContextSlot, type PendingContext } from './context-slot.js';
import {
  contextStorage,
  getContext,
  getRequestId,
  runWithContext,
  tryGetContext,
} from './context-storage.js';
import { logFields } from './log-fields.js';

/** A pending part that counts how often it is read. */
function countingPending(headers: Record<string, string>): PendingContext & { reads: number } {
  return {
    reads: 0,
    finish(requestId) {
      this.reads++;
      return { ...extract(headers), requestId };
    },
  };
}

describe('ContextSlot', () => {
  it('reads its context once, on first use, and keeps the same object', () => {
    const pending = countingPending({
      'x-b3-traceid': '80f198ee56343ba8',
      'x-b3-spanid': 'e457b5a2e4d86bd1',
    });
    const slot = new ContextSlot('abc', pending);
    expect(slot.requestId).toBe('abc');
    expect(pending.reads).toBe(0);
    const context = slot.context;
    expect(context.requestId).toBe('abc');
    expect(context.traceId).toBe('80f198ee56343ba8');
    expect(slot.context).toBe(context);
    expect(pending.reads).toBe(1);
  });

  it('wraps a context in hand', () => {
    const context = extract({ 'x-request-id': 'in-hand' });
    const slot = ContextSlot.of(context);
    expect(slot.requestId).toBe('in-hand');
    expect(slot.context).toBe(context);
  });

  it('leaves the trace headers unread for getRequestId, and reads them for getContext and logFields', () => {
    const pending = countingPending({ b3: '80f198ee56343ba8-e457b5a2e4d86bd1-1' });
    contextStorage().run(new ContextSlot('lazy-id', pending), () => {
      expect(getRequestId()).toBe('lazy-id');
      expect(pending.reads).toBe(0);
      expect(getContext().traceId).toBe('80f198ee56343ba8');
      expect(tryGetContext()).toBe(getContext());
      expect(logFields()).toMatchObject({ requestId: 'lazy-id', spanId: 'e457b5a2e4d86bd1' });
      expect(pending.reads).toBe(1);
    });
  });

  it('is what runWithContext puts in the store', () => {
    const context = extract({ 'x-request-id': 'run-with' });
    runWithContext(context, () => {
      expect(contextStorage().getStore()?.requestId).toBe('run-with');
      expect(getContext()).toBe(context);
    });
  });
});

describe('openExtraction', () => {
  const options = resolveOptions({});

  it('validates the request ID at once and records its rejection with the trace ones', () => {
    const headers = { 'x-request-id': 'bad\r\nid', traceparent: 'garbage' };
    const slot = openExtraction(headers, options, undefined);
    expect(slot.requestId).not.toBe('bad\r\nid');
    expect(slot.context.requestIdSource).toBe('generated');
    expect(slot.context.rejected.map((rejection) => rejection.header)).toEqual([
      'x-request-id',
      'traceparent',
    ]);
  });

  it('reads the trace headers as they are on first use', () => {
    const headers: Record<string, string> = { 'x-request-id': 'kept' };
    const slot = openExtraction(headers, options, undefined);
    headers['x-b3-sampled'] = '0';
    expect(slot.context.sampled).toBe(false);
  });

  it('asks a trustRequestId function once, for the request ID and the correlation ID alike', () => {
    let asked = 0;
    const trusting = resolveOptions({
      correlationIdHeader: 'x-correlation-id',
      trustRequestId: () => {
        asked++;
        return true;
      },
    });
    const slot = openExtraction({ 'x-request-id': 'abc', 'x-correlation-id': 'chain' }, trusting, {
      remoteAddress: '127.0.0.6',
    });
    expect(slot.context.correlationId).toBe('chain');
    expect(asked).toBe(1);
  });

  it('never throws on a record whose getters throw', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    const slot = openExtraction(hostile, options, undefined);
    expect(slot.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(slot.context.requestId).toBe(slot.requestId);
  });
});
