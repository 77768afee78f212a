import { createServer, type Server } from 'node:http';
import type { HoptraceOptions } from '@hoptrace/core';
import { DIAGNOSTICS_HEADER } from '@hoptrace/core/diagnostics';
import {
  ADAPTER_BAD_OPTION_CASES,
  close,
  diagnosticsTokenCases,
  expectOptionsRefused,
  expectTokenStripped,
  listen,
  TEST_DIAGNOSTICS_TOKEN,
  thrownBy,
} from '@hoptrace/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { hoptrace } from '../src/index.js';
import { KOA_MAJORS } from './test-app.js';

describe('hoptrace() refuses bad options at construction', () => {
  it.each(ADAPTER_BAD_OPTION_CASES)('%o: names %s', (given, option, described) => {
    expectOptionsRefused(
      thrownBy(() => hoptrace(given as HoptraceOptions)),
      option,
      described,
    );
  });
});

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

describe.each(KOA_MAJORS)('%s: the diagnostics token stays in hoptrace', (_name, KoaClass) => {
  it.each(diagnosticsTokenCases(TEST_DIAGNOSTICS_TOKEN))(
    '%s: not in ctx.headers, ctx.get(), headersDistinct or rawHeaders',
    async (_case, options, token) => {
      const app = new KoaClass();
      app.use(hoptrace(options));
      app.use((ctx) => {
        ctx.body = {
          header: ctx.headers[DIAGNOSTICS_HEADER] ?? null,
          requestHeader: ctx.request.headers[DIAGNOSTICS_HEADER] ?? null,
          get: ctx.get(DIAGNOSTICS_HEADER),
          distinct: ctx.req.headersDistinct[DIAGNOSTICS_HEADER] ?? null,
          raw: ctx.req.rawHeaders,
        };
      });
      const server = createServer(app.callback());
      servers.push(server);
      const port = await listen(server);
      const seen = await expectTokenStripped(port, token, 'raw');
      expect(seen).toMatchObject({ header: null, requestHeader: null, get: '', distinct: null });
    },
  );
});
