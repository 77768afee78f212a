import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

/** A port on 127.0.0.1 that refuses every connection until {@link RefusedPort.release}. */
export interface RefusedPort {
  readonly port: number;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly origin: string;
  /** Frees the port; call it once the test is done with it. */
  release(): Promise<void>;
}

/**
 * Holds a port nothing listens on, for tests of a refused connection (ECONNREFUSED).
 *
 * A port taken with `listen(0)` and then closed is free for any other test file running beside
 * this one to be given by its own `listen(0)`; when that happened, a "refused" call reached a
 * live server and answered 200 (CI, stop 16). Here the port is the local end of an open loopback
 * connection instead: while that socket is open no `listen()`, with port 0 or this port, in any
 * process can bind it (EADDRINUSE), and since nothing listens on it, a connection to it is reset
 * at once by the kernel, which clients report as ECONNREFUSED.
 *
 * @example
 * const refused = await holdRefusedPort();
 * try {
 *   await expect(fetch(`${refused.origin}/`)).rejects.toThrow();
 * } finally {
 *   await refused.release();
 * }
 */
export async function holdRefusedPort(): Promise<RefusedPort> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const holder = connect(address.port, '127.0.0.1');
  const [[accepted]] = (await Promise.all([
    once(server, 'connection'),
    once(holder, 'connect'),
  ])) as [[Socket], unknown[]];
  const port = holder.localPort;
  if (port === undefined) throw new Error('the holding socket has no local port');
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    async release() {
      // The server's end closes first, so the TIME_WAIT a closed connection leaves behind sits on
      // the server's port, not on the held one, which is free again at once.
      const closed = once(holder, 'close');
      accepted.end();
      await closed;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
