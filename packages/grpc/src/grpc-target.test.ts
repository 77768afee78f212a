import { describe, expect, it } from 'vitest';
import { parseGrpcTarget } from './grpc-target.js';

describe('parseGrpcTarget', () => {
  it.each([
    ['inventory:50051', { host: 'inventory', port: 50051 }],
    ['Inventory.Internal.:50051', { host: 'inventory.internal', port: 50051 }],
    ['localhost', { host: 'localhost', port: 443 }],
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    [
      'dns:///inventory.shop.svc.cluster.local:50051',
      { host: 'inventory.shop.svc.cluster.local', port: 50051 },
    ],
    ['dns://8.8.8.8/inventory:50051', { host: 'inventory', port: 50051 }],
    ['dns:inventory:50051', { host: 'inventory', port: 50051 }],
    ['ipv4:10.0.0.7:50051,10.0.0.8:50051', { host: '10.0.0.7', port: 50051 }],
    ['ipv6:[::1]:50051', { host: '::1', port: 50051 }],
    ['[::1]:50051', { host: '::1', port: 50051 }],
    ['::1', { host: '::1', port: 443 }],
  ])('%s', (target, expected) => {
    expect(parseGrpcTarget(target)).toEqual(expected);
  });

  it.each([
    'unix:/tmp/grpc.sock',
    'unix:///tmp/grpc.sock',
    'xds:///inventory',
    'host:99999',
    '',
    'a b:1',
  ])('%s names no host to judge', (target) => {
    expect(parseGrpcTarget(target)).toBeUndefined();
  });
});
