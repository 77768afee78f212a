#!/usr/bin/env node
import { runCli } from './run-cli.js';

// Set by tsup from package.json at build time.
declare const HOPTRACE_VERSION: string | undefined;

// `hoptrace topology … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// No top-level await: tsup also builds this entry as CommonJS beside the library.
runCli(
  process.argv.slice(2),
  { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  typeof HOPTRACE_VERSION === 'string' ? HOPTRACE_VERSION : '0.0.0-dev',
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `hoptrace: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
