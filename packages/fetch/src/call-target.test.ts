import { describe, expect, it } from 'vitest';
import {
  absoluteTargetUrl,
  type CallTarget,
  callTargetUrl,
  dispatchTargetUrl,
  forwardProxyOf,
  isPortKnown,
} from './call-target.js';

function judged(target: CallTarget): [string | undefined, string | undefined] {
  const url = callTargetUrl(target);
  return [url?.href, url === undefined ? undefined : forwardProxyOf(url)?.href];
}

describe('callTargetUrl', () => {
  it.each<[string, CallTarget, string | undefined, string | undefined]>([
    [
      'origin-form',
      { protocol: 'http:', hostname: 'h', port: 8080, path: '/a?b=1' },
      'http://h:8080/a?b=1',
      undefined,
    ],
    [
      'a //host path',
      { protocol: 'http:', hostname: '127.0.0.1', port: '9', path: '//allowed/x' },
      'http://127.0.0.1:9//allowed/x',
      undefined,
    ],
    [
      'a /@host path',
      { protocol: 'http:', hostname: '127.0.0.1', path: '/@allowed/x' },
      'http://127.0.0.1/@allowed/x',
      undefined,
    ],
    [
      'a /\\\\host path',
      { protocol: 'http:', hostname: '127.0.0.1', path: '/\\allowed/x' },
      'http://127.0.0.1//allowed/x',
      undefined,
    ],
    [
      'no colon on the protocol',
      { protocol: 'https', hostname: 'h', port: 443 },
      'https://h/',
      undefined,
    ],
    [
      'an IPv6 host without brackets',
      { protocol: 'http:', hostname: '::1', port: 3000, path: '/' },
      'http://[::1]:3000/',
      undefined,
    ],
    [
      'an IPv6 host with brackets',
      { protocol: 'http:', hostname: '[::1]', path: '/' },
      'http://[::1]/',
      undefined,
    ],
    [
      'upper case and a trailing dot',
      { protocol: 'HTTP:', hostname: 'API.Internal.', path: '/' },
      'http://api.internal./',
      undefined,
    ],
    [
      'an IDN',
      { protocol: 'http:', hostname: 'münchen.de', path: '/' },
      'http://xn--mnchen-3ya.de/',
      undefined,
    ],
    [
      'absolute-form: a forward proxy',
      { protocol: 'http:', hostname: 'proxy', port: 3128, path: 'http://api/x?y' },
      'http://api/x?y',
      'http://proxy:3128/',
    ],
    [
      'absolute-form with userinfo',
      { protocol: 'http:', hostname: 'proxy', path: 'http://allowed@127.0.0.1:9/' },
      'http://127.0.0.1:9/',
      'http://proxy/',
    ],
    [
      'absolute-form to a proxy over TLS',
      { protocol: 'https:', hostname: 'proxy', path: 'HTTP://api/' },
      'http://api/',
      'https://proxy/',
    ],
    [
      'authority-form (CONNECT)',
      { protocol: 'http:', hostname: 'proxy', port: 3128, path: 'api:443' },
      'http://proxy:3128/',
      undefined,
    ],
    ['asterisk-form', { protocol: 'http:', hostname: 'h', path: '*' }, 'http://h/', undefined],
    [
      'another scheme through a proxy',
      { protocol: 'http:', hostname: 'proxy', path: 'ftp://files/x' },
      undefined,
      undefined,
    ],
    ['another scheme', { protocol: 'ftp:', hostname: 'h' }, undefined, undefined],
    [
      'a hostname with a path in it',
      { protocol: 'http:', hostname: 'allowed/x' },
      undefined,
      undefined,
    ],
    [
      'a hostname with userinfo in it',
      { protocol: 'http:', hostname: 'allowed@127.0.0.1' },
      undefined,
      undefined,
    ],
    ['no hostname', { protocol: 'http:', hostname: '' }, undefined, undefined],
    [
      'a port out of range',
      { protocol: 'http:', hostname: 'h', port: 99999 },
      undefined,
      undefined,
    ],
    [
      'a port that is no number',
      { protocol: 'http:', hostname: 'h', port: '12ab' },
      undefined,
      undefined,
    ],
  ])('%s', (_label, target, href, proxy) => {
    expect(judged(target)).toEqual([href, proxy]);
  });

  it('marks a port the client could not tell', () => {
    const unknown = callTargetUrl({ protocol: 'http:', hostname: 'h', port: null });
    const known = callTargetUrl({ protocol: 'http:', hostname: 'h', port: '' });
    expect(unknown === undefined ? undefined : isPortKnown(unknown)).toBe(false);
    expect(known === undefined ? undefined : isPortKnown(known)).toBe(true);
    expect(isPortKnown(new URL('http://h/'))).toBe(true);
  });
});

describe('absoluteTargetUrl', () => {
  it('keeps protocol, host, port, path and query; drops userinfo and the fragment', () => {
    expect(absoluteTargetUrl('http://allowed.internal@127.0.0.1:8080/x?y#z')?.href).toBe(
      'http://127.0.0.1:8080/x?y',
    );
    expect(absoluteTargetUrl(new URL('https://h:443//a/b'))?.href).toBe('https://h//a/b');
  });

  it('gives undefined for a relative URL or another scheme', () => {
    expect(absoluteTargetUrl('//allowed/x')).toBeUndefined();
    expect(absoluteTargetUrl('/x')).toBeUndefined();
    expect(absoluteTargetUrl('data:text/plain,hi')).toBeUndefined();
  });
});

describe('dispatchTargetUrl', () => {
  it('reads the origin as an origin and the path as a path', () => {
    expect(dispatchTargetUrl('http://127.0.0.1:9', '//allowed/x')?.href).toBe(
      'http://127.0.0.1:9//allowed/x',
    );
    expect(dispatchTargetUrl(new URL('http://127.0.0.1:9/ignored'), '/x')?.href).toBe(
      'http://127.0.0.1:9/x',
    );
    expect(dispatchTargetUrl('http://127.0.0.1:9', undefined)?.href).toBe('http://127.0.0.1:9/');
  });

  it('gives the target of an absolute-form path, with the origin as its proxy', () => {
    const url = dispatchTargetUrl('http://127.0.0.1:3128', 'http://allowed/x');
    expect(url?.href).toBe('http://allowed/x');
    expect(url === undefined ? undefined : forwardProxyOf(url)?.href).toBe(
      'http://127.0.0.1:3128/',
    );
  });

  it('gives undefined for an origin that is no URL', () => {
    expect(dispatchTargetUrl(undefined, '/x')).toBeUndefined();
    expect(dispatchTargetUrl('not a url', '/x')).toBeUndefined();
  });
});
