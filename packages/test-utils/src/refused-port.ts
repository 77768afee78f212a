import { once } from 'node:events';
import { readFileSync } from 'node:fs';
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
 * The first port the OS hands out on its own (`listen(0)`, a client's source port): Linux's
 * `ip_local_port_range`, or 32768 (Linux's default; other systems start higher) where it cannot
 * be read.
 */
function ephemeralRangeStart(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
}

/**
 * Holds a port nothing listens on, for tests of a refused connection (ECONNREFUSED).
 *
 * Two ways such a port goes wrong when several test files run at once, both seen in CI: a port
 * taken with `listen(0)` and closed again is free for another file's `listen(0)`, and the
 * "refused" call then reaches a live server; and a port the OS hands out may become a client's
 * own source port, so a client connecting to it connects to itself (TCP simultaneous open) and
 * reads its own request as the answer. So the port is one below the range the OS hands out, which
 * neither `listen(0)` nor a client's source port ever uses, picked at random and bound as the
 * local end of an open loopback connection: the bind fails where a server listens, so a port in
 * use is skipped. Two tests may hold the same port, which is harmless: nothing listens on it, so
 * the kernel resets a connection to it at once, ECONNREFUSED, for both.
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
  const high = ephemeralRangeStart() - 1;
  const low = Math.max(1024, high - 20_000);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    const holder = connect({
      port: address.port,
      host: '127.0.0.1',
      localAddress: '127.0.0.1',
      localPort: port,
    });
    try {
      const [[accepted]] = (await Promise.all([
        once(server, 'connection'),
        once(holder, 'connect'),
      ])) as [[Socket], unknown[]];
      return {
        port,
        origin: `http://127.0.0.1:${port}`,
        async release() {
          // The server's end closes first, so the TIME_WAIT a closed connection leaves behind
          // sits on the server's port, not on the held one, which is free again at once.
          const closed = once(holder, 'close');
          accepted.end();
          await closed;
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    } catch {
      // A server listens there (EADDRINUSE): try another.
      holder.destroy();
    }
  }
  server.close();
  throw new Error(`holdRefusedPort: no free port between ${low} and ${high} after 50 tries`);
}
