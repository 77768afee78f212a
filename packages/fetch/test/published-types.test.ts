// The published types must compile where the optional peers (undici, axios) are not installed
// (a TypeScript app with `skipLibCheck: false`): they may describe those libraries' shapes, never
// import them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const OPTIONAL_PEERS = ['undici', 'axios'];

describe('the published type declarations', () => {
  const files = readdirSync(dist).filter((name) => /\.d\.c?ts$/.test(name));

  it('exist for both module systems', () => {
    expect(files).toEqual(expect.arrayContaining(['index.d.ts', 'index.d.cts']));
  });

  it.each(OPTIONAL_PEERS)('import nothing from %s, an optional peer', (peer) => {
    const importOf = new RegExp(`(from|import\\()\\s*['"]${peer}(/[^'"]*)?['"]`);
    for (const file of files) {
      // The doc comments' examples import them, as a user would; the declarations may not.
      const code = readFileSync(join(dist, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line));
      expect(
        code.filter((line) => importOf.test(line)),
        file,
      ).toEqual([]);
    }
  });
});
