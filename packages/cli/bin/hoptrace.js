#!/usr/bin/env node
// The `hoptrace` command's entry. It is committed (the command itself is built into dist/) so
// that npm links it on install, before anything is built: npm skips a bin whose file is missing,
// and a fresh clone then answered `hoptrace: not found` even after building.
import('../dist/cli.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  process.stderr.write('hoptrace: not built yet; run `npm run build` at the repository root\n');
  process.exitCode = 1;
});
