import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** A temporary folder of log files for one test file. */
export interface LogFolder {
  /** The folder itself (set once the tests start). */
  readonly path: string;
  /** Where `name` is, or would be, in the folder. */
  file(name: string): string;
  /** Writes `content` to `name` in the folder and returns its path. */
  write(name: string, content: string | Uint8Array): Promise<string>;
}

/**
 * A {@link LogFolder} under the system's temporary folder, made before the test file's tests
 * (before its own `beforeAll` hooks, when called first) and removed with everything in it after.
 */
export function logFolder(prefix: string): LogFolder {
  let path = '';
  beforeAll(async () => {
    path = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(path, { recursive: true, force: true });
  });
  const file = (name: string) => join(path, name);
  return {
    get path() {
      return path;
    },
    file,
    async write(name, content) {
      await writeFile(file(name), content);
      return file(name);
    },
  };
}
