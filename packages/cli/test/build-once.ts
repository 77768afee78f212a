import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The end-to-end tests run dist/cli.js: build it from the current sources once per test run.
export default function setup(): void {
  const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
  const require = createRequire(import.meta.url);
  const tsupPackage = require.resolve('tsup/package.json');
  const tsupCli = join(dirname(tsupPackage), 'dist', 'cli-default.js');
  execFileSync(process.execPath, [tsupCli, '--silent'], { cwd: packageRoot, stdio: 'inherit' });
}
