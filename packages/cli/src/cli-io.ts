/**
 * Where the command reads and writes: the process's standard streams in the `hoptrace` binary,
 * in-memory ones in tests.
 *
 * @example
 * ```ts
 * const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
 * ```
 */
export interface CliIo {
  /** Read when an input is `-`. */
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly stdout: { write(text: string, callback: (error?: Error | null) => void): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * Writes to a stream and waits until the text is handed to the system, so a large output is not
 * cut by the process exiting.
 *
 * @example
 * ```ts
 * await writeOut(io.stdout, 'done\n');
 * ```
 */
export function writeOut(stream: CliIo['stdout'], text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
