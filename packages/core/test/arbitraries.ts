import fc from 'fast-check';
import type { B3Context } from '../src/codec/b3-context.js';
import type { Sampling } from '../src/codec/sampling.js';

/** Mostly ASCII (so some strings are valid), sometimes any UTF-16 code unit. */
export const codeUnit = fc
  .oneof({ weight: 4, arbitrary: fc.nat(0x7f) }, { weight: 1, arbitrary: fc.nat(0xffff) })
  .map((code) => String.fromCharCode(code));

/** A lower-case hex ID of `length` digits that is not all zeros (a valid B3 trace or span ID). */
const hexId = (length: 16 | 32) =>
  fc
    .stringMatching(length === 16 ? /^[0-9a-f]{16}$/ : /^[0-9a-f]{32}$/)
    .filter((value) => !/^0+$/.test(value));

/**
 * Every B3 context an encoding can carry: IDs (a 64- or 128-bit trace ID, a span ID, maybe a
 * parent) with any sampling, or a sampling decision alone. A defer-only context is left out: it
 * has nothing to write. `parentWhenDeferred: false` generates no parent beside `defer`, for `b3`,
 * whose positional encoding cannot carry one.
 */
export function b3Contexts({
  parentWhenDeferred,
}: {
  readonly parentWhenDeferred: boolean;
}): fc.Arbitrary<B3Context> {
  const identity = fc
    .record({
      traceId: fc.oneof(hexId(16), hexId(32)),
      spanId: hexId(16),
      parentSpanId: fc.option(hexId(16), { nil: undefined }),
      sampling: fc.constantFrom<Sampling>('accept', 'deny', 'defer', 'debug'),
    })
    .map(({ parentSpanId, ...rest }): B3Context => {
      if (parentSpanId === undefined) return rest;
      if (rest.sampling === 'defer' && !parentWhenDeferred) return rest;
      return { ...rest, parentSpanId };
    });
  const samplingOnly = fc
    .constantFrom<Sampling>('accept', 'deny', 'debug')
    .map((sampling): B3Context => ({ sampling }));
  return fc.oneof(identity, samplingOnly);
}
