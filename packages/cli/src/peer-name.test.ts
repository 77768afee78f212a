import { describe, expect, it } from 'vitest';
import { peerName } from './peer-name.js';

describe('peerName', () => {
  it('names services as themselves and unobserved peers by host and port', () => {
    expect(peerName({ kind: 'service', service: 'orders-1' })).toBe('orders-1');
    expect(peerName({ kind: 'unobserved', target: { host: 'legacy', port: 9000 } })).toBe(
      'unobserved legacy:9000',
    );
    expect(peerName({ kind: 'unobserved', target: { host: 'legacy', port: null } })).toBe(
      'unobserved legacy',
    );
    expect(peerName({ kind: 'unobserved', target: { host: '::1', port: 80 } })).toBe(
      'unobserved [::1]:80',
    );
  });
});
