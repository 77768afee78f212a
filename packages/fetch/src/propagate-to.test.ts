import { HoptraceOptionsError } from '@hoptrace/core';
import { describe, expect, it } from 'vitest';
import { callTargetUrl } from './call-target.js';
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
    ['127.0.0.1', 'http://localhost:3000/', false],
    ['[::1]:3000', 'http://[::1]:3000/', true],
    ['[::1]:3000', 'http://[::1]:3001/', false],
    ['0:0::1', 'http://[::1]/', true],
    ['münchen.de', 'http://xn--mnchen-3ya.de/', true],
    ['MÜNCHEN.de', 'http://münchen.de/', true],
    ['xn--mnchen-3ya.de', 'http://münchen.de/', true],
    ['*.münchen.de', 'http://rathaus.münchen.de/', true],
    ['*.svc:8080', 'http://a.svc:8080/', true],
    ['*.svc:8080', 'http://a.svc/', false],
    ['api.internal.', 'http://api.internal/', true],
    ['127.1', 'http://127.0.0.1/', true],
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

  // core's host-patterns.test.ts holds every kind of bad entry; these check hostPolicy passes
  // them on.
  it.each([
    ['a number', 42],
    ['null in a list', ['localhost', null]],
  ])('throws HoptraceOptionsError naming propagateTo for %s', (_label, value) => {
    expect(() => hostPolicy(value as PropagateTo)).toThrow(HoptraceOptionsError);
    expect(() => hostPolicy(value as PropagateTo)).toThrow(/"propagateTo"/);
  });

  // core's host-patterns.test.ts holds every refusal; these check hostPolicy passes them on.
  it.each([
    ['*.', /no domain after/],
    ['http://api.internal', /is a URL/],
    ['host:99999', /port/],
  ])('refuses %s, naming the entry', (entry, why) => {
    expect(() => hostPolicy([entry])).toThrow(HoptraceOptionsError);
    expect(() => hostPolicy([entry])).toThrow(why);
    expect(() => hostPolicy([entry])).toThrow(JSON.stringify(entry));
  });

  it('judges the forward proxy of a URL built from an absolute-form request, too', () => {
    const viaProxy = callTargetUrl({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 3128,
      path: 'http://api.internal/x',
    });
    if (viaProxy === undefined) throw new Error('no URL');
    expect(hostPolicy(['api.internal'])?.(viaProxy)).toBe(false);
    expect(hostPolicy(['127.0.0.1'])?.(viaProxy)).toBe(false);
    expect(hostPolicy(['api.internal', '127.0.0.1:3128'])?.(viaProxy)).toBe(true);
    const asked: string[] = [];
    hostPolicy((url) => asked.push(url.host) > 0)?.(viaProxy);
    expect(asked).toEqual(['api.internal', '127.0.0.1:3128']);
  });

  it('matches no entry with a port when the client could not tell the port', () => {
    const url = callTargetUrl({ protocol: 'http', hostname: '127.0.0.1', port: null, path: '/' });
    if (url === undefined) throw new Error('no URL');
    expect(hostPolicy(['127.0.0.1'])?.(url)).toBe(true);
    expect(hostPolicy(['127.0.0.1:80'])?.(url)).toBe(false);
  });
});
