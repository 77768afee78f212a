import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../engine/options.js';
import { HoptraceOptionsError } from '../errors.js';
import { resolveDiagnostics } from './diagnostics-options.js';

const TOKEN = 'a-shared-diagnostics-token';

describe('resolveDiagnostics', () => {
  it('is off unless given', () => {
    expect(resolveDiagnostics(undefined, 'orders')).toBeUndefined();
    expect(resolveOptions({}).diagnostics).toBeUndefined();
  });

  it('fills in the defaults, the service name from observe', () => {
    expect(resolveDiagnostics({ token: TOKEN }, undefined)).toEqual({
      token: TOKEN,
      allow: undefined,
      service: null,
      maxTrailLength: 8192,
    });
    expect(resolveDiagnostics({ token: TOKEN }, 'orders')?.service).toBe('orders');
    expect(resolveDiagnostics({ token: TOKEN, service: 'own' }, 'orders')?.service).toBe('own');
    const options = resolveOptions({
      observe: { observer: () => {}, service: 'orders' },
      diagnostics: { token: TOKEN },
    });
    expect(options.diagnostics?.service).toBe('orders');
  });

  it.each([
    ['diagnostics', 'yes'],
    ['diagnostics', null],
    ['diagnostics.token', {}],
    ['diagnostics.token', { token: 'short' }],
    ['diagnostics.token', { token: `${TOKEN}\r\n` }],
    ['diagnostics.token', { token: `${TOKEN} with spaces` }],
    ['diagnostics.token', { token: 'x'.repeat(257) }],
    ['diagnostics.allow', { token: TOKEN, allow: true }],
    ['diagnostics.service', { token: TOKEN, service: '' }],
    ['diagnostics.maxTrailLength', { token: TOKEN, maxTrailLength: 100 }],
    ['diagnostics.maxTrailLength', { token: TOKEN, maxTrailLength: 1e6 }],
    ['diagnostics.secret', { token: TOKEN, secret: TOKEN }],
  ])('throws naming %s for %j', (option, value) => {
    let thrown: unknown;
    try {
      resolveOptions({ diagnostics: value as never });
    } catch (error) {
      thrown = error;
    }
    expect(HoptraceOptionsError.isInstance(thrown)).toBe(true);
    expect((thrown as HoptraceOptionsError).option).toBe(option);
    // The token is a secret: a bad one is never repeated in the message.
    expect((thrown as Error).message).not.toContain(TOKEN);
  });
});
