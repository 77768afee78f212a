import { parseRequestId } from '@hoptrace/core';
import { assertHostileCaseHandled, HOSTILE_HEADER_CASES } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: hostile headers', (_name, factory) => {
  const server = useTestApp(factory);

  it.each(HOSTILE_HEADER_CASES)('survives $name', async (testCase) => {
    const { response, requestId: id } = await assertHostileCaseHandled(
      server().port,
      testCase,
      (value) => parseRequestId(value) === value,
      '/ids',
    );
    if (id !== undefined) {
      // One fresh ID everywhere: request.id (genReqId), request.hoptrace and the context.
      expect(JSON.parse(response.body)).toEqual({ id, hoptrace: id, requestId: id });
    }
  });
});
