import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { send } from './http-client.js';
import type { StartedApp } from './observation-cases.js';

/** How often a header's value was read, as {@link countHeaderReads} counts it. */
export interface HeaderReads {
  reads: number;
}

/**
 * Turns one header of a request's `headers` into an enumerable getter that counts its reads, to
 * tell whether an adapter read the trace headers of a request (they are read on first use of the
 * context, not on arrival). Call it before the adapter runs.
 *
 * @example
 * ```ts
 * app.use((request, _response, next) => {
 *   counts.push(countHeaderReads(request.headers, 'b3'));
 *   next();
 * });
 * ```
 */
export function countHeaderReads(headers: IncomingHttpHeaders, name: string): HeaderReads {
  const counter: HeaderReads = { reads: 0 };
  const value = headers[name];
  Object.defineProperty(headers, name, {
    get() {
      counter.reads++;
      return value;
    },
    enumerable: true,
    configurable: true,
  });
  return counter;
}

/** The B3 header the first-use cases send, and its trace ID. */
const FIRST_USE_B3 = '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1';
const FIRST_USE_TRACE_ID = '80f198ee56343ba864fe8b2a57d3eff7';

/** One of the two first-use cases: the test's name, and the adapter's check of the JSON answer. */
export type FirstUseCase = readonly [name: string, check: (body: unknown, traceId: string) => void];

/** How the first-use cases drive one adapter's app. */
export interface FirstUseApp {
  /**
   * Starts the app, listening at a port the OS picks. Before hoptrace runs, it calls `count` with
   * each request's headers. `GET /id` answers, as JSON, what the handler read of the request ID
   * alone; `GET /trace` what it read of the trace context.
   */
  start(count: (headers: IncomingHttpHeaders) => void): Promise<StartedApp>;
  /** `GET /id`, sent with request ID `abc` and a `b3` header: the `b3` header must stay unread. */
  readsId: FirstUseCase;
  /** `GET /trace`, sent with a `b3` header (its trace ID is given to the check): read once. */
  readsTrace: FirstUseCase;
}

/**
 * Registers, in the enclosing `describe`, the two cases that show a request's trace headers are
 * read the first time its context is used, not on arrival (core's ContextSlot): the app is started
 * once for both and closed after them.
 *
 * @example
 * ```ts
 * describeTraceReadOnFirstUse({ start: (count) => …, readsId: ['…', (body) => …], readsTrace: ['…', (body, traceId) => …] });
 * ```
 */
export function describeTraceReadOnFirstUse(app: FirstUseApp): void {
  let started: StartedApp;
  let counted: HeaderReads | undefined;

  beforeAll(async () => {
    started = await app.start((headers) => {
      counted = countHeaderReads(headers, 'b3');
    });
  });

  afterAll(() => started.close());

  const [readsIdName, checkId] = app.readsId;
  it(readsIdName, async () => {
    const response = await send(started.port, {
      path: '/id',
      headers: { 'x-request-id': 'abc', b3: FIRST_USE_B3 },
    });
    checkId(JSON.parse(response.body), FIRST_USE_TRACE_ID);
    expect(response.headers['x-request-id']).toBe('abc');
    expect(counted?.reads).toBe(0);
  });

  const [readsTraceName, checkTrace] = app.readsTrace;
  it(readsTraceName, async () => {
    const response = await send(started.port, { path: '/trace', headers: { b3: FIRST_USE_B3 } });
    checkTrace(JSON.parse(response.body), FIRST_USE_TRACE_ID);
    expect(counted?.reads).toBe(1);
  });
}
