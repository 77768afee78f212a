import { createServer } from 'node:http';
import type { HoptraceOptions } from '@hoptrace/core';
import { DIAGNOSTICS_HEADER } from '@hoptrace/core/diagnostics';
import { describeAdapterBadOptions, describeTokenStaysInHoptrace } from '@hoptrace/test-utils';
import { expect } from 'vitest';
import { hoptrace } from '../src/index.js';
import { KOA_MAJORS } from './test-app.js';

describeAdapterBadOptions('hoptrace()', (given) => hoptrace(given as HoptraceOptions));

describeTokenStaysInHoptrace(
  KOA_MAJORS,
  'not in ctx.headers, ctx.get(), headersDistinct or rawHeaders',
  ([, KoaClass], options) => {
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
    return createServer(app.callback());
  },
  (seen) => {
    expect(seen).toMatchObject({ header: null, requestHeader: null, get: '', distinct: null });
  },
);
