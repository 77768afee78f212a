import { thrownBy } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { HoptraceOptionsError } from '../errors.js';
import { type HoptraceOptions, resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    const resolved = resolveOptions({});
    expect(resolved.requestIdHeader).toBe('x-request-id');
    expect(resolved.mode).toBe('forward');
    expect(resolved.startTrace).toBe(true);
    expect(resolved.trustRequestId).toBe(true);
    expect([...resolved.formats]).toEqual([
      'b3-single',
      'b3-multi',
      'traceparent',
      'x-ot-span-context',
      'baggage',
    ]);
  });

  it('lower-cases header names and splits forward headers into names and prefixes', () => {
    const resolved = resolveOptions({
      requestIdHeader: 'X-Correlation-ID',
      forwardHeaders: ['X-Client-Trace-Id', 'l5d-ctx-*', { name: 'sw8', maxLength: 1024 }],
      forwardHeaderMaxLength: 64,
    });
    expect(resolved.requestIdHeader).toBe('x-correlation-id');
    expect([...resolved.forwardExact]).toEqual([
      ['x-client-trace-id', 64],
      ['sw8', 1024],
    ]);
    expect(resolved.forwardPrefixes).toEqual([['l5d-ctx-', 64]]);
  });

  it('resolves the same options object once', () => {
    const options: HoptraceOptions = { mode: 'child' };
    expect(resolveOptions(options)).toBe(resolveOptions(options));
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'options',
      'child',
      /option "options" must be undefined or a plain object .*, got the string "child"/,
    ],
    [
      'mode',
      { mode: 'sideways' },
      /option "mode" must be 'forward' or 'child', got the string "sideways"/,
    ],
    [
      'requestIdHeader',
      { requestIdHeader: 'x request id' },
      /option "requestIdHeader" must be a valid HTTP header name/,
    ],
    [
      'requestIdHeader',
      { requestIdHeader: 'traceparent' },
      /option "requestIdHeader" must not be a trace header/,
    ],
    [
      'generateRequestId',
      { generateRequestId: 'uuid' },
      /option "generateRequestId" must be a function/,
    ],
    [
      'trustRequestId',
      { trustRequestId: 'yes' },
      /option "trustRequestId" must be a boolean or a function/,
    ],
    ['formats', { formats: ['b3', 'w3c'] }, /option "formats" has unknown format the string "b3"/],
    ['formats', { formats: 'b3-single' }, /option "formats" must be an array/],
    ['startTrace', { startTrace: 1 }, /option "startTrace" must be a boolean/],
    [
      'forwardHeaders[0]',
      { forwardHeaders: ['b3'] },
      /option "forwardHeaders\[0\]" must not list "b3"/,
    ],
    [
      'forwardHeaders[0]',
      { forwardHeaders: ['x-request-id'] },
      /option "forwardHeaders\[0\]" must not list "x-request-id"/,
    ],
    [
      'forwardHeaders[0]',
      { forwardHeaders: ['bad header'] },
      /option "forwardHeaders\[0\]" must be a valid HTTP header name/,
    ],
    [
      'forwardHeaders[1]',
      { forwardHeaders: ['x-a', 42] },
      /option "forwardHeaders\[1\]" must be a header name .*, got the number 42/,
    ],
    [
      'forwardHeaderMaxLength',
      { forwardHeaderMaxLength: 0 },
      /option "forwardHeaderMaxLength" must be an integer/,
    ],
    [
      'forwardHeaders[0].maxLength',
      { forwardHeaders: [{ name: 'a', maxLength: 1.5 }] },
      /"forwardHeaders\[0\].maxLength" .*, got the number 1.5/,
    ],
    ['requestIdHeadr', { requestIdHeadr: 'x' }, /option "requestIdHeadr" is not a hoptrace option/],
  ];
  it.each(bad)('throws naming %s', (option, options, message) => {
    const thrown = thrownBy(() => resolveOptions(options as HoptraceOptions));
    expect(HoptraceOptionsError.isInstance(thrown)).toBe(true);
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as HoptraceOptionsError).option).toBe(option);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('resolveOptions: what may never be configured', () => {
  it.each([
    ['forwardHeaders[0]', { forwardHeaders: ['Content-Length'] }],
    ['forwardHeaders[0]', { forwardHeaders: ['transfer-encoding'] }],
    ['forwardHeaders[0].name', { forwardHeaders: [{ name: 'authorization' }] }],
    ['forwardHeaders[0]', { forwardHeaders: ['proxy-*'] }],
    ['requestIdHeader', { requestIdHeader: 'set-cookie' }],
    ['requestIdHeader', { requestIdHeader: 'host' }],
  ])('refuses framing, hop-by-hop and credential headers in %s', (option, options) => {
    expect(() => resolveOptions(options)).toThrow(
      new RegExp(`option "${option.replace(/[[\]]/g, '\\$&')}" must not name`),
    );
  });

  it('calls a custom generator once to check it', () => {
    expect(() => resolveOptions({ generateRequestId: () => 'bad\r\nid' })).toThrow(
      /option "generateRequestId" must return/,
    );
    expect(() =>
      resolveOptions({ generateRequestId: (async () => 'x') as unknown as () => string }),
    ).toThrow(
      /option "generateRequestId" must return .* synchronously, got an instance of Promise/,
    );
    expect(() =>
      resolveOptions({
        generateRequestId: () => {
          throw new Error('no entropy');
        },
      }),
    ).toThrow(/option "generateRequestId" threw when called: Error: no entropy/);
  });

  it('refuses an array as options', () => {
    expect(() => resolveOptions([] as unknown as HoptraceOptions)).toThrow(
      /option "options" must be undefined or a plain object .*, got an array/,
    );
  });
});

