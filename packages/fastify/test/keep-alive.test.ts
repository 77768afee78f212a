import { Agent } from 'node:http';
import { parseRequestId } from '@hoptrace/core';
import { send } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: keep-alive', (_name, factory) => {
  const server = useTestApp(factory);

  it('three requests over one socket each see only their own context, also after a delay', async () => {
    let connections = 0;
    const onConnection = () => {
      connections += 1;
    };
    server().app.server.on('connection', onConnection);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const requests: { path: string; headers: Record<string, string> }[] = [
        { path: '/leak?delay=15', headers: { 'x-request-id': 'first' } },
        { path: '/leak?delay=15', headers: {} },
        { path: '/leak?delay=0', headers: { 'x-request-id': 'third' } },
      ];
      const seen: string[] = [];
      for (const request of requests) {
        const response = await send(server().port, { ...request, agent });
        const { requestId } = JSON.parse(response.body) as { requestId: string };
        expect(response.headers['x-request-id']).toBe(requestId);
        seen.push(requestId);
      }
      expect(seen[0]).toBe('first');
      expect(parseRequestId(seen[1] ?? '')).toBeDefined();
      expect(seen[1]).not.toBe('first');
      expect(seen[2]).toBe('third');
      expect(connections).toBe(1);
    } finally {
      agent.destroy();
      server().app.server.off('connection', onConnection);
    }
  });
});
