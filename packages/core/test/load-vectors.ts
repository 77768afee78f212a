import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

/**
 * One row of a spec test-vector table (`test/vectors/<name>.json`). `expected` is the parse
 * result, or `null` when the input must be rejected.
 */
export interface Vector<Input, Expected> {
  readonly name: string;
  /** Where the rule comes from, e.g. "B3 README, Single header: sampling state". */
  readonly spec?: string;
  readonly input: Input;
  readonly expected: Expected | null;
}

/** Reads `test/vectors/<name>.json`: a JSON array of {@link Vector} rows. */
export function loadVectors<Input, Expected>(name: string): Vector<Input, Expected>[] {
  const url = new URL(`./vectors/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Vector<Input, Expected>[];
}

/**
 * What a table's coverage test asks of it: at least `rows` rows, of which at least `valid` parse
 * and at least `rejected` must be refused (each 0 when not given).
 */
export interface VectorCoverage {
  /** The coverage test's name. */
  readonly test: string;
  readonly rows?: number;
  readonly valid?: number;
  readonly rejected?: number;
}

/** "has a vector table large enough to cover every rule": at least `rows` rows. */
export function largeEnough(rows: number): VectorCoverage {
  return { test: 'has a vector table large enough to cover every rule', rows };
}

/** "covers valid and invalid values": at least `rows` rows, some valid and some rejected. */
export function validAndInvalid(rows: number): VectorCoverage {
  return { test: 'covers valid and invalid values', rows, valid: 1, rejected: 1 };
}

/**
 * "has a table that covers valid and invalid values": more than `valid` valid rows and more than
 * `rejected` rejected ones.
 */
export function moreThan(valid: number, rejected: number): VectorCoverage {
  return {
    test: 'has a table that covers valid and invalid values',
    valid: valid + 1,
    rejected: rejected + 1,
  };
}

/**
 * In the current `describe`: the test `coverage.test`, which checks the table is as large as
 * {@link VectorCoverage} asks, then one test per row, named by the row, that `parse(input)`
 * equals the row's `expected` (`undefined` for a row that must be rejected).
 *
 * @example
 * ```ts
 * describe('parseTraceparent vectors', () => {
 *   itParsesEveryVector(vectors, parseTraceparent, validAndInvalid(35));
 * });
 * ```
 */
export function itParsesEveryVector<Input, Expected>(
  vectors: readonly Vector<Input, Expected>[],
  parse: (input: Input) => unknown,
  coverage: VectorCoverage,
): void {
  it(coverage.test, () => {
    expect(vectors.length).toBeGreaterThanOrEqual(coverage.rows ?? 0);
    const valid = vectors.filter((vector) => vector.expected !== null).length;
    expect(valid).toBeGreaterThanOrEqual(coverage.valid ?? 0);
    expect(vectors.length - valid).toBeGreaterThanOrEqual(coverage.rejected ?? 0);
  });

  it.each(vectors)('$name', ({ input, expected }) => {
    expect(parse(input)).toStrictEqual(expected ?? undefined);
  });
}
