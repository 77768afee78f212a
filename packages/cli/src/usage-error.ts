/**
 * A mistake on the command line (unknown option, bad value, missing file): printed on standard
 * error with a pointer to `--help`, and exit code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('--format must be one of table, json, mermaid, dot');
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
