import { parseRequestId } from '@hoptrace/core';
import {
  HOSTILE_HEADER_CASES,
  hostileRequest,
  isParserRejection,
  send,
  sendRaw,
} from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: hostile headers', (_name, factory) => {
  const server = useTestApp(factory);

  it.each(HOSTILE_HEADER_CASES)('survives $name', async (testCase) => {
    const response = await sendRaw(server().port, hostileRequest(testCase, '/ids'));
    expect(response.raw).not.toContain(testCase.mustNotEcho);
    const echoed = response.headers.get('x-request-id');
    if (testCase.parserMayReject && isParserRejection(response.status)) {
      expect(echoed).toBeUndefined();
    } else {
      expect(response.status).toBe(200);
      expect(echoed).toHaveLength(1);
      const id = echoed?.[0] ?? '';
      expect(parseRequestId(id)).toBe(id);
      // One fresh ID everywhere: request.id (genReqId), request.hoptrace and the context.
      expect(JSON.parse(response.body)).toEqual({ id, hoptrace: id, context: id });
    }
    // The server is still up and serving.
    const after = await send(server().port, { path: '/ids', headers: { 'x-request-id': 'after' } });
    expect(after.headers['x-request-id']).toBe('after');
  });
});
