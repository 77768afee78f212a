import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { extract } from '../engine/extract.js';
import { NoActiveContextError } from '../errors.js';
import {
  contextStorage,
  getContext,
  getRequestId,
  runWithContext,
  setContextFallback,
  tryGetContext,
} from './context-storage.js';
import type { TraceContext } from './trace-context.js';

describe('context storage', () => {
  it('throws a clear error outside a request, and tryGetContext returns undefined', () => {
    expect(() => getContext()).toThrow(NoActiveContextError);
    expect(() => getContext()).toThrow(/tryGetContext/);
    expect(tryGetContext()).toBeUndefined();
    expect(getRequestId()).toBeUndefined();
  });

  it('is one store for the whole process, kept on globalThis under a registered symbol', () => {
    const key = Symbol.for('hoptrace.context-storage.v2');
    expect((globalThis as Record<symbol, unknown>)[key]).toBe(contextStorage());
  });

  it('returns what the callback returns, and restores the outer context', () => {
    const outer = extract({ 'x-request-id': 'outer' });
    const inner = extract({ 'x-request-id': 'inner' });
    runWithContext(outer, () => {
      expect(runWithContext(inner, () => getRequestId())).toBe('inner');
      expect(getRequestId()).toBe('outer');
    });
    expect(tryGetContext()).toBeUndefined();
  });

  it('isolates 1,000 interleaved async tasks with random delays', async () => {
    const tasks = Array.from({ length: 1000 }, (_unused, index) => {
      const context = extract({ 'x-request-id': `task-${index}` });
      return runWithContext(context, async () => {
        const seen: string[] = [];
        const check = () => seen.push(getContext().requestId);
        await sleep(Math.floor(Math.random() * 5));
        check();
        await Promise.resolve();
        check();
        await new Promise<void>((resolve) => setImmediate(resolve));
        check();
        await new Promise<void>((resolve) =>
          setTimeout(
            () => {
              check();
              resolve();
            },
            Math.floor(Math.random() * 3),
          ),
        );
        await new Promise<void>((resolve) =>
          process.nextTick(() => {
            check();
            resolve();
          }),
        );
        await Promise.reject(new Error('expected')).catch(check);
        return { expected: context.requestId, seen };
      });
    });
    const results = await Promise.all(tasks);
    for (const { expected, seen } of results) {
      expect(seen).toEqual(Array(6).fill(expected));
    }
    expect(tryGetContext()).toBeUndefined();
  });

  it('follows listeners to the context active when the event is emitted, not when attached', () => {
    const emitter = new EventEmitter();
    const seen: (string | undefined)[] = [];
    emitter.on('event', () => seen.push(getRequestId()));
    runWithContext(extract({ 'x-request-id': 'a' }), () => emitter.emit('event'));
    runWithContext(extract({ 'x-request-id': 'b' }), () => emitter.emit('event'));
    emitter.emit('event');
    expect(seen).toEqual(['a', 'b', undefined]);
  });
});

describe('context fallback', () => {
  afterEach(() => setContextFallback(undefined));

  it('is asked only when the store is empty', () => {
    const fallback = extract({ 'x-request-id': 'from-fallback' });
    let calls = 0;
    setContextFallback(() => {
      calls++;
      return fallback;
    });
    expect(getContext()).toBe(fallback);
    expect(tryGetContext()).toBe(fallback);
    expect(getRequestId()).toBe('from-fallback');
    expect(calls).toBe(3);
    runWithContext(extract({ 'x-request-id': 'own' }), () => {
      expect(getRequestId()).toBe('own');
      expect(tryGetContext()?.requestId).toBe('own');
    });
    expect(calls).toBe(3);
  });

  it('counts a fallback that throws or returns something else as none', () => {
    for (const fallback of [
      () => {
        throw new Error('broken');
      },
      () => ({ requestId: 42 }) as unknown as TraceContext,
      () => null as unknown as undefined,
    ]) {
      setContextFallback(fallback);
      expect(tryGetContext()).toBeUndefined();
      expect(() => getContext()).toThrow(NoActiveContextError);
    }
  });
});
