import { createServer } from 'node:http';
import type { HoptraceOptions } from '@hoptrace/core';
import { DIAGNOSTICS_HEADER } from '@hoptrace/core/diagnostics';
import { describeAdapterBadOptions, describeTokenStaysInHoptrace } from '@hoptrace/test-utils';
import { expect } from 'vitest';
import { hoptrace } from '../src/index.js';
import { EXPRESS_VERSIONS } from './express-versions.js';

describeAdapterBadOptions('hoptrace()', (given) => hoptrace(given as HoptraceOptions));

/** What that logger saw of the last request. */
let logged: unknown;

describeTokenStaysInHoptrace(
  EXPRESS_VERSIONS,
  'not in req.headers, req.get(), headersDistinct or rawHeaders',
  ([, express], options) => {
    const app = express();
    app.use(hoptrace(options));
    // Where a logger registered after hoptrace (pino-http, morgan) reads the request's headers.
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
    return createServer(app);
  },
  (seen, token) => {
    expect(seen).toMatchObject({ header: null, get: null, distinct: null });
    expect(JSON.stringify(logged)).not.toContain(token);
    expect(JSON.stringify(logged).toLowerCase()).not.toContain(DIAGNOSTICS_HEADER);
  },
);
