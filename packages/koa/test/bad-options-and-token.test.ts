import { createServer, type Server } from 'node:http';
import { DIAGNOSTICS_HEADER, type HoptraceOptions } from '@hoptrace/core';
import {
  BAD_OPTION_CASES,
  type BadOptionCase,
  close,
  expectOptionsRefused,
  listen,
  send,
  TEST_DIAGNOSTICS_TOKEN,
  thrownBy,
} from '@hoptrace/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { hoptrace } from '../src/index.js';
import { KOA_MAJORS } from './test-app.js';

const TOKEN = TEST_DIAGNOSTICS_TOKEN;

/** The shared table, and the rows of the options every adapter takes beside it. */
const BAD: readonly BadOptionCase[] = [
  ...BAD_OPTION_CASES,
  [{ requestIdHeadr: 'x-id' }, 'requestIdHeadr', /is not a hoptrace option/],
  [{ startTrace: 'yes' }, 'startTrace', /got the string "yes"/],
  [{ correlationIdHeader: 'x-hoptrace-trail' }, 'correlationIdHeader', /"x-hoptrace-trail"/],
];

describe('hoptrace() refuses bad options at construction', () => {
  it.each(BAD)('%o: names %s', (given, option, described) => {
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
  it.each([
    ['accepted', { diagnostics: { token: TOKEN } }, TOKEN],
    ['refused', { diagnostics: { token: TOKEN } }, 'not-the-diagnostics-token'],
    ['without diagnostics', {}, TOKEN],
  ] as const)(
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
      const response = await send(port, {
        headers: { 'X-Hoptrace-Diag': token, 'x-kept': 'yes' },
      });
      expect(response.status).toBe(200);
      const seen = JSON.parse(response.body) as { raw: string[] };
      expect(seen).toMatchObject({ header: null, requestHeader: null, get: '', distinct: null });
      expect(seen.raw).toEqual(expect.arrayContaining(['x-kept', 'yes']));
      expect(JSON.stringify(seen)).not.toContain(token);
    },
  );
});
