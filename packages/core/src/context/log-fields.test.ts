import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { extract } from '../engine/extract.js';
import { runWithContext } from './context-storage.js';
import { logFields } from './log-fields.js';

describe('logFields', () => {
  it('is empty outside a request', () => {
    expect(logFields()).toEqual({});
  });

  it('names the current request’s IDs', () => {
    const context = extract({
      'x-request-id': 'req-1',
      'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
      'x-b3-spanid': 'e457b5a2e4d86bd1',
      'x-b3-parentspanid': '05e3ac9a4f6e3b90',
    });
    expect(runWithContext(context, logFields)).toEqual({
      requestId: 'req-1',
      traceId: '80f198ee56343ba864fe8b2a57d3eff7',
      spanId: 'e457b5a2e4d86bd1',
      parentSpanId: '05e3ac9a4f6e3b90',
    });
  });

  it('leaves out what the request does not have, and never a hostile value', () => {
    const context = extract({ 'x-request-id': 'bad\r\nid' }, { startTrace: false });
    const fields = runWithContext(context, logFields);
    expect(Object.keys(fields)).toEqual(['requestId']);
    expect(fields.requestId).not.toContain('\n');
  });

  it('works as pino’s mixin, inside and outside a request', () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ mixin: logFields, base: { service: 'orders' } }, destination);
    logger.info({ port: 3000 }, 'listening');
    logger.info({ port: 3001 }, 'listening again');
    runWithContext(extract({ 'x-request-id': 'req-9' }), () => logger.info('inside'));
    expect(lines.map((line) => [line.msg, line.requestId, line.port])).toEqual([
      ['listening', undefined, 3000],
      ['listening again', undefined, 3001],
      ['inside', 'req-9', undefined],
    ]);
  });
});

describe('logFields: correlationId', () => {
  it('adds correlationId only when a caller sent one', () => {
    runWithContext(extract({ 'x-request-id': 'hop-1', 'x-correlation-id': 'chain-1' }), () => {
      expect(logFields()).toMatchObject({ requestId: 'hop-1', correlationId: 'chain-1' });
    });
    runWithContext(extract({ 'x-request-id': 'hop-1' }), () => {
      expect(logFields()).not.toHaveProperty('correlationId');
    });
  });
});
