import { HoptraceOptionsError } from '@hoptrace/core';
import { describe, expect, it } from 'vitest';
import { hostPolicy, type PropagateTo } from './propagate-to.js';

function allowed(propagateTo: PropagateTo, url: string): boolean | undefined {
  return hostPolicy(propagateTo)?.(new URL(url));
}

describe('hostPolicy', () => {
  it('allows every host by default, with no per-call work', () => {
    expect(hostPolicy(undefined)).toBeUndefined();
  });

  it.each([
    ['api.internal', 'http://api.internal/x', true],
    ['api.internal', 'http://API.Internal./x', true],
    ['API.internal', 'http://api.internal:8080/x', true],
    ['api.internal', 'http://api.internal.evil.com/', false],
    ['api.internal', 'http://evil-api.internal/', false],
    ['api.internal:8443', 'https://api.internal:8443/', true],
    ['api.internal:8443', 'https://api.internal/', false],
    ['api.internal:443', 'https://api.internal/', true],
    ['api.internal:80', 'http://api.internal/', true],
    ['*.svc.cluster.local', 'http://orders.shop.svc.cluster.local:8080/', true],
    ['*.svc.cluster.local', 'http://svc.cluster.local/', false],
    ['*.svc.cluster.local', 'http://evilsvc.cluster.local/', false],
    ['*', 'https://api.stripe.com/', true],
    ['::1', 'http://[::1]:3000/', true],
    ['[::1]', 'http://[::1]:3000/', true],
    ['127.0.0.1', 'http://127.0.0.1:3000/', true],
    ['localhost', 'http://127.0.0.1:3000/', false],
  ])('%s on %s → %s', (pattern, url, expected) => {
    expect(allowed(pattern, url)).toBe(expected);
  });

  it('tests regular expressions against the hostname, statelessly even when global', () => {
    const policy = hostPolicy(/^10\./g);
    const url = new URL('http://10.0.0.7:8080/');
    expect([policy?.(url), policy?.(url), policy?.(url)]).toEqual([true, true, true]);
    expect(policy?.(new URL('http://110.0.0.7/'))).toBe(false);
  });

  it('allows a host when any entry of a list matches', () => {
    const propagateTo = ['localhost', /\.internal$/, '*.svc.cluster.local'];
    expect(allowed(propagateTo, 'http://billing.internal/')).toBe(true);
    expect(allowed(propagateTo, 'http://localhost:3000/')).toBe(true);
    expect(allowed(propagateTo, 'https://api.github.com/')).toBe(false);
    expect(allowed([], 'http://localhost/')).toBe(false);
  });

  it('asks a function, and takes a throw or a non-boolean as no', () => {
    expect(allowed((url) => url.port === '3000', 'http://x:3000/')).toBe(true);
    expect(
      allowed(() => {
        throw new Error('bug in the predicate');
      }, 'http://x/'),
    ).toBe(false);
    expect(allowed((() => 'yes') as unknown as PropagateTo, 'http://x/')).toBe(false);
  });

  it.each([
    ['an empty string', ''],
    ['a blank string', '  '],
    ['a number', 42],
    ['null in a list', ['localhost', null]],
    ['an object', { host: 'x' }],
  ])('throws HoptraceOptionsError naming propagateTo for %s', (_label, value) => {
    expect(() => hostPolicy(value as PropagateTo)).toThrow(HoptraceOptionsError);
    expect(() => hostPolicy(value as PropagateTo)).toThrow(/"propagateTo"/);
  });
});