describe('resolveOptions: outboundRequestId and correlationIdHeader', () => {
  it('defaults to forward with x-correlation-id', () => {
    const resolved = resolveOptions({});
    expect(resolved.outboundRequestId).toBe('forward');
    expect(resolved.correlationIdHeader).toBe('x-correlation-id');
  });

  it('accepts per-call and lower-cases the correlation header', () => {
    const resolved = resolveOptions({
      outboundRequestId: 'per-call',
      correlationIdHeader: 'X-Chain-ID',
    });
    expect(resolved.outboundRequestId).toBe('per-call');
    expect(resolved.correlationIdHeader).toBe('x-chain-id');
  });

  it.each<[string, HoptraceOptions]>([
    ['outboundRequestId', { outboundRequestId: 'per-request' as 'per-call' }],
    ['outboundRequestId', { outboundRequestId: true as unknown as 'per-call' }],
    ['correlationIdHeader', { correlationIdHeader: 'bad header' }],
    ['correlationIdHeader', { correlationIdHeader: 'Authorization' }],
    ['correlationIdHeader', { correlationIdHeader: 'content-length' }],
    ['correlationIdHeader', { correlationIdHeader: 'proxy-anything' }],
    ['correlationIdHeader', { correlationIdHeader: 'traceparent' }],
    ['correlationIdHeader', { correlationIdHeader: 'X-Request-ID' }],
    ['correlationIdHeader', { correlationIdHeader: 'x-chain', forwardHeaders: ['x-chain'] }],
    ['correlationIdHeader', { correlationIdHeader: 'x-chain', forwardHeaders: ['x-ch*'] }],
    ['correlationIdHeader', { outboundRequestId: 'per-call', requestIdHeader: 'x-correlation-id' }],
    [
      'correlationIdHeader',
      { outboundRequestId: 'per-call', forwardHeaders: ['x-correlation-id'] },
    ],
  ])('refuses a bad %s', (option, options) => {
    expect(() => resolveOptions(options)).toThrow(HoptraceOptionsError);
    expect(() => resolveOptions(options)).toThrow(new RegExp(`"${option}"|${option}`));
  });

  it('turns correlation off in forward mode when the default name is already taken', () => {
    expect(resolveOptions({ requestIdHeader: 'x-correlation-id' }).correlationIdHeader).toBe(
      undefined,
    );
    expect(
      resolveOptions({ forwardHeaders: ['x-correlation-id'] }).correlationIdHeader,
    ).toBeUndefined();
  });
});
