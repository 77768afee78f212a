import { connect } from 'node:net';

/** A response read off a raw socket: the status line's code, the header block, the body. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers keep every value. */
  readonly headers: ReadonlyMap<string, string[]>;
  /** Everything after the header block, as latin1 text. */
  readonly body: string;
  /** The whole response, as latin1 text. */
  readonly raw: string;
}

/**
 * Writes `request` (bytes or latin1 text) to 127.0.0.1:`port` as is, and reads until the server
 * closes the connection or `timeoutMs` passes. For requests an HTTP client refuses to send:
 * control characters, non-ASCII bytes, a thousand repeated headers. The request must say
 * `Connection: close` (see {@link hostileRequest}).
 */
export function sendRaw(
  port: number,
  request: string | Buffer,
  timeoutMs = 5_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error('raw request timed out')), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseRawResponse(Buffer.concat(chunks).toString('latin1')));
    });
    // write, not end: a server without allowHalfOpen drops a half-closed socket before answering.
    // The request says `Connection: close`, so the server closes when it is done.
    socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}

function parseRawResponse(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
  }
  return {
    status: Number(statusLine.split(' ')[1] ?? 0),
    headers,
    body: end === -1 ? '' : raw.slice(end + 4),
    raw,
  };
}
