import type { CliIo } from '../src/cli-io.js';

/** Standard input made of `chunks`. */
export async function* chunksOf(...chunks: string[]): AsyncGenerator<string> {
  for (const chunk of chunks) yield chunk;
}

/** In-memory standard streams for running a command in the test's process. */
export function memoryIo(stdin: AsyncIterable<string> = chunksOf()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdin,
    stdout: {
      write(text, callback) {
        out.push(text);
        callback();
      },
    },
    stderr: { write: (text: string) => err.push(text) },
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
