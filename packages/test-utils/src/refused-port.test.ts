import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { holdRefusedPort } from './refused-port.js';

/** The error code of one connection attempt to 127.0.0.1:`port`, or `connected`. */
async function dial(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** The error code of `listen(port, host)`, or `listening` (the server is closed again). */
async function bind(port: number, host?: string): Promise<string> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('listening', () => server.close(() => resolve('listening')));
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(port, host);
  });
}

describe('holdRefusedPort', () => {
  it('refuses connections, and no server can take the port while it is held', async () => {
    const refused = await holdRefusedPort();
    try {
      expect(refused.origin).toBe(`http://127.0.0.1:${refused.port}`);
      expect(await dial(refused.port)).toBe('ECONNREFUSED');
      expect(await bind(refused.port, '127.0.0.1')).toBe('EADDRINUSE');
      expect(await bind(refused.port)).toBe('EADDRINUSE');
      // Port 0 is the OS's choice: it never hands out the held port.
      const taken = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const server = createServer().listen(0, '127.0.0.1');
          await once(server, 'listening');
          const address = server.address();
          server.close();
          return typeof address === 'object' && address !== null ? address.port : 0;
        }),
      );
      expect(taken).not.toContain(refused.port);
    } finally {
      await refused.release();
    }
  });

  it('frees the port on release', async () => {
    const refused = await holdRefusedPort();
    await refused.release();
    expect(await bind(refused.port, '127.0.0.1')).toBe('listening');
  });
});
