import { expectTypeOf, test } from 'vitest';
import {
  buildTopology,
  formatTopology,
  type InputLine,
  readLineBatches,
  readLines,
  type SkipReason,
  type Topology,
  type TopologyFormat,
} from '../src/index.js';

test('buildTopology takes plain string lines, readLines and readLineBatches output, or several', () => {
  const strings = (async function* () {
    yield '{}';
  })();
  expectTypeOf(buildTopology(strings)).toEqualTypeOf<Promise<Topology>>();
  expectTypeOf(readLines).returns.toEqualTypeOf<AsyncGenerator<InputLine, void, undefined>>();
  expectTypeOf(buildTopology).toBeCallableWith([
    readLines(process.stdin),
    readLineBatches(process.stdin),
  ]);
  expectTypeOf(buildTopology).toBeCallableWith(strings, { mode: 'forward', joinWindowMs: 1000 });
  // @ts-expect-error: child is a propagation mode, not a join mode
  void buildTopology(strings, { mode: 'child' });
});

test('the result and formats are typed', () => {
  expectTypeOf<Topology['skipped']>().toEqualTypeOf<Readonly<Record<SkipReason, number>>>();
  expectTypeOf(formatTopology).parameter(1).toEqualTypeOf<TopologyFormat>();
  expectTypeOf<'svg'>().not.toMatchTypeOf<TopologyFormat>();
});
