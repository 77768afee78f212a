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
import { EXPRESS_VERSIONS } from './express-versions.js';

describeAdapterBadOptions('hoptrace()', (given) => hoptrace(given as HoptraceOptions));

const servers = serverPool();
afterEach(() => servers.closeAll());

describe.each(EXPRESS_VERSIONS)('%s: the diagnostics token stays in hoptrace', (_name, express) => {
  it.each(diagnosticsTokenCases(TEST_DIAGNOSTICS_TOKEN))(
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
      const port = await servers.listen(createServer(app));
      const seen = await expectTokenStripped(port, token, 'raw');
      expect(seen).toMatchObject({ header: null, get: null, distinct: null });
      expect(JSON.stringify(logged)).not.toContain(token);
      expect(JSON.stringify(logged).toLowerCase()).not.toContain(DIAGNOSTICS_HEADER);
    },
  );
});
