import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

/** The `parseArgs` configuration of every command: strict, positionals allowed. */
interface CommandLineConfig<Options extends NonNullable<ParseArgsConfig['options']>>
  extends ParseArgsConfig {
  args: string[];
  allowPositionals: true;
  strict: true;
  options: Options;
}

/**
 * Parses a command's arguments the way every `hoptrace` command takes them (`node:util`
 * `parseArgs`, strict, positionals allowed), and turns what it throws (an unknown option, a
 * missing value) into a {@link UsageError}, so every command reports it the same way.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommandLine(args, { json: { type: 'boolean' } });
 * ```
 */
export function parseCommandLine<Options extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: Options,
): ReturnType<typeof parseArgs<CommandLineConfig<Options>>> {
  try {
    const config: CommandLineConfig<Options> = {
      args: [...args],
      allowPositionals: true,
      strict: true,
      options,
    };
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
