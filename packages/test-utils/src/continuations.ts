import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Every kind of async continuation a handler may read the context from, by name: after an
 * `await`, in `setTimeout`, `setImmediate` and `process.nextTick` callbacks, and in the handlers
 * of a resolved and a rejected promise. Each resolves with what `read` returns inside it; the
 * timed ones wait `delayMs` (default 1).
 */
export function continuations<T>(
  read: () => T,
  delayMs = 1,
): Readonly<Record<string, () => Promise<T>>> {
  return {
    await: async () => {
      await sleep(delayMs);
      return read();
    },
    setTimeout: () => new Promise((resolve) => setTimeout(() => resolve(read()), delayMs)),
    setImmediate: () => new Promise((resolve) => setImmediate(() => resolve(read()))),
    nextTick: () => new Promise((resolve) => process.nextTick(() => resolve(read()))),
    resolved: () => Promise.resolve().then(read),
    rejected: () => Promise.reject(new Error('rejected on purpose')).catch(read),
  };
}
