import { describe, expect, it } from 'vitest';
import { HoptraceOptionsError } from '../errors.js';
import { compileHostPatterns, type HostPattern, safePredicate } from './host-patterns.js';

describe('compileHostPatterns', () => {
  it.each([
    ['api.internal', 'api.internal', '80', true],
    ['api.internal', 'API.Internal.', '80', true],
    ['API.internal', 'api.internal', '8080', true],
    ['api.internal', 'api.internal', null, true],
    ['api.internal', 'api.internal.evil.com', '80', false],
    ['api.internal', 'evil-api.internal', '80', false],
    ['api.internal:8443', 'api.internal', '8443', true],
    ['api.internal:8443', 'api.internal', '443', false],
    ['api.internal:8443', 'api.internal', null, false],
    ['api.internal:08443', 'api.internal', '8443', true],
    ['*.svc.cluster.local', 'orders.shop.svc.cluster.local', '8080', true],
    ['*.svc.cluster.local', 'svc.cluster.local', '80', false],
    ['*.svc.cluster.local', 'evilsvc.cluster.local', '80', false],
    ['*.svc:8080', 'a.svc', '8080', true],
    ['*.svc:8080', 'a.svc', '80', false],
    ['*', 'api.stripe.com', null, true],
    ['::1', '::1', '3000', true],
    ['[::1]', '[::1]', '3000', true],
    ['[::1]:3000', '::1', '3000', true],
    ['[::1]:3000', '::1', '3001', false],
    ['0:0::1', '::1', '80', true],
    ['127.0.0.1', '127.0.0.1', '3000', true],
    ['127.1', '127.0.0.1', '80', true],
    ['localhost', '127.0.0.1', '3000', false],
    ['münchen.de', 'xn--mnchen-3ya.de', '80', true],
    ['*.münchen.de', 'rathaus.xn--mnchen-3ya.de', '80', true],
    ['api.internal.', 'api.internal', '80', true],
  ] as const)('%s on %s port %s → %s', (pattern, hostname, port, expected) => {
    expect(compileHostPatterns(pattern)(hostname, port)).toBe(expected);
  });

  it('tests regular expressions against the hostname, statelessly even when global', () => {
    const matches = compileHostPatterns(/^10\./g);
    expect([1, 2, 3].map(() => matches('10.0.0.7', '8080'))).toEqual([true, true, true]);
    expect(matches('110.0.0.7', '80')).toBe(false);
    expect(compileHostPatterns(/^::1$/)('[::1]', null)).toBe(true);
  });

  it('matches when any entry of a list matches; an empty list matches nothing', () => {
    const matches = compileHostPatterns(['localhost', /\.internal$/, '*.svc.cluster.local']);
    expect(matches('billing.internal', '80')).toBe(true);
    expect(matches('localhost', '3000')).toBe(true);
    expect(matches('api.github.com', '443')).toBe(false);
    expect(compileHostPatterns([])('localhost', '80')).toBe(false);
  });

  it.each([
    ['an empty string', ''],
    ['a blank string', '  '],
    ['a number', 42],
    ['null in a list', ['localhost', null]],
    ['an object', { host: 'x' }],
  ])('throws HoptraceOptionsError naming propagateTo for %s', (_label, value) => {
    const compile = () => compileHostPatterns(value as HostPattern);
    expect(compile).toThrow(HoptraceOptionsError);
    expect(compile).toThrow(/"propagateTo"/);
  });

  it.each([
    ['*.', /no domain after/],
    ['*.*.svc', /misplaces/],
    ['api.*.svc', /misplaces/],
    ['http://api.internal', /is a URL/],
    ['api.internal/x', /not a host/],
    ['user@api.internal', /not a host/],
    ['host:99999', /port/],
    ['host:0', /port/],
    ['host:', /port/],
    ['host:8a', /port/],
    ['a b', /not a host/],
    ['a..b', /empty label/],
    ['.a', /empty label/],
    ['a!b', /characters/],
    ['[::1', /bracket/],
    ['[::1]x', /after its IPv6/],
    ['*.[::1]', /wildcard before an IPv6/],
    ['[nope]', /not a valid/],
  ])('refuses %s, naming the entry', (entry, why) => {
    const compile = () => compileHostPatterns([entry]);
    expect(compile).toThrow(HoptraceOptionsError);
    expect(compile).toThrow(why);
    expect(compile).toThrow(JSON.stringify(entry));
  });
});

describe('safePredicate', () => {
  it('passes true through and takes a throw or a non-true answer as no', () => {
    expect(safePredicate((value: number) => value > 1)(2)).toBe(true);
    expect(safePredicate((value: number) => value > 1)(0)).toBe(false);
    expect(
      safePredicate(() => {
        throw new Error('bug in the predicate');
      })(undefined),
    ).toBe(false);
    expect(safePredicate((() => 'yes') as unknown as () => boolean)(undefined)).toBe(false);
  });
});
