import { extract, tryGetContext } from '@hoptrace/core';
import { ContextSlot } from '@hoptrace/core/adapter';
import { describe, expect, it } from 'vitest';
import { type ErrorHandlingContext, keepRequestIdOnErrors } from './keep-request-id-on-errors.js';

interface Call {
  readonly error: unknown;
  readonly headers: unknown;
  readonly seen: string | undefined;
}

/** A ctx whose original onerror records what Koa's handler would have been given. */
function fakeCtx(): ErrorHandlingContext & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    onerror(error: Error) {
      const headers = error === null ? undefined : (error as Error & { headers?: unknown }).headers;
      calls.push({ error, headers: structuredClone(headers), seen: tryGetContext()?.requestId });
    },
  };
}

const scope = ContextSlot.of(extract({ 'x-request-id': 'unit-1' }));

function wrapped(): ReturnType<typeof fakeCtx> {
  const ctx = fakeCtx();
  keepRequestIdOnErrors(ctx, scope, 'x-request-id');
  return ctx;
}

describe('keepRequestIdOnErrors', () => {
  it("hands Koa's handler the same error with the header, in the context, then undoes it", () => {
    const ctx = wrapped();
    const error = new Error('boom');
    ctx.onerror(error);
    expect(ctx.calls).toEqual([{ error, headers: { 'x-request-id': 'unit-1' }, seen: 'unit-1' }]);
    expect(error).not.toHaveProperty('headers');
    expect(tryGetContext()).toBeUndefined();
  });

  it('merges with existing err.headers and puts the original object back', () => {
    const ctx = wrapped();
    const headers = { 'x-custom': 'kept' };
    const error = Object.assign(new Error('boom'), { headers });
    ctx.onerror(error);
    expect(ctx.calls[0]?.headers).toEqual({ 'x-custom': 'kept', 'x-request-id': 'unit-1' });
    expect(error.headers).toBe(headers);
    expect(headers).toEqual({ 'x-custom': 'kept' });
  });

  it("lets the app's own value for the header win, in any case", () => {
    const ctx = wrapped();
    const error = Object.assign(new Error('boom'), { headers: { 'X-Request-ID': 'mine' } });
    ctx.onerror(error);
    expect(ctx.calls[0]?.headers).toEqual({ 'X-Request-ID': 'mine' });
  });

  it('turns a thrown non-Error into the Error Koa would make, carrying the header', () => {
    const ctx = wrapped();
    ctx.onerror({ status: 400 } as unknown as Error);
    expect(ctx.calls[0]?.error).toBeInstanceOf(Error);
    expect(ctx.calls[0]?.error).toHaveProperty('message', 'non-error thrown: {"status":400}');
    expect(ctx.calls[0]?.headers).toEqual({ 'x-request-id': 'unit-1' });
  });

  it('answers a frozen error through a writable copy of it', () => {
    const ctx = wrapped();
    const error = Object.freeze(Object.assign(new TypeError('frozen'), { status: 503 }));
    ctx.onerror(error);
    const copy = ctx.calls[0]?.error as TypeError & { status: number };
    expect(copy).not.toBe(error);
    expect(copy).toBeInstanceOf(TypeError);
    expect(copy.message).toBe('frozen');
    expect(copy.status).toBe(503);
    expect(ctx.calls[0]?.headers).toEqual({ 'x-request-id': 'unit-1' });
    copy.status = 500; // what Koa does, and cannot do on the frozen original
    expect(error).not.toHaveProperty('headers');
  });

  it('passes null and undefined through (Koa returns early on them)', () => {
    const ctx = wrapped();
    ctx.onerror(null as unknown as Error);
    expect(ctx.calls).toEqual([{ error: null, headers: undefined, seen: 'unit-1' }]);
  });

  it("undoes the header even when Koa's handler throws", () => {
    const error = new Error('boom');
    const ctx: ErrorHandlingContext = {
      onerror() {
        throw new Error('handler failed');
      },
    };
    keepRequestIdOnErrors(ctx, scope, 'x-request-id');
    expect(() => ctx.onerror(error)).toThrow('handler failed');
    expect(error).not.toHaveProperty('headers');
  });
});
