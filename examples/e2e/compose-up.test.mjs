// docker-compose.yml brought up for real: examples/compose/check.sh builds the images (local
// stand-ins for the base images where they cannot be pulled), starts the topology, sends it the
// demo's requests, checks every hop's answer and log line and a diagnostic trace, and tears it
// down. Minutes, not seconds: it runs only with HOPTRACE_COMPOSE_UP=1, which .ci/run sets for one
// step after the Node 20 tests (so not again on Node 24). Under CI=true a missing engine fails it.
import { execFile, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const checkScript = join(examples, 'compose', 'check.sh');
const INSTALL = 'apt-get install docker.io debootstrap docker-compose';
/** check.sh bounds itself at 30 minutes (a first build here takes about 5); this is the backstop. */
const TIMEOUT_MS = 35 * 60_000;

async function succeeds(command, args) {
  try {
    await run(command, args, { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** What is missing for check.sh, or undefined: an engine (running, or dockerd and root) and compose. */
async function missingEngine() {
  if (!(await succeeds('docker', ['--version']))) return 'no docker command';
  const running = await succeeds('docker', ['info']);
  if (!running) {
    if (!(await succeeds('sh', ['-c', 'command -v dockerd'])))
      return 'no Docker engine running and no dockerd';
    if (process.getuid?.() !== 0)
      return 'no Docker engine running, and starting dockerd needs root';
  }
  const compose =
    (await succeeds('docker', ['compose', 'version'])) ||
    (await succeeds('docker-compose', ['version']));
  if (!compose) return "neither 'docker compose' nor docker-compose";
  return undefined;
}

/** Runs check.sh; resolves to its exit code and everything it printed. */
function runCheck() {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [checkScript], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // SIGTERM to the script only: its trap tears the topology down and stops dockerd.
    const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? signal, output });
    });
  });
}

describe('docker compose up, for real (examples/compose/check.sh)', async () => {
  if (process.env.HOPTRACE_COMPOSE_UP !== '1') {
    it.skip(`runs with HOPTRACE_COMPOSE_UP=1 (needs a Docker engine: ${INSTALL})`, () => {});
    return;
  }
  const missing = await missingEngine();
  if (missing !== undefined) {
    if (process.env.CI === 'true') {
      it(`needs a Docker engine under CI (${INSTALL})`, () => {
        expect.fail(`${missing}: ${INSTALL}`);
      });
    } else {
      it.skip(`needs a Docker engine (${missing}): ${INSTALL}`, () => {});
    }
    return;
  }

  it(
    'builds, starts, answers the demo requests with unbroken IDs up to legacy, and goes down',
    async () => {
      const { code, output } = await runCheck();
      console.log(output);
      expect(code, `check.sh failed:\n${output.slice(-6000)}`).toBe(0);
      expect(output).toContain('every check passed');
      expect(output).toMatch(/down --rmi local -v: \d+s/);
    },
    TIMEOUT_MS + 60_000,
  );
});
