import { describe, expect, it } from 'vitest';
import { lazyField } from './lazy-field.js';

class Request {
  reads = 0;
  declare field: string;
}
Object.defineProperty(
  Request.prototype,
  'field',
  lazyField('field', (request: Request) => `read ${++request.reads}`),
);

describe('lazyField', () => {
  it('reads through `read` on every access, and only then', () => {
    const request = new Request();
    expect(request.reads).toBe(0);
    expect(request.field).toBe('read 1');
    expect(request.field).toBe('read 2');
    expect(Object.keys(request)).toEqual(['reads']);
  });

  it('lets an assignment win: the value becomes an own, enumerable field of that object', () => {
    const request = new Request();
    request.field = 'mine';
    expect(request.field).toBe('mine');
    expect(request.reads).toBe(0);
    expect(Object.keys(request)).toEqual(['reads', 'field']);
    expect(new Request().field).toBe('read 1');
  });
});
