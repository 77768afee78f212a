import { extract } from '@hoptrace/core';
import { ContextSlot } from '@hoptrace/core/adapter';
import { describe, expect, it } from 'vitest';
import { exposeContext, stateErrorHeader, stateScope } from './state-context.js';

const B3 = '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1';

function scopeFor(requestId: string): ContextSlot {
  return ContextSlot.of(extract({ 'x-request-id': requestId, b3: B3 }));
}

type State = Record<string | symbol, unknown> & { hoptrace?: { traceId?: string } };

describe('exposeContext', () => {
  it('gives ctx.state the request ID as an own field and the context through a getter', () => {
    const ctx: { state?: object } = { state: {} };
    const scope = scopeFor('abc');
    exposeContext(ctx, scope, 'x-request-id');
    const state = ctx.state as State;
    expect(state.requestId).toBe('abc');
    expect(state.hoptrace).toBe(scope.context);
    expect('hoptrace' in state).toBe(true);
    expect(Object.keys(state)).toEqual(['requestId']);
    // What a spread or Object.assign copies: own keys only (koa-views' locals).
    expect({ ...state }.hoptrace).toBeUndefined();
    expect({ ...state }.requestId).toBe('abc');
  });

  it('writes hoptrace into JSON.stringify(ctx.state), with the own keys', () => {
    const ctx: { state?: object } = { state: { user: 'ada' } };
    exposeContext(ctx, scopeFor('abc'), 'x-request-id');
    expect(JSON.parse(JSON.stringify(ctx.state))).toMatchObject({
      requestId: 'abc',
      user: 'ada',
      hoptrace: { requestId: 'abc', traceId: '80f198ee56343ba864fe8b2a57d3eff7' },
    });
  });

  it.each([
    ['a plain state', false],
    ['a state with an own __proto__ key (JSON.parse makes those)', true],
  ])(
    'keeps what earlier middleware put on %s, except requestId and hoptrace',
    (_name, protoKey) => {
      const mark = Symbol('mark');
      const previous = { user: 'ada', requestId: 'old', hoptrace: 'stale', [mark]: 1 };
      if (protoKey)
        Object.defineProperty(previous, '__proto__', { value: 'a key', enumerable: true });
      const ctx: { state?: object } = { state: previous };
      const scope = scopeFor('abc');
      exposeContext(ctx, scope, 'x-request-id');
      const state = ctx.state as State;
      expect(state.user).toBe('ada');
      expect(state.requestId).toBe('abc');
      expect(state.hoptrace).toBe(scope.context);
      expect(Object.hasOwn(state, 'hoptrace')).toBe(false);
      expect(state[mark]).toBe(1);
      expect(stateScope(state)).toBe(scope);
      if (protoKey) {
        expect(Object.getOwnPropertyDescriptor(state, '__proto__')?.value).toBe('a key');
        expect(typeof Object.getPrototypeOf(state)).toBe('object');
      }
    },
  );

  it('lets an app assign ctx.state.hoptrace and read its value back', () => {
    const ctx: { state?: object } = { state: {} };
    exposeContext(ctx, scopeFor('abc'), 'x-request-id');
    const state = ctx.state as State;
    state.hoptrace = { traceId: 'mine' };
    expect(state.hoptrace).toEqual({ traceId: 'mine' });
    expect(Object.keys(state)).toEqual(['requestId', 'hoptrace']);
  });

  it('reads no trace header until hoptrace is read', () => {
    let reads = 0;
    const scope = new ContextSlot('abc', {
      finish: () => {
        reads++;
        return extract({ 'x-request-id': 'abc' });
      },
    });
    const ctx: { state?: object } = { state: {} };
    exposeContext(ctx, scope, 'x-request-id');
    JSON.stringify(Object.keys(ctx.state as object));
    expect(reads).toBe(0);
    void (ctx.state as State).hoptrace;
    void (ctx.state as State).hoptrace;
    expect(reads).toBe(1);
  });
});

describe('stateScope and stateErrorHeader', () => {
  it('find the scope and header on ctx.state, and on a state rebuilt by spreading it', () => {
    const ctx: { state?: object } = { state: {} };
    const scope = scopeFor('abc');
    exposeContext(ctx, scope, 'x-correlation-id');
    expect(stateScope(ctx.state)).toBe(scope);
    expect(stateErrorHeader(ctx.state)).toBe('x-correlation-id');
    const rebuilt = { ...ctx.state, user: 'ada' };
    expect(stateScope(rebuilt)).toBe(scope);
    expect(stateErrorHeader(rebuilt)).toBe('x-correlation-id');
  });

  it('return undefined for a state hoptrace never saw', () => {
    expect(stateScope({})).toBeUndefined();
    expect(stateScope(undefined)).toBeUndefined();
    expect(stateErrorHeader({ requestId: 'abc' })).toBeUndefined();
  });
});
