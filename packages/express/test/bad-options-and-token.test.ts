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
import { EXPRESS_VERSIONS } from './express-versions.js';

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

describe.each(EXPRESS_VERSIONS)('%s: the diagnostics token stays in hoptrace', (_name, express) => {
  it.each([
    ['accepted', { diagnostics: { token: TOKEN } }, TOKEN],
    ['refused', { diagnostics: { token: TOKEN } }, 'not-the-diagnostics-token'],
    ['without diagnostics', {}, TOKEN],
  ] as const)(
    '%s: not in req.headers, req.get(), headersDistinct or rawHeaders',
    async (_case, options, token) => {
      const app = express();
      app.use(hoptrace(options));
      // Where a logger registered after hoptrace (pino-http, morgan) reads the request's headers.
      let logged: unknown;
      app.use((req, _res, next) => {
        logged = { headers: { ...req.headers }, raw: [...req.rawHeaders] };
        next();
      });
      app.get('/', (req, res) => {
        res.json({
          header: req.headers[DIAGNOSTICS_HEADER] ?? null,
          get: req.get(DIAGNOSTICS_HEADER) ?? null,
          distinct: req.headersDistinct[DIAGNOSTICS_HEADER] ?? null,
          raw: req.rawHeaders,
        });
      });
      const server = createServer(app);
      servers.push(server);
      const port = await listen(server);
      const response = await send(port, {
        headers: { 'X-Hoptrace-Diag': token, 'x-kept': 'yes' },
      });
      expect(response.status).toBe(200);
      const seen = JSON.parse(response.body) as { raw: string[] };
      expect(seen).toMatchObject({ header: null, get: null, distinct: null });
      expect(seen.raw).toEqual(expect.arrayContaining(['x-kept', 'yes']));
      expect(JSON.stringify(seen)).not.toContain(token);
      expect(JSON.stringify(logged)).not.toContain(token);
      expect(JSON.stringify(logged).toLowerCase()).not.toContain(DIAGNOSTICS_HEADER);
    },
  );
});
