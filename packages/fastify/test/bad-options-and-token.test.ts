import { DIAGNOSTICS_HEADER, type HoptraceOptions } from '@hoptrace/core';
import {
  BAD_OPTION_CASES,
  type BadOptionCase,
  expectOptionsRefused,
  send,
  TEST_DIAGNOSTICS_TOKEN,
  thrownBy,
} from '@hoptrace/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

const TOKEN = TEST_DIAGNOSTICS_TOKEN;

/** The shared table, and the rows of the options every adapter takes beside it. */
const BAD: readonly BadOptionCase[] = [
  ...BAD_OPTION_CASES,
  [{ requestIdHeadr: 'x-id' }, 'requestIdHeadr', /is not a hoptrace option/],
  [{ startTrace: 'yes' }, 'startTrace', /got the string "yes"/],
  [{ correlationIdHeader: 'x-hoptrace-trail' }, 'correlationIdHeader', /"x-hoptrace-trail"/],
];

/**
 * What `register(hoptrace, options)` can tell: Fastify turns `null` into `{}` and calls a function
 * for the options it returns (its "options function"), before the plugin sees either.
 */
const BAD_FOR_REGISTER = [
  ...BAD.filter(([given]) => given !== null && typeof given !== 'function'),
  [() => 42, 'options', /got the number 42/],
] as const;

describe('hoptraceServerOptions() refuses bad options at construction', () => {
  it.each(BAD)('%o: names %s', (given, option, described) => {
    expectOptionsRefused(
      thrownBy(() => hoptraceServerOptions(given as HoptraceOptions)),
      option,
      described,
    );
  });
});

type App = ReturnType<(typeof FASTIFY_VERSIONS)[number][1]>;
const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe.each(FASTIFY_VERSIONS)('%s', (_name, factory) => {
  it.each(BAD_FOR_REGISTER)(
    'register(hoptrace, %o) rejects, naming %s',
    async (given, option, described) => {
      const app = factory();
      apps.push(app);
      let thrown: unknown;
      try {
        await app.register(hoptrace, given as HoptraceOptions);
      } catch (error) {
        thrown = error;
      }
      expectOptionsRefused(thrown, option, described);
    },
  );

  it.each([
    ['accepted', { diagnostics: { token: TOKEN } }, TOKEN, false],
    ['refused', { diagnostics: { token: TOKEN } }, 'not-the-diagnostics-token', false],
    ['without diagnostics', {}, TOKEN, false],
    ['accepted, with hoptraceServerOptions', { diagnostics: { token: TOKEN } }, TOKEN, true],
    ['without diagnostics, with hoptraceServerOptions', {}, TOKEN, true],
  ] as const)(
    '%s: the token is not in request.headers, headersDistinct or rawHeaders',
    async (_case, options, token, withServerOptions) => {
      const app = factory(withServerOptions ? hoptraceServerOptions(options) : {});
      apps.push(app);
      await app.register(hoptrace, options);
      // Where a logger's onRequest hook added after the plugin reads the request's headers.
      let logged = '';
      app.addHook('onRequest', (request, _reply, done) => {
        logged = JSON.stringify({ headers: request.headers, raw: request.raw.rawHeaders });
        done();
      });
      app.get('/', (request) => ({
        header: request.headers[DIAGNOSTICS_HEADER] ?? null,
        raw: request.raw.headers[DIAGNOSTICS_HEADER] ?? null,
        distinct: request.raw.headersDistinct[DIAGNOSTICS_HEADER] ?? null,
        rawHeaders: request.raw.rawHeaders,
      }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const response = await send(port, {
        headers: { 'X-Hoptrace-Diag': token, 'x-kept': 'yes' },
      });
      expect(response.status).toBe(200);
      const seen = JSON.parse(response.body) as { rawHeaders: string[] };
      expect(seen).toMatchObject({ header: null, raw: null, distinct: null });
      expect(seen.rawHeaders).toEqual(expect.arrayContaining(['x-kept', 'yes']));
      expect(JSON.stringify(seen)).not.toContain(token);
      expect(logged).not.toBe('');
      expect(logged).not.toContain(token);
    },
  );
});
