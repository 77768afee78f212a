import type { Server } from 'node:http';
import { close, listen } from './http-client.js';

/**
 * The servers one test file starts, to close together: `afterEach(() => servers.closeAll())` (or
 * `afterAll`), so a failing test cannot leave one listening.
 */
export interface ServerPool {
  /** Starts `server` on 127.0.0.1 at a port the OS picks, keeps it, and returns the port. */
  listen(server: Server): Promise<number>;
  /** Closes every server started so far (keep-alive connections ended first) and forgets them. */
  closeAll(): Promise<void>;
}

/**
 * A new, empty {@link ServerPool}.
 *
 * @example
 * ```ts
 * const servers = serverPool();
 * afterEach(() => servers.closeAll());
 * const port = await servers.listen(createServer(handler));
 * ```
 */
export function serverPool(): ServerPool {
  const servers: Server[] = [];
  return {
    listen(server) {
      servers.push(server);
      return listen(server);
    },
    async closeAll() {
      await Promise.all(servers.splice(0).map(close));
    },
  };
}
