import { readFileSync } from 'node:fs';

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
