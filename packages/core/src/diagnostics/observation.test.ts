import { AsyncLocalStorage } from 'node:async_hooks';
import { Console } from 'node:console';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runWithContext, setContextFallback, tryGetContext } from '../context/context-storage.js';
import { logFields } from '../context/log-fields.js';
import type { TraceContext } from '../context/trace-context.js';
import { extract } from '../engine/extract.js';
import { HoptraceOptionsError } from '../errors.js';
import { type Observation, resolveObserver, SLOW_OBSERVER_MS } from './observation.js';

const record = (requestId: string): Observation => ({
  hoptrace: 'client',
  service: undefined,
  requestId,
  correlationId: undefined,
  echoedRequestId: requestId,
  matched: true,
  target: { host: '127.0.0.1', port: 80 },
  remote: null,
  status: 200,
  failure: null,
  start: 0,
  durationMs: 1,
});

const contextOf = (requestId: string, traceId: string): TraceContext =>
  extract({ 'x-request-id': requestId, traceparent: `00-${traceId}-b7ad6b7169203331-01` });

/** Waits for the promise callbacks an async observer's settling queued. */
const settle = async (): Promise<void> => {
  await nextTurn();
  await nextTurn();
};

describe('resolveObserver', () => {
  afterEach(() => {
    setContextFallback(undefined);
  });

  it('is off when not given', () => {
    expect(resolveObserver(undefined)).toBeUndefined();
  });

  it('hands records to a function on the next turn, not during the request', async () => {
    const seen: string[] = [];
    const observer = resolveObserver((observation: Observation) =>
      seen.push(observation.requestId),
    );
    observer?.record(record('a'));
    observer?.record(record('b'));
    expect(seen).toEqual([]);
    await nextTurn();
    expect(seen).toEqual(['a', 'b']);
    expect(observer?.stats).toEqual({ delivered: 2, failed: 0, slow: 0 });
  });

  it('writes one JSON line per record to a console, which hoptrace topology can read', async () => {
    let written = '';
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const observer = resolveObserver(new Console({ stdout }));
    observer?.record(record('a'));
    observer?.record(record('b'));
    await nextTurn();
    const lines = written.trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as Observation).requestId)).toEqual(['a', 'b']);

    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    try {
      resolveObserver({ observer: console, service: 'orders' })?.record(record('c'));
      await nextTurn();
      expect(info).toHaveBeenCalledTimes(1);
      const [line] = info.mock.calls[0] ?? [];
      expect(JSON.parse(line as string)).toMatchObject({ requestId: 'c' });
    } finally {
      info.mockRestore();
    }
  });

  it('takes a logger with info(object), and names the service', async () => {
    const lines: unknown[] = [];
    const observer = resolveObserver({
      observer: { info: (line: unknown) => lines.push(line) },
      service: 'orders',
    });
    expect(observer?.service).toBe('orders');
    observer?.record(record('c'));
    await nextTurn();
    expect(lines).toHaveLength(1);
  });

  it('isolates and counts an observer that throws', async () => {
    const observer = resolveObserver(() => {
      throw new Error('observer bug');
    });
    expect(() => observer?.record(record('d'))).not.toThrow();
    observer?.record(record('e'));
    await nextTurn();
    expect(observer?.stats).toEqual({ delivered: 0, failed: 2, slow: 0 });
  });

  it('delivers outside every request, so a logger mixin stamps no request on another request', async () => {
    const seen: { requestId: string; current: unknown; fields: unknown }[] = [];
    const observer = resolveObserver((observation: Observation) => {
      seen.push({
        requestId: observation.requestId,
        current: tryGetContext(),
        fields: logFields(),
      });
    });
    // The first record schedules the batch: from inside request a's context.
    runWithContext(contextOf('a', '0af7651916cd43dd8448eb211c80319c'), () =>
      observer?.record(record('a')),
    );
    runWithContext(contextOf('b', '4bf92f3577b34da6a3ce929d0e0e4736'), () =>
      observer?.record(record('b')),
    );
    await nextTurn();
    expect(seen).toEqual([
      { requestId: 'a', current: undefined, fields: {} },
      { requestId: 'b', current: undefined, fields: {} },
    ]);
  });

  it('gives a pino observer with mixin: logFields only the IDs each record carries', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const observer = resolveObserver(pino({ mixin: logFields }, destination));
    runWithContext(contextOf('a', '0af7651916cd43dd8448eb211c80319c'), () =>
      observer?.record(record('a')),
    );
    runWithContext(contextOf('b', '4bf92f3577b34da6a3ce929d0e0e4736'), () =>
      observer?.record(record('b')),
    );
    await nextTurn();
    expect(lines.map((line) => [line.requestId, line.traceId, line.spanId])).toEqual([
      ['a', undefined, undefined],
      ['b', undefined, undefined],
    ]);
  });

  it("delivers outside a foreign store too (OpenTelemetry's, read through the context fallback)", async () => {
    const foreign = new AsyncLocalStorage<TraceContext>();
    setContextFallback(() => foreign.getStore());
    const seen: unknown[] = [];
    const observer = resolveObserver(() => {
      seen.push(tryGetContext());
    });
    foreign.run(contextOf('a', '0af7651916cd43dd8448eb211c80319c'), () =>
      observer?.record(record('a')),
    );
    foreign.run(contextOf('b', '4bf92f3577b34da6a3ce929d0e0e4736'), () =>
      observer?.record(record('b')),
    );
    await nextTurn();
    expect(seen).toEqual([undefined, undefined]);
  });

  it('counts an async observer that rejects in failed, without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const observer = resolveObserver(async (observation: Observation) => {
        if (observation.requestId === 'bad') throw new Error('observer down');
      });
      observer?.record(record('bad'));
      observer?.record(record('good'));
      await nextTurn();
      await settle();
      expect(observer?.stats).toEqual({ delivered: 1, failed: 1, slow: 0 });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it(`counts a call longer than ${SLOW_OBSERVER_MS} ms as slow, measured on the injected clock`, async () => {
    let clock = 0;
    const observer = resolveObserver(
      (observation: Observation) => {
        if (observation.requestId === 'slow') clock += SLOW_OBSERVER_MS + 1;
        if (observation.requestId === 'slow and failing') {
          clock += SLOW_OBSERVER_MS * 2;
          throw new Error('observer down');
        }
        if (observation.requestId === 'at the threshold') clock += SLOW_OBSERVER_MS;
      },
      () => clock,
    );
    for (const id of ['fast', 'slow', 'slow and failing', 'at the threshold']) {
      observer?.record(record(id));
    }
    await nextTurn();
    expect(observer?.stats).toEqual({ delivered: 3, failed: 1, slow: 2 });
  });

  it('counts an observer that blocks the event loop as slow, on the real clock', async () => {
    const observer = resolveObserver(() => {
      // Busy-waits four times the threshold: the measured time can only be longer.
      const until = performance.now() + SLOW_OBSERVER_MS * 4;
      while (performance.now() < until) {}
    });
    observer?.record(record('blocking'));
    await nextTurn();
    expect(observer?.stats).toEqual({ delivered: 1, failed: 0, slow: 1 });
  });

  it.each([
    ['a string', 'pino'],
    ['an object without info', { log: () => {} }],
    ['an empty service name', { observer: () => {}, service: '' }],
  ])('refuses %s, naming observe', (_label, value) => {
    expect(() => resolveObserver(value)).toThrow(HoptraceOptionsError);
    expect(() => resolveObserver(value)).toThrow('"observe"');
  });
});
