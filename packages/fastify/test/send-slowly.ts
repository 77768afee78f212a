import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SentResponse } from '@hoptrace/test-utils';

/** What {@link sendSlowly} sends. */
export interface SlowRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  /** Written one by one, `gapMs` apart, after the headers went out on their own. */
  readonly chunks: readonly string[];
  readonly gapMs?: number;
}

/**
 * POSTs a body in pieces, the headers first and each chunk in its own write after a pause, so the
 * server receives the body as later socket events, not in the packet that carried the headers.
 * That is when Node emits the body's `data` and `end` outside the request's async context.
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
  const responded = once(outgoing, 'response') as Promise<[IncomingMessage]>;
  outgoing.flushHeaders();
  for (const chunk of slow.chunks) {
    await sleep(slow.gapMs ?? 15);
    outgoing.write(chunk);
  }
  outgoing.end();
  const [response] = await responded;
  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: await text(response),
  };
}
