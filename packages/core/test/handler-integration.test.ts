import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assertHostileCaseHandled,
  assertNoLeaks,
  close,
  HOSTILE_HEADER_CASES,
  listen,
} from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parseRequestId } from '../src/codec/request-id.js';
import { getContext } from '../src/context/context-storage.js';
import { hoptraceHandler } from '../src/server/handler.js';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer(
    hoptraceHandler(async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      await sleep(Number(url.searchParams.get('delay') ?? 0));
      const { requestId, traceId, spanId } = getContext();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ requestId, traceId, spanId }));
    }),
  );
  port = await listen(server);
});

afterAll(async () => {
  await close(server);
});

describe('hoptraceHandler on a real server', () => {
  it('keeps 2,000 interleaved requests (100 concurrent, random delays) apart', {
    timeout: 60_000,
  }, async () => {
    await assertNoLeaks({ port });
  });

  it.each(HOSTILE_HEADER_CASES)('survives $name', async (testCase) => {
    await assertHostileCaseHandled(port, testCase, (id) => parseRequestId(id) !== undefined);
  });
});
