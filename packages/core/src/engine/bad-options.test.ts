import { itRefusesEach } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { HoptraceOptionsError } from '../errors.js';
import { bridgeOpenTelemetry } from '../otel/bridge.js';
import { HoptracePropagator } from '../otel/hoptrace-propagator.js';
import { hoptraceHandler } from '../server/handler.js';
import { createHoptrace } from './create-hoptrace.js';
import { type HoptraceOptions, resolveOptions } from './options.js';

const TOKEN = 'a-diagnostics-token-for-tests';

/**
 * Bad options: what is given, the option the error must name, and how its message must describe
 * what was given. Every core factory runs every row.
 */
const BAD: readonly (readonly [given: unknown, option: string, described: RegExp])[] = [
  [null, 'options', /got null/],
  [42, 'options', /got the number 42/],
  [[], 'options', /got an array/],
  [() => ({ mode: 'child' }), 'options', /got a function/],
  ['child', 'options', /got the string "child"/],
  [new Map([['mode', 'child']]), 'options', /got an instance of Map/],
  [{ requestIdHeadr: 'x-id' }, 'requestIdHeadr', /is not a hoptrace option/],
  [
    { forwardHeaders: [{ name: 'x-a', maxlength: 64 }] },
    'forwardHeaders[0].maxlength',
    /is not a member of forwardHeaders\[0\] \(known: name, maxLength\)/,
  ],
  [
    { observe: { observer: () => {}, servce: 'orders' } },
    'observe.servce',
    /is not a member of observe/,
  ],
  [
    { diagnostics: { token: TOKEN, servce: 'orders' } },
    'diagnostics.servce',
    /is not a member of diagnostics/,
  ],
  [{ mode: 42 }, 'mode', /got the number 42/],
  [{ startTrace: 'yes' }, 'startTrace', /got the string "yes"/],
  [{ formats: { traceparent: true } }, 'formats', /got an object/],
  [{ forwardHeaders: 'x-a' }, 'forwardHeaders', /got the string "x-a"/],
  [{ forwardHeaders: ['x-a', null] }, 'forwardHeaders[1]', /got null/],
  [{ forwardHeaders: [{ name: 42 }] }, 'forwardHeaders[0].name', /got the number 42/],
  [{ forwardHeaderMaxLength: '512' }, 'forwardHeaderMaxLength', /got the string "512"/],
  [{ requestIdHeader: ['x-id'] }, 'requestIdHeader', /got an array/],
  [{ trustRequestId: 'yes' }, 'trustRequestId', /got the string "yes"/],
  [{ diagnostics: 42 }, 'diagnostics', /got the number 42/],
  [{ diagnostics: { token: 42 } }, 'diagnostics.token', /got the number 42/],
  [{ diagnostics: { token: 'short' } }, 'diagnostics.token', /got a string of 5 characters/],
  [{ diagnostics: { token: TOKEN, service: 'café' } }, 'diagnostics.service', /"café"/],
  [{ diagnostics: { token: TOKEN, service: 'a\r\nb' } }, 'diagnostics.service', /"a\\r\\nb"/],
  [
    { observe: { observer: () => {}, service: 'café' }, diagnostics: { token: TOKEN } },
    'diagnostics.service',
    /defaults to observe's service, the string "café"/,
  ],
  [{ diagnostics: { token: TOKEN, maxTrailLength: '8k' } }, 'diagnostics.maxTrailLength', /"8k"/],
  // hoptrace's own headers and prototype names, in every header-name option.
  [{ requestIdHeader: 'x-hoptrace-diag' }, 'requestIdHeader', /"x-hoptrace-diag"/],
  [{ requestIdHeader: 'X-Hoptrace-Trail' }, 'requestIdHeader', /"x-hoptrace-trail"/],
  [{ requestIdHeader: 'x-hoptrace-next' }, 'requestIdHeader', /"x-hoptrace-next"/],
  [{ requestIdHeader: '__proto__' }, 'requestIdHeader', /"__proto__"/],
  [{ requestIdHeader: 'constructor' }, 'requestIdHeader', /"constructor"/],
  [{ requestIdHeader: 'prototype' }, 'requestIdHeader', /"prototype"/],
  [{ requestIdHeader: 'hasOwnProperty' }, 'requestIdHeader', /"hasownproperty"/],
  [{ correlationIdHeader: 'x-hoptrace-diag' }, 'correlationIdHeader', /"x-hoptrace-diag"/],
  [{ correlationIdHeader: '__proto__' }, 'correlationIdHeader', /"__proto__"/],
  [{ correlationIdHeader: 'toString' }, 'correlationIdHeader', /"tostring"/],
  [{ forwardHeaders: ['x-hoptrace-diag'] }, 'forwardHeaders[0]', /"x-hoptrace-diag"/],
  [{ forwardHeaders: ['x-a', 'x-hoptrace-*'] }, 'forwardHeaders[1]', /"x-hoptrace-\*"/],
  [{ forwardHeaders: ['x-*'] }, 'forwardHeaders[0]', /prefix matching hoptrace's own .*"x-\*"/],
  [{ forwardHeaders: ['X-Hop*'] }, 'forwardHeaders[0]', /"x-hop\*"/],
  [
    { forwardHeaders: [{ name: 'x-hoptrace-trail', maxLength: 64 }] },
    'forwardHeaders[0].name',
    /"x-hoptrace-trail"/,
  ],
  [{ forwardHeaders: ['__proto__'] }, 'forwardHeaders[0]', /"__proto__"/],
  [{ forwardHeaders: ['__*'] }, 'forwardHeaders[0]', /prefix matching "__/],
  [{ forwardHeaders: ['valueOf'] }, 'forwardHeaders[0]', /"valueof"/],
];

/** Every core factory that takes hoptrace options. */
const FACTORIES: readonly (readonly [name: string, make: (options: unknown) => unknown])[] = [
  ['createHoptrace', (options) => createHoptrace(options as HoptraceOptions)],
  ['resolveOptions', (options) => resolveOptions(options as HoptraceOptions)],
  ['hoptraceHandler', (options) => hoptraceHandler(() => {}, options as HoptraceOptions)],
  ['HoptracePropagator', (options) => new HoptracePropagator(options as HoptraceOptions)],
];

function thrownBy(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectRefused(error: unknown, option: string, described: RegExp): void {
  expect(HoptraceOptionsError.isInstance(error), String(error)).toBe(true);
  expect(error).toBeInstanceOf(HoptraceOptionsError);
  expect((error as HoptraceOptionsError).option).toBe(option);
  expect((error as Error).message).toContain(`option "${option}"`);
  expect((error as Error).message).toMatch(described);
}

describe.each(FACTORIES)('%s refuses bad options at construction', (_name, make) => {
  itRefusesEach(BAD, (given) => thrownBy(() => make(given)), expectRefused);

  it('accepts undefined, {}, a null-prototype object and a frozen one', () => {
    for (const options of [undefined, {}, Object.create(null), Object.freeze({ mode: 'child' })]) {
      expect(thrownBy(() => make(options))).toBeUndefined();
    }
  });
});

describe('the other arguments', () => {
  it('hoptraceHandler refuses a handler that is not a function', () => {
    expectRefused(
      thrownBy(() => hoptraceHandler(42 as never)),
      'handler',
      /must be a request listener function/,
    );
  });

  it.each([
    [{}, /got an object/],
    [{ mode: 'child' }, /got an object/],
    [null, /got null/],
  ])('bridgeOpenTelemetry takes no options: %o is refused', (given, described) => {
    const bridge = bridgeOpenTelemetry as (...args: unknown[]) => () => void;
    expectRefused(
      thrownBy(() => bridge(given)),
      'options',
      described,
    );
    bridgeOpenTelemetry()();
  });
});

describe('header names that stay allowed', () => {
  it.each([
    { requestIdHeader: 'x-hoptrace' },
    { requestIdHeader: 'x-hoptraceid' },
    { forwardHeaders: ['x-client-*', 'l5d-ctx-*', 'x-hoptracer-id', 'proto'] },
    { correlationIdHeader: 'x-chain-id' },
  ])('%o', (options) => {
    expect(thrownBy(() => createHoptrace(options))).toBeUndefined();
  });
});
