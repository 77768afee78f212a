// Compiled by fastify4-types.test.ts with `fastify` mapped to Fastify 4's own types (see the
// tsconfig here), as a Fastify 4 user's project resolves it; the main tsconfig compiles it
// against Fastify 5. Both must accept it.
import Fastify from 'fastify';
import type { TraceContext } from '../../src/index.js';
import { hoptrace, hoptraceServerOptions } from '../../src/index.js';

const app = Fastify({ logger: true, ...hoptraceServerOptions({ mode: 'child' }) });
app.register(hoptrace, { mode: 'child' });
// @ts-expect-error unknown mode
app.register(hoptrace, { mode: 'sideways' });
app.get('/', (request) => {
  const context: TraceContext = request.hoptrace;
  const requestId: string = request.hoptrace.requestId;
  return { requestId, traceId: context.traceId };
});
