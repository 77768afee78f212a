import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'vitest';
import { send } from './http-client.js';

/**
 * What a leak-test route answers: the IDs the handler saw after its random delay. The route reads
 * `?delay=<ms>`, waits, then returns `getContext()`'s IDs as JSON.
 */
export interface SeenIds {
  readonly requestId: string;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
}

/** Options of {@link runLeakTest}. */
export interface LeakTestOptions {
  readonly port: number;
  /** The route that answers {@link SeenIds}. Default `/leak`. */
  readonly path?: string;
  /** Default 2,000. */
  readonly requests?: number;
  /** Requests in flight at once, over as many keep-alive sockets. Default 100. */
  readonly concurrency?: number;
  /** Longest random delay inside the handler, in ms. Default 20. */
  readonly maxDelayMs?: number;
  /** Extra request options per request index (method, body), for POST variants. */
  readonly requestFor?: (index: number) => {
    method?: string;
    body?: string;
    headers?: Record<string, string>;
  };
  /** Hard stop for the whole run. Default 60 s. */
  readonly timeoutMs?: number;
}

/** The outcome of {@link runLeakTest}: every mismatch, described. Empty means no leak. */
export interface LeakTestResult {
  readonly sent: number;
  readonly mismatches: readonly string[];
}

const hex = (length: number, seed: number): string =>
  (seed.toString(16) + 'f'.repeat(length)).slice(0, length).replace(/^0/, 'a');

/**
 * Sends `requests` requests, `concurrency` at a time over keep-alive sockets, each with its own
 * request ID and B3 trace, to a route that waits a random delay before answering with the IDs it
 * sees in the context. Every response must carry its own request ID in the header and its own
 * IDs in the body. Bounded in count and time.
 */
export async function runLeakTest(options: LeakTestOptions): Promise<LeakTestResult> {
  const total = options.requests ?? 2000;
  const concurrency = options.concurrency ?? 100;
  const maxDelay = options.maxDelayMs ?? 20;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const mismatches: string[] = [];
  let next = 0;

  async function worker(): Promise<void> {
    while (next < total && Date.now() < deadline) {
      const index = next++;
      const requestId = `leak-${index}`;
      const traceId = hex(32, index + 1);
      const spanId = hex(16, index + 7);
      const extra = options.requestFor?.(index) ?? {};
      const delay = Math.floor(Math.random() * maxDelay);
      const response = await send(options.port, {
        agent,
        method: extra.method ?? 'GET',
        path: `${options.path ?? '/leak'}?delay=${delay}`,
        body: extra.body,
        headers: {
          'x-request-id': requestId,
          'x-b3-traceid': traceId,
          'x-b3-spanid': spanId,
          'x-b3-sampled': '1',
          ...extra.headers,
        },
      });
      if (response.headers['x-request-id'] !== requestId) {
        mismatches.push(`#${index}: response header ${String(response.headers['x-request-id'])}`);
      }
      let seen: SeenIds | undefined;
      try {
        seen = JSON.parse(response.body) as SeenIds;
      } catch {
        mismatches.push(`#${index}: status ${response.status}, body ${response.body.slice(0, 80)}`);
        continue;
      }
      if (seen.requestId !== requestId || seen.traceId !== traceId || seen.spanId !== spanId) {
        mismatches.push(`#${index}: handler saw ${JSON.stringify(seen)}`);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
    await sleep(0);
  }
  if (next < total) mismatches.push(`stopped at the deadline after ${next} of ${total} requests`);
  return { sent: next, mismatches };
}

/** A {@link LeakTestOptions.requestFor} that makes every request a POST of `body` as `contentType`. */
export function postEach(
  contentType: string,
  body: string,
): NonNullable<LeakTestOptions['requestFor']> {
  return () => ({ method: 'POST', body, headers: { 'content-type': contentType } });
}

/**
 * Runs {@link runLeakTest} and checks its outcome: every request saw only its own IDs, and all
 * `requests` were sent before the deadline. Throws an `AssertionError` listing the first
 * mismatches otherwise.
 */
export async function assertNoLeaks(options: LeakTestOptions): Promise<void> {
  const total = options.requests ?? 2000;
  const { sent, mismatches } = await runLeakTest(options);
  assert.ok(
    mismatches.length === 0,
    `${mismatches.length} mismatches, ${sent} of ${total} requests sent:\n${mismatches.slice(0, 20).join('\n')}`,
  );
  assert.equal(sent, total, `sent ${sent} of ${total} requests`);
}

/**
 * Registers, in the enclosing `describe`, the two leak tests of an adapter on a real server:
 * "keeps 2,000 interleaved requests (100 concurrent, random delays) apart", and `postsName`, 500
 * interleaved POSTs of a JSON body that the app's body parser read first. `port()` is the port of
 * the app (started in a `beforeAll`), whose leak-test route answers every path and method.
 *
 * @example
 * ```ts
 * itKeepsRequestsApart(() => port, 'keeps 500 interleaved POSTs apart after express.json()');
 * ```
 */
export function itKeepsRequestsApart(port: () => number, postsName: string): void {
  it('keeps 2,000 interleaved requests (100 concurrent, random delays) apart', async () => {
    await assertNoLeaks({ port: port() });
  });

  it(postsName, async () => {
    await assertNoLeaks({
      port: port(),
      requests: 500,
      requestFor: postEach('application/json', '{"a":1}'),
    });
  });
}
