import type { CliIo } from './cli-io.js';
import { writeOut } from './cli-io.js';
import { runTopologyCommand } from './topology-command.js';
import { runTraceCommand } from './trace-command.js';

/** `hoptrace --help`. */
export const HELP = `Usage: hoptrace <command> [options]

Commands:
  topology <file...|->   the service-to-service map from hoptrace observation records
  trace <url>            send one diagnostic request and print every hop, marking where the
                         trace broke

Options:
  -h, --help             this help ("hoptrace topology --help" for the command's)
  -v, --version          the version
`;

/**
 * The `hoptrace` command line: dispatches to the command named first.
 *
 * @returns the exit code: 0 done, 1 runtime error, 2 usage error (unknown command or option).
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), io, '1.0.0');
 * ```
 */
export async function runCli(args: readonly string[], io: CliIo, version: string): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'topology':
      return runTopologyCommand(rest, io);
    case 'trace':
      return runTraceCommand(rest, io);
    case '-h':
    case '--help':
    case 'help':
      await writeOut(io.stdout, HELP);
      return 0;
    case '-v':
    case '--version':
      await writeOut(io.stdout, `${version}\n`);
      return 0;
    default:
      io.stderr.write(
        command === undefined
          ? HELP
          : `hoptrace: unknown command ${JSON.stringify(command)}\nTry "hoptrace --help".\n`,
      );
      return 2;
  }
}
