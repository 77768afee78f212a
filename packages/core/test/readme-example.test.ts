// The root README's node:http example, run as a user would paste it: its upstream is down, and
// the service must answer 502 with the request's ID and keep serving, not die of an unhandled
// rejection.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdRefusedPort, type RefusedPort } from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', '..', '..', 'README.md'), 'utf8');

/** The README's fenced block that builds a server with `hoptraceHandler`. */
function nodeHttpExample(): string {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const block = blocks.find((code) => code.includes('hoptraceHandler('));
  if (block === undefined) throw new Error('README has no hoptraceHandler example');
  return block;
}

let refused: RefusedPort;
let child: ChildProcess | undefined;
let port = 0;
// Beside the tests, so '@hoptrace/core' resolves as it does for a user's app.
const script = join(here, `.readme-example-${process.pid}.mjs`);

beforeAll(async () => {
  refused = await holdRefusedPort();
  const example = nodeHttpExample();
  const upstream = example.match(/'http:\/\/[^']*'/)?.[0];
  expect(upstream).toBeDefined();
  const runnable = example
    .replace(upstream as string, `'http://127.0.0.1:${refused.port}/items'`)
    .replace(
      '.listen(3000);',
      ".listen(0, '127.0.0.1', function () { console.log(this.address().port); });",
    );
  expect(runnable).not.toBe(example);
  writeFileSync(script, runnable);
  const started = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = started;
  port = await new Promise<number>((resolve, reject) => {
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    started.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    started.once('exit', (code) => reject(new Error(`example exited with ${code}: ${stderr}`)));
  });
});

afterAll(async () => {
  if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid);
  rmSync(script, { force: true });
  await refused.release();
});

describe("the README's node:http example", () => {
  it('answers 502 with the request ID when its upstream is down, and keeps serving', async () => {
    for (const id of ['readme-1', 'readme-2']) {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { 'x-request-id': id },
      });
      expect(response.status).toBe(502);
      expect(response.headers.get('x-request-id')).toBe(id);
      expect(await response.text()).toBe(`${id}: inventory unavailable`);
    }
    expect(child?.exitCode).toBeNull();
  });
});
