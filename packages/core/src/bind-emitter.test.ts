import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { bindEmitter } from './bind-emitter.js';
import { getRequestId, runWithContext } from './context-storage.js';
import { extract } from './extract.js';

describe('bindEmitter', () => {
  it('runs listeners in the context they were added in, whoever emits', () => {
    const emitter = new EventEmitter();
    const seen: (string | undefined)[] = [];
    runWithContext(extract({ 'x-request-id': 'request-1' }), () => {
      bindEmitter(emitter);
      emitter.on('data', () => seen.push(getRequestId()));
      emitter.once('end', () => seen.push(`end:${getRequestId()}`));
      emitter.prependListener('data', () => seen.push(`first:${getRequestId()}`));
    });
    runWithContext(extract({ 'x-request-id': 'someone-else' }), () => emitter.emit('data'));
    emitter.emit('end');
    emitter.emit('end');
    expect(seen).toEqual(['first:request-1', 'request-1', 'end:request-1']);
  });

  it('keeps removeListener working with the original listener', () => {
    const emitter = bindEmitter(new EventEmitter());
    let calls = 0;
    const listener = () => {
      calls++;
    };
    emitter.on('event', listener);
    emitter.removeListener('event', listener);
    emitter.addListener('event', listener);
    emitter.off('event', listener);
    emitter.once('event', listener);
    emitter.removeListener('event', listener);
    emitter.emit('event');
    expect(calls).toBe(0);
    expect(emitter.listenerCount('event')).toBe(0);
  });

  it('is idempotent and leaves other emitters alone', () => {
    const emitter = new EventEmitter();
    bindEmitter(bindEmitter(emitter));
    const other = new EventEmitter();
    expect(other.on).toBe(EventEmitter.prototype.on);
    expect(emitter.on).not.toBe(EventEmitter.prototype.on);
  });
});
