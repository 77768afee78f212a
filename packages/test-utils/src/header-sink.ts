import { createServer } from 'node:http';
import { close, listen } from './http-client.js';

/** One request as a {@link HeaderSink} received it. */
export interface SinkRequest {
  readonly method: string;
  readonly path: string;
  /** Raw header lines `[name, value, …]` as they arrived: a header sent twice appears twice. */
  readonly rawHeaders: readonly string[];
  /** Lower-case name → every value received under it, in order. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  /** The request body, as text. */
  readonly body: string;
}

/** A loopback server that records the headers of every request it gets. */
export interface HeaderSink {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request received so far, in arrival order. */
  readonly received: SinkRequest[];
  /** Stops the server, ending keep-alive connections. */
  close(): Promise<void>;
}

/** The values of each header name, lower-cased: `['A', '1', 'a', '2']` → `{ a: ['1', '2'] }`. */
export function groupRawHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    const values = headers[name] ?? [];
    values.push(rawHeaders[index + 1] as string);
    headers[name] = values;
  }
  return headers;
}

/**
 * Starts a server on 127.0.0.1 (port chosen by the OS) that records each request's raw headers
 * and body and answers 200 with the {@link SinkRequest} as JSON. `GET /status/<code>` answers
 * that status instead.
 *
 * @example
 * ```ts
 * const sink = await startHeaderSink();
 * await fetch(`${sink.origin}/x`);
 * sink.received[0]?.headers['x-request-id']; // ['…']
 * await sink.close();
 * ```
 */
export async function startHeaderSink(): Promise<HeaderSink> {
  const received: SinkRequest[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const recorded: SinkRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        rawHeaders: request.rawHeaders,
        headers: groupRawHeaders(request.rawHeaders),
        body,
      };
      received.push(recorded);
      const status = /^\/status\/(\d{3})$/.exec(recorded.path)?.[1];
      response.writeHead(status === undefined ? 200 : Number(status), {
        'content-type': 'application/json',
      });
      response.end(JSON.stringify(recorded));
    });
  });
  const port = await listen(server);
  return { port, origin: `http://127.0.0.1:${port}`, received, close: () => close(server) };
}
