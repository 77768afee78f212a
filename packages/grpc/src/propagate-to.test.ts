import { HoptraceOptionsError } from '@hoptrace/core';
import { describe, expect, it } from 'vitest';
import { grpcHostPolicy } from './propagate-to.js';

describe('grpcHostPolicy', () => {
  it('allows every channel by default', () => {
    expect(grpcHostPolicy(undefined)).toBeUndefined();
  });

  it.each([
    ['inventory.internal', { host: 'inventory.internal', port: 50051 }, true],
    ['inventory.internal:50051', { host: 'inventory.internal', port: 50051 }, true],
    ['inventory.internal:50051', { host: 'inventory.internal', port: 50052 }, false],
    ['*.svc.cluster.local', { host: 'a.shop.svc.cluster.local', port: 443 }, true],
    ['*.svc.cluster.local', { host: 'svc.cluster.local', port: 443 }, false],
    ['[::1]:50051', { host: '::1', port: 50051 }, true],
    ['::1', { host: '0:0::1', port: 1 }, true],
    ['münchen.de', { host: 'münchen.de', port: 443 }, true],
    ['xn--mnchen-3ya.de', { host: 'MÜNCHEN.de', port: 443 }, true],
    ['127.0.0.1', { host: 'localhost', port: 50051 }, false],
  ])('%s against %o: %s', (entry, target, expected) => {
    expect(grpcHostPolicy(entry)?.(target)).toBe(expected);
  });

  it('tests a regular expression against the canonical host', () => {
    const allows = grpcHostPolicy(/^10\./g);
    expect(allows?.({ host: '10.0.0.7', port: 1 })).toBe(true);
    // A global regex would alternate between true and false on the same host.
    expect(allows?.({ host: '10.0.0.7', port: 1 })).toBe(true);
  });

  it('takes a function that throws or answers anything but true as no', () => {
    const throwing = grpcHostPolicy(() => {
      throw new Error('bug');
    });
    expect(throwing?.({ host: 'a', port: 1 })).toBe(false);
    const truthy = grpcHostPolicy((() => 1) as unknown as () => boolean);
    expect(truthy?.({ host: 'a', port: 1 })).toBe(false);
  });

  it('refuses a bad entry when compiled, naming propagateTo', () => {
    expect(() => grpcHostPolicy('http://inventory:50051')).toThrow(HoptraceOptionsError);
    expect(() => grpcHostPolicy('inventory:99999')).toThrow(/propagateTo/);
  });
});
