import { describe, expect, it } from 'vitest';
import { clientLine, pinoLine, serverLine, T0 } from '../test/records.js';
import { parseObservation } from './parse-observation.js';

describe('parseObservation', () => {
  it('reads a server record and keeps only the fields topology uses', () => {
    expect(parseObservation(serverLine())).toEqual({
      side: 'server',
      service: 'orders-1',
      requestId: 'r-1',
      status: 200,
      start: T0 + 1,
      durationMs: 3.2,
    });
  });

  it('reads a client record, a pino-wrapped one the same', () => {
    const expected = {
      side: 'client',
      service: 'gateway',
      requestId: 'r-1',
      echoedRequestId: 'r-1',
      matched: true,
      target: { host: 'orders', port: 8081 },
      status: 200,
      failure: null,
      start: T0,
      durationMs: 5.1,
    };
    expect(parseObservation(clientLine())).toEqual(expected);
    expect(parseObservation(pinoLine(clientLine()))).toEqual(expected);
  });

  it('takes a client call with no response: null status, a failure flag, no echoed ID', () => {
    const line = clientLine({ status: null, failure: 'UT', echoedRequestId: null, remote: null });
    expect(parseObservation(line)).toMatchObject({
      status: null,
      failure: 'UT',
      echoedRequestId: null,
    });
    const bare = JSON.parse(clientLine()) as Record<string, unknown>;
    delete bare.status;
    delete bare.failure;
    delete bare.echoedRequestId;
    expect(parseObservation(JSON.stringify(bare))).toMatchObject({ status: null, failure: null });
  });

  it('ignores lines that are not records', () => {
    for (const line of [
      '',
      '   ',
      '{"level":30,"msg":"listening"}',
      '{"hoptrace":"other","service":"x"}',
      '{"hoptrace":true}',
      '[1,2]',
      '42',
      'null',
      '"hoptrace"',
    ]) {
      expect(parseObservation(line), line).toBeUndefined();
    }
  });

  it.each([
    ['truncated JSON', serverLine().slice(0, 40), 'invalid-json'],
    ['plain text', 'Server listening on 8080', 'invalid-json'],
    ['a NUL byte', `${serverLine().slice(0, 20)}\u0000`, 'binary'],
    ['no service', serverLine({ service: undefined }), 'missing-field'],
    ['no requestId', clientLine({ requestId: undefined }), 'missing-field'],
    ['no start', clientLine({ start: undefined }), 'missing-field'],
    ['no durationMs', serverLine({ durationMs: undefined }), 'missing-field'],
    ['no server status', serverLine({ status: undefined }), 'missing-field'],
    ['no target', clientLine({ target: undefined }), 'missing-field'],
    ['no target host', clientLine({ target: { port: 1 } }), 'missing-field'],
    ['no matched', clientLine({ matched: undefined }), 'missing-field'],
    ['service a number', serverLine({ service: 42 }), 'wrong-type'],
    ['service an object', serverLine({ service: { name: 'x' } }), 'wrong-type'],
    ['start a string', serverLine({ start: String(T0) }), 'wrong-type'],
    ['status a string', serverLine({ status: '200' }), 'wrong-type'],
    ['matched a string', clientLine({ matched: 'true' }), 'wrong-type'],
    ['target an array', clientLine({ target: ['orders', 8081] }), 'wrong-type'],
    ['port a string', clientLine({ target: { host: 'orders', port: '8081' } }), 'wrong-type'],
    ['failure a number', clientLine({ failure: 1 }), 'wrong-type'],
    ['requestId null', clientLine({ requestId: null }), 'wrong-type'],
    ['negative duration', serverLine({ durationMs: -1 }), 'invalid-value'],
    ['empty service', serverLine({ service: '' }), 'invalid-value'],
    ['service over 256', serverLine({ service: 's'.repeat(257) }), 'invalid-value'],
    ['requestId over 1024', serverLine({ requestId: 'r'.repeat(1025) }), 'invalid-value'],
    ['status 42', serverLine({ status: 42 }), 'invalid-value'],
    ['status 200.5', serverLine({ status: 200.5 }), 'invalid-value'],
    ['port 70000', clientLine({ target: { host: 'orders', port: 70_000 } }), 'invalid-value'],
    [
      'duration 1e400',
      serverLine().replace('"durationMs":3.2', '"durationMs":1e400'),
      'invalid-value',
    ],
  ])('skips a record with %s', (_, line, reason) => {
    expect(parseObservation(line)).toBe(reason);
  });

  it('reads own fields only: __proto__ and inherited names change nothing', () => {
    // JSON.parse makes "__proto__" an ordinary own key; the record must not gain fields from it.
    const hidden = '{"__proto__":{"hoptrace":"server","service":"evil"},"level":30}';
    expect(parseObservation(hidden)).toBeUndefined();
    const withProto = serverLine().replace('{', '{"__proto__":{"service":"evil","status":500},');
    expect(parseObservation(withProto)).toMatchObject({ service: 'orders-1', status: 200 });
    const missing = serverLine({ service: undefined }).replace(
      '{',
      '{"__proto__":{"service":"x"},',
    );
    expect(parseObservation(missing)).toBe('missing-field');
    expect(parseObservation(serverLine({ service: 'constructor' }))).toMatchObject({
      service: 'constructor',
    });
    expect(({} as Record<string, unknown>).service).toBeUndefined();
  });
});
