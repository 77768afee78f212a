// docker-compose.yml validated on every test run, in a second: docker-compose must accept it, and
// every Dockerfile, build context and mounted config it names must exist. compose-up.test.mjs
// brings it up for real (minutes; .ci/run runs it once per run).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const composeFile = join(examples, 'docker-compose.yml');

async function hasDockerCompose() {
  try {
    await run('docker-compose', ['version']);
    return true;
  } catch {
    return false;
  }
}

describe('examples/docker-compose.yml', async () => {
  const available = await hasDockerCompose();
  if (!available && process.env.CI === 'true') {
    it('needs docker-compose under CI (apt-get install -y docker-compose)', () => {
      expect.fail('docker-compose is not installed');
    });
    return;
  }

  it.skipIf(!available)('is accepted by docker-compose config', async () => {
    const { stdout } = await run('docker-compose', ['-f', composeFile, 'config', '--services']);
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual([
      'gateway',
      'haproxy',
      'inventory',
      'legacy',
      'nginx',
      'orders-1',
      'orders-2',
      'pricing',
    ]);
  });

  it('names only files that exist', () => {
    const text = readFileSync(composeFile, 'utf8');
    const contexts = [...text.matchAll(/^\s+context:\s*(\S+)/gm)].map((match) => match[1]);
    expect(contexts.length).toBeGreaterThan(0);
    for (const context of contexts)
      expect(existsSync(resolve(examples, context)), context).toBe(true);
    const dockerfiles = [...text.matchAll(/^\s+dockerfile:\s*(\S+)/gm)].map((match) => match[1]);
    for (const dockerfile of dockerfiles) {
      const base = resolve(examples, contexts[0] ?? '.');
      expect(existsSync(resolve(base, dockerfile)), dockerfile).toBe(true);
    }
    const mounts = [...text.matchAll(/^\s+-\s*['"]?(\.\/[^:'"]+):/gm)].map((match) => match[1]);
    expect(mounts.length).toBeGreaterThan(0);
    for (const mount of mounts) expect(existsSync(resolve(examples, mount)), mount).toBe(true);
  });
});
