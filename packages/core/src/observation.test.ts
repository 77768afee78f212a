import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HoptraceOptionsError } from './errors.js';
import { type Observation, resolveObserver } from './observation.js';

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

describe('resolveObserver', () => {
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
    expect(observer?.stats).toEqual({ delivered: 2, failed: 0 });
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
    expect(observer?.stats).toEqual({ delivered: 0, failed: 2 });
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
