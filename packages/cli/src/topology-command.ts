import { type FileHandle, open } from 'node:fs/promises';
import { buildTopology, type TopologyInput } from './build-topology.js';
import { type CliIo, writeOut } from './cli-io.js';
import { formatTopology, TOPOLOGY_FORMATS, type TopologyFormat } from './format-topology.js';
import { JOIN_MODES, type JoinMode } from './join-mode.js';
import { modeWarning } from './mode-warning.js';
import { parseCommandLine } from './parse-command-line.js';
import { parseDuration } from './parse-duration.js';
import { readLineBatches } from './read-lines.js';
import { UsageError } from './usage-error.js';

/** `hoptrace topology --help`. */
export const TOPOLOGY_HELP = `Usage: hoptrace topology [options] <file...|->

Reads hoptrace observation records (JSON lines, pino lines included) from the files, or from
standard input for "-", joins client and server records on the request ID and prints the
service-to-service map: calls, errors, p50 and p99 per edge.

Options:
  -f, --format <format>       table (default), json, mermaid or dot
  -w, --join-window <time>    how long, in record time, a record waits for its partner
                              (default 5m; units ms, s, m, h)
  -m, --mode <mode>           forward or per-call: the services' outboundRequestId. By
                              default read off the records, else forward (the services'
                              default); a warning says when the records contradict it
  -h, --help                  this help

Exit codes: 0 done (bad lines are skipped and counted), 1 read error, 2 usage error.
`;

// The chunk size of file reads: the merge awaits once per ~150 lines, and the lines of a chunk die
// young (larger chunks got their strings promoted to the old generation: more RSS, no speed).
const READ_CHUNK_BYTES = 64 * 1024;

interface TopologyArguments {
  readonly help: boolean;
  readonly format: TopologyFormat;
  /** `undefined`: read off the records. */
  readonly mode: JoinMode | undefined;
  readonly joinWindowMs: number | undefined;
  readonly paths: readonly string[];
}

function parseTopologyArguments(args: readonly string[]): TopologyArguments {
  const { values, positionals } = parseCommandLine(args, {
    format: { type: 'string', short: 'f' },
    'join-window': { type: 'string', short: 'w' },
    mode: { type: 'string', short: 'm' },
    help: { type: 'boolean', short: 'h' },
  });
  const format = values.format ?? 'table';
  if (!(TOPOLOGY_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${TOPOLOGY_FORMATS.join(', ')}, not "${format}"`);
  }
  const mode = values.mode;
  if (mode !== undefined && !(JOIN_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode must be ${JOIN_MODES.join(' or ')}, not "${mode}"`);
  }
  const help = values.help === true;
  if (!help && positionals.length === 0) {
    throw new UsageError('no input: give one or more files, or - for standard input');
  }
  if (positionals.filter((path) => path === '-').length > 1) {
    throw new UsageError('standard input (-) can be read only once');
  }
  return {
    help,
    format: format as TopologyFormat,
    mode: mode as JoinMode | undefined,
    joinWindowMs:
      values['join-window'] === undefined
        ? undefined
        : parseDuration(values['join-window'], '--join-window'),
    paths: positionals,
  };
}

async function openInputs(paths: readonly string[]): Promise<FileHandle[]> {
  const handles: FileHandle[] = [];
  try {
    for (const path of paths) {
      if (path === '-') continue;
      let handle: FileHandle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why =
          code === 'ENOENT'
            ? 'no such file'
            : code === 'EACCES'
              ? 'permission denied'
              : String(code);
        throw new UsageError(`cannot open ${JSON.stringify(path)}: ${why}`);
      }
      handles.push(handle);
      if ((await handle.stat()).isDirectory()) {
        throw new UsageError(`${JSON.stringify(path)} is a directory, not a file`);
      }
    }
  } catch (error) {
    await Promise.allSettled(handles.map((handle) => handle.close()));
    throw error;
  }
  return handles;
}

/**
 * Runs `hoptrace topology` with the arguments after the command name: opens every input first
 * (a missing file is a usage error before anything is read), streams them all through
 * `buildTopology`, and writes the chosen format to standard output, then to standard error a
 * warning when the records contradict the join mode (`modeWarning`).
 *
 * @returns the exit code: 0 done, 1 an input could not be read, 2 usage error (message on stderr).
 *
 * @example
 * ```ts
 * process.exitCode = await runTopologyCommand(['--format', 'json', 'gateway.log'], io);
 * ```
 */
export async function runTopologyCommand(args: readonly string[], io: CliIo): Promise<number> {
  let options: TopologyArguments;
  let handles: FileHandle[];
  try {
    options = parseTopologyArguments(args);
    if (options.help) {
      await writeOut(io.stdout, TOPOLOGY_HELP);
      return 0;
    }
    handles = await openInputs(options.paths);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`hoptrace topology: ${error.message}\nTry "hoptrace topology --help".\n`);
    return 2;
  }

  const files = [...handles];
  const inputs: TopologyInput[] = options.paths.map((path) => {
    if (path === '-') return readLineBatches(io.stdin);
    const handle = files.shift();
    if (handle === undefined) throw new Error('unreachable: one handle per file path');
    return readLineBatches(handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }));
  });
  try {
    const topology = await buildTopology(inputs, {
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      ...(options.joinWindowMs === undefined ? {} : { joinWindowMs: options.joinWindowMs }),
    });
    await writeOut(io.stdout, formatTopology(topology, options.format));
    // A warning, not a failure: the map is still printed, and the message names the fix.
    const warning = modeWarning(topology);
    if (warning !== undefined) io.stderr.write(`hoptrace topology: warning: ${warning}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`hoptrace topology: cannot read the input: ${message}\n`);
    return 1;
  } finally {
    await Promise.allSettled(handles.map((handle) => handle.close()));
  }
}
