import { createServer } from 'node:http';
import type { HoptraceOptions } from '@hoptrace/core';
import { DIAGNOSTICS_HEADER } from '@hoptrace/core/diagnostics';
import {
  describeAdapterBadOptions,
  diagnosticsTokenCases,
  expectTokenStripped,
  serverPool,
  TEST_DIAGNOSTICS_TOKEN,
} from '@hoptrace/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { hoptrace } from '../src/index.js';
import { KOA_MAJORS } from './test-app.js';

describeAdapterBadOptions('hoptrace()', (given) => hoptrace(given as HoptraceOptions));

const servers = serverPool();
afterEach(() => servers.closeAll());

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
      const port = await servers.listen(createServer(app.callback()));
      const seen = await expectTokenStripped(port, token, 'raw');
      expect(seen).toMatchObject({ header: null, requestHeader: null, get: '', distinct: null });
    },
  );
});
