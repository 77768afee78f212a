import type { HoptraceOptions } from '@hoptrace/core';
import { DIAGNOSTICS_HEADER } from '@hoptrace/core/diagnostics';
import {
  ADAPTER_BAD_OPTION_CASES,
  describeAdapterBadOptions,
  diagnosticsTokenCases,
  expectOptionsRefused,
  expectTokenStripped,
  TEST_DIAGNOSTICS_TOKEN,
} from '@hoptrace/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import { listenApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

/**
 * What `register(hoptrace, options)` can tell: Fastify turns `null` into `{}` and calls a function
 * for the options it returns (its "options function"), before the plugin sees either.
 */
const BAD_FOR_REGISTER = [
  ...ADAPTER_BAD_OPTION_CASES.filter(([given]) => given !== null && typeof given !== 'function'),
  [() => 42, 'options', /got the number 42/],
] as const;

describeAdapterBadOptions('hoptraceServerOptions()', (given) =>
  hoptraceServerOptions(given as HoptraceOptions),
);

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
    ...diagnosticsTokenCases(TEST_DIAGNOSTICS_TOKEN).map((row) => [...row, false] as const),
    [
      'accepted, with hoptraceServerOptions',
      { diagnostics: { token: TEST_DIAGNOSTICS_TOKEN } },
      TEST_DIAGNOSTICS_TOKEN,
      true,
    ],
    ['without diagnostics, with hoptraceServerOptions', {}, TEST_DIAGNOSTICS_TOKEN, true],
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
      const { port } = await listenApp(app);
      const seen = await expectTokenStripped(port, token, 'rawHeaders');
      expect(seen).toMatchObject({ header: null, raw: null, distinct: null });
      expect(logged).not.toBe('');
      expect(logged).not.toContain(token);
    },
  );
});
