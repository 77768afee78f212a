import { HoptraceOptionsError } from '@hoptrace/core';
import { send } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import { startTestApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

function optionError(option: string) {
  return expect.objectContaining({ name: 'HoptraceOptionsError', option });
}

describe('hoptraceServerOptions', () => {
  it('throws at once on a bad option, naming it', () => {
    expect(() => hoptraceServerOptions({ mode: 'sideways' as 'child' })).toThrow(
      HoptraceOptionsError,
    );
    expect(() => hoptraceServerOptions({ requestIdHeader: 'bad header' })).toThrow(
      /requestIdHeader/,
    );
  });
});

describe.each(FASTIFY_VERSIONS)('%s: options', (_name, factory) => {
  it('a bad plugin option makes register() reject, naming it', async () => {
    const app = factory();
    await expect(app.register(hoptrace, { mode: 'sideways' as 'child' })).rejects.toEqual(
      optionError('mode'),
    );
  });

  it('an unknown plugin option is refused, naming it', async () => {
    const app = factory();
    await expect(
      app.register(hoptrace, { requestIdheader: 'x-trace' } as Record<string, string>),
    ).rejects.toEqual(optionError('requestIdheader'));
  });

  it('refuses plugin options that differ from those given to hoptraceServerOptions', async () => {
    const app = factory(hoptraceServerOptions({ requestIdHeader: 'x-correlation-id' }));
    await expect(app.register(hoptrace, {})).rejects.toEqual(optionError('options'));
    const same = factory(hoptraceServerOptions({ requestIdHeader: 'x-correlation-id' }));
    await expect(
      same.register(hoptrace, { requestIdHeader: 'x-correlation-id' }),
    ).resolves.toBeDefined();
  });

  it('refuses a second registration with other options at once (no plugin timeout)', async () => {
    const app = factory();
    await app.register(hoptrace);
    await expect(app.register(hoptrace, { mode: 'child' })).rejects.toThrow(/hoptrace/);
  });

  it('leaves Fastify’s own register options (logLevel) to Fastify', async () => {
    const app = factory(hoptraceServerOptions());
    await expect(app.register(hoptrace, { logLevel: 'warn' })).resolves.toBeDefined();
    expect(app.hasPlugin('hoptrace')).toBe(true);
  });

  it('reads and echoes a custom requestIdHeader, in request.id too', async () => {
    const server = await startTestApp(factory, {
      hoptrace: { requestIdHeader: 'X-Correlation-ID' },
    });
    try {
      const response = await send(server.port, {
        path: '/ids',
        headers: { 'x-correlation-id': 'corr-1', 'x-request-id': 'ignored' },
      });
      expect(response.headers['x-correlation-id']).toBe('corr-1');
      expect(response.headers['x-request-id']).toBeUndefined();
      expect(JSON.parse(response.body)).toEqual({
        id: 'corr-1',
        hoptrace: 'corr-1',
        requestId: 'corr-1',
      });
    } finally {
      await server.close();
    }
  });

  it('with trustRequestId: false, replaces even a valid incoming ID, the same in request.id', async () => {
    const server = await startTestApp(factory, { hoptrace: { trustRequestId: false } });
    try {
      const response = await send(server.port, {
        path: '/ids',
        headers: { 'x-request-id': 'from-client' },
      });
      const id = response.headers['x-request-id'];
      expect(id).not.toBe('from-client');
      expect(JSON.parse(response.body)).toEqual({ id, hoptrace: id, requestId: id });
    } finally {
      await server.close();
    }
  });
});
