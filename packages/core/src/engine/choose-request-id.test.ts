import { describe, expect, it } from 'vitest';
import { chooseRequestId, type IncomingRequest, readCorrelationId } from './choose-request-id.js';
import { type HoptraceOptions, resolveOptions } from './options.js';

function requestUnder(options: HoptraceOptions): IncomingRequest {
  return { headers: {}, options: resolveOptions(options), info: { remoteAddress: '127.0.0.6' } };
}

describe('chooseRequestId', () => {
  it('keeps one valid, trusted incoming ID', () => {
    expect(chooseRequestId(['  abc '], requestUnder({}))).toEqual({
      requestId: 'abc',
      source: 'incoming',
      untrustedRequestId: undefined,
      trusted: true,
      rejection: undefined,
    });
  });

  it('generates one, without asking trust, when none or an invalid one arrived', () => {
    let asked = 0;
    const request = requestUnder({ trustRequestId: () => ++asked > 0 });
    expect(chooseRequestId(undefined, request)).toMatchObject({
      source: 'generated',
      trusted: undefined,
      rejection: undefined,
    });
    expect(chooseRequestId(['a', 'b'], request).rejection).toEqual({
      header: 'x-request-id',
      reason: 'multiple-values',
      length: 4,
    });
    expect(chooseRequestId(['a\nb'], request).rejection?.reason).toBe('invalid-characters');
    expect(asked).toBe(0);
  });

  it('generates one when trust turns a valid ID away, and keeps the turned-away ID aside', () => {
    const choice = chooseRequestId(['abc'], requestUnder({ trustRequestId: false }));
    expect(choice).toMatchObject({
      source: 'generated',
      untrustedRequestId: 'abc',
      trusted: false,
    });
    expect(choice.requestId).not.toBe('abc');
    expect(choice.rejection).toEqual({ header: 'x-request-id', reason: 'untrusted', length: 3 });
  });

  it('does not trust when a trust function throws', () => {
    const request = requestUnder({
      trustRequestId: () => {
        throw new Error('boom');
      },
    });
    expect(chooseRequestId(['abc'], request).trusted).toBe(false);
  });
});

describe('readCorrelationId', () => {
  const values = new Map([['x-correlation-id', ['chain']]]);

  it('follows the decision the request ID made, asking trust only when it made none', () => {
    let asked = 0;
    const request = requestUnder({
      correlationIdHeader: 'x-correlation-id',
      trustRequestId: () => ++asked > 0,
    });
    expect(readCorrelationId(values, request, true)).toBe('chain');
    expect(readCorrelationId(values, request, false)).toEqual({
      header: 'x-correlation-id',
      reason: 'untrusted',
      length: 5,
    });
    expect(asked).toBe(0);
    expect(readCorrelationId(values, request, undefined)).toBe('chain');
    expect(asked).toBe(1);
  });
});
