import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SentResponse } from './http-client.js';

/** What {@link sendSlowly} sends. */
export interface SlowRequest {
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** Written one at a time, each `gapMs` after the last, once the headers are on the wire. */
  readonly chunks: readonly (string | Buffer)[];
  /** The pause before each chunk, in ms. Default 30. */
  readonly gapMs?: number;
}

/**
 * POSTs a body that arrives after the headers, in packets of its own. A body sent with the
 * headers is already buffered when the handler runs, so reading it never leaves the request's
 * async context; a late body arrives through socket events, the case that loses the context.
 */
export async function sendSlowly(port: number, slow: SlowRequest): Promise<SentResponse> {
  const outgoing = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: slow.path,
    headers: slow.headers,
    agent: false,
    timeout: 10_000,
  });
  outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
  const answered = once(outgoing, 'response') as Promise<[IncomingMessage]>;
  outgoing.flushHeaders();
  for (const chunk of slow.chunks) {
    await sleep(slow.gapMs ?? 30);
    outgoing.write(chunk);
  }
  outgoing.end();
  const [response] = await answered;
  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: await text(response),
  };
}
