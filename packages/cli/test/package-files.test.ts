// What the published tarball holds and where npm points the command: a fresh clone links the
// bin at install time, before dist/ exists, so the bin must be a file of the repository.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

interface PackManifest {
  readonly bin: Readonly<Record<string, string>>;
}

describe('the hoptrace package', () => {
  it('names a committed, executable bin file', () => {
    const manifest = JSON.parse(
      readFileSync(join(packageRoot, 'package.json'), 'utf8'),
    ) as PackManifest;
    const bin = manifest.bin.hoptrace ?? '';
    expect(bin.startsWith('./dist/')).toBe(false);
    const file = join(packageRoot, bin);
    expect(statSync(file).mode & 0o111).not.toBe(0);
    expect(readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const tracked = execFileSync('git', ['ls-files', '--error-unmatch', bin], {
      cwd: packageRoot,
      encoding: 'utf8',
    });
    expect(tracked.trim()).toBe(bin.replace(/^\.\//, ''));
  });

  it('packs the bin and the ESM command, not an unused CommonJS copy', () => {
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: packageRoot,
        encoding: 'utf8',
      }),
    ) as [{ files: { path: string }[] }];
    const files = pack.files.map((file) => file.path);
    expect(files).toContain('bin/hoptrace.js');
    expect(files).toContain('dist/cli.js');
    expect(
      files.filter((path) => path.startsWith('dist/cli.') && path !== 'dist/cli.js.map'),
    ).toEqual(['dist/cli.js']);
  });
});
