import { once } from 'node:events';
import { readFileSync } from 'node:fs';
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
  it('refuses connections, on a port the OS never hands out by itself', async () => {
    const refused = await holdRefusedPort();
    try {
      expect(refused.origin).toBe(`http://127.0.0.1:${refused.port}`);
      expect(await dial(refused.port)).toBe('ECONNREFUSED');
      const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
        .trim()
        .split(/\s+/)
        .map(Number);
      expect(refused.port).toBeLessThan(low ?? 32768);
      // So listen(0), drawing from that range, never hands it to a server.
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

  it('refuses connection after connection: no client connects to itself through the port', async () => {
    // A client whose source port is the port it connects to meets itself (TCP simultaneous
    // open) and reads its own request as the answer: about once in 15,000 attempts with a port
    // from the OS's range (CI, stop 17). The held port is below that range, so never a source
    // port; the loop is a sample of that, not the proof.
    const refused = await holdRefusedPort();
    try {
      const outcomes = new Set<string>();
      for (let attempt = 0; attempt < 3_000; attempt += 1) outcomes.add(await dial(refused.port));
      expect([...outcomes]).toEqual(['ECONNREFUSED']);
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
