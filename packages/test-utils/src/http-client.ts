import { once } from 'node:events';
import {
  type Agent,
  get as httpGet,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on 127.0.0.1 at a port the OS picks, and returns the port. */
export async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Closes `server`, ending keep-alive connections so the close does not wait on them. */
export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** What {@link send} sends. */
export interface SendOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  /** A keep-alive agent, to send several requests over one socket. Default: a new socket. */
  readonly agent?: Agent;
  /** Default 10 s: a hung server fails the test instead of hanging it. */
  readonly timeoutMs?: number;
}

/** A response as {@link send} returns it. */
export interface SentResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Sends one HTTP request to 127.0.0.1:`port` and reads the whole response. */
export function send(port: number, options: SendOptions = {}): Promise<SentResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
        response.on('error', reject);
      },
    );
    outgoing.setTimeout(options.timeoutMs ?? 10_000, () =>
      outgoing.destroy(new Error('request timed out')),
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/**
 * GETs `url` with `http.get` (so outbound hooks on `node:http` see it) and parses the body as
 * JSON. For tests of clients that must propagate through plain `node:http`.
 */
export function getJson<Body>(url: string): Promise<Body> {
  return new Promise((resolve, reject) => {
    httpGet(url, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        try {
          resolve(JSON.parse(body) as Body);
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}
