// An app and one of its plugins may both register hoptrace: the second registration must neither
// fail on Fastify's decorator check nor give a request a second ID.
import { HoptraceOptionsError } from '@hoptrace/core';
import { send } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { hoptrace } from '../src/index.js';
import { usingApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: registering hoptrace twice', (_name, factory) => {
  it('with the same options does nothing more: one ID, one header', async () => {
    const app = factory();
    await app.register(hoptrace, { mode: 'child' });
    await app.register(async (child) => {
      await child.register(hoptrace, { mode: 'child' });
      child.get('/inner', async (request) => ({ seen: request.hoptrace.requestId }));
    });
    await app.register(hoptrace, { mode: 'child' });
    app.get('/', async (request) => ({ seen: request.hoptrace.requestId }));
    await usingApp(app, async (port) => {
      for (const path of ['/', '/inner']) {
        const response = await send(port, { path, headers: { 'x-request-id': 'twice-1' } });
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body)).toEqual({ seen: 'twice-1' });
        // Node joins a repeated header with ', ': one value means one header.
        expect(response.headers['x-request-id']).toBe('twice-1');
      }
    });
  });

  it('with other options is refused, naming them', async () => {
    const app = factory();
    await app.register(hoptrace, { mode: 'child' });
    await expect(app.register(hoptrace, { mode: 'forward' })).rejects.toThrow(HoptraceOptionsError);
    await app.close();
  });
});
