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

/**
 * Runs `parse` (a `node:util` `parseArgs` call) and turns what it throws (an unknown option, a
 * missing value) into a {@link UsageError}, so every command reports it the same way.
 *
 * @example
 * ```ts
 * const { values } = asUsageError(() => parseArgs({ args, options }));
 * ```
 */
export function asUsageError<Result>(parse: () => Result): Result {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
