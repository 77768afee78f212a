// Runs the fixture services of the OpenTelemetry tests, each in its own process: OTel patches
// `http` and subscribes to undici's channels process-wide, so a service with OTel and one
// without cannot share a process. The fixtures are TypeScript importing this package's sources,
// so they are bundled once per test file with esbuild (CommonJS: the http instrumentation patches
// `require('http')`, which a plain ESM import would bypass) and started with child_process.fork.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import {
  type ChildMessage,
  CONFIG_VARIABLE,
  type ServiceConfig,
  type SpanRecord,
  type SpansRequest,
} from './fixtures/service-protocol.js';

/** Which fixture: `otel` runs the OTel SDK beside hoptrace, `hoptrace` runs hoptrace alone. */
export type ServiceKind = 'otel' | 'hoptrace';

/** A running fixture service. */
export interface ServiceProcess {
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Its finished OTel spans, once there are at least `expected` (a bounded wait). */
  spans(expected: number): Promise<readonly SpanRecord[]>;
  /** Ends the process now (`stopAll` would anyway). */
  stop(): Promise<void>;
}

/** The services of one test file; `stopAll()` in `afterAll` ends every process it started. */
export interface ServiceGroup {
  start(kind: ServiceKind, config: ServiceConfig): Promise<ServiceProcess>;
  stopAll(): Promise<void>;
}

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** Under the package's node_modules, so the bundles resolve their packages like the sources do. */
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
const ENTRY: Record<ServiceKind, string> = {
  otel: 'otel-service',
  hoptrace: 'hoptrace-service',
};
const START_TIMEOUT_MS = 15_000;
const ANSWER_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

async function bundle(): Promise<string> {
  await mkdir(CACHE, { recursive: true });
  const directory = await mkdtemp(join(CACHE, 'hoptrace-otel-fixtures-'));
  await build({
    entryPoints: Object.values(ENTRY).map((name) => join(FIXTURES, `${name}.ts`)),
    outdir: directory,
    // The package is `"type": "module"`: a `.js` bundle would be read as ESM.
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // Packages stay `require()`d from node_modules: OTel must patch the real `http`, and
    // @hoptrace/core must be the one copy the sources and the adapters share.
    packages: 'external',
    // The package says `"sideEffects": false`, which would drop `import './otel-setup.js'`.
    ignoreAnnotations: true,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return directory;
}

/** Resolves with what `wait` yields, or rejects after `timeoutMs`. */
function within<Value>(
  timeoutMs: number,
  what: string,
  wait: (resolve: (value: Value) => void, reject: (error: Error) => void) => () => void,
): Promise<Value> {
  return new Promise((resolve, reject) => {
    let cleanup = (): void => {};
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms: ${what}`));
    }, timeoutMs);
    cleanup = wait(
      (value) => {
        clearTimeout(timer);
        cleanup();
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        cleanup();
        reject(error);
      },
    );
  });
}

function onMessage<Type extends ChildMessage['type']>(
  child: ChildProcess,
  type: Type,
  output: () => string,
  timeoutMs: number,
): Promise<Extract<ChildMessage, { type: Type }>> {
  return within(timeoutMs, `"${type}" from the fixture\n${output()}`, (resolve, reject) => {
    const listener = (message: ChildMessage): void => {
      if (message.type === type) resolve(message as Extract<ChildMessage, { type: Type }>);
    };
    const exited = (code: number | null, signal: string | null): void =>
      reject(new Error(`fixture exited (${code ?? signal}) before "${type}"\n${output()}`));
    child.on('message', listener);
    child.on('exit', exited);
    return () => {
      child.off('message', listener);
      child.off('exit', exited);
    };
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * A group of fixture services. Bundles the fixtures on the first `start`; `stopAll()` kills every
 * process started (also those whose start failed) and removes the bundles.
 *
 * @example
 * ```ts
 * const services = serviceGroup();
 * afterAll(() => services.stopAll());
 * const a = await services.start('otel', { name: 'a', client: 'fetch', instrumentOutbound: true, mode: 'forward' });
 * ```
 */
export function serviceGroup(): ServiceGroup {
  const children = new Set<ChildProcess>();
  let bundled: Promise<string> | undefined;
  return {
    async start(kind, config) {
      bundled ??= bundle();
      const directory = await bundled;
      const child = fork(join(directory, `${ENTRY[kind]}.cjs`), [], {
        execArgv: ['--enable-source-maps'],
        env: { ...process.env, [CONFIG_VARIABLE]: JSON.stringify(config) },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      children.add(child);
      let output = '';
      const collect = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      const { port } = await onMessage(child, 'ready', () => output, START_TIMEOUT_MS);
      return {
        name: config.name,
        origin: `http://127.0.0.1:${port}`,
        async spans(expected) {
          const answer = onMessage(child, 'spans', () => output, ANSWER_TIMEOUT_MS);
          const request: SpansRequest = { type: 'spans', expected };
          child.send(request);
          return (await answer).spans;
        },
        stop: () => stop(child),
      };
    },
    async stopAll() {
      await Promise.all([...children].map(stop));
      children.clear();
      if (bundled !== undefined) {
        const directory = await bundled.catch(() => undefined);
        if (directory !== undefined) await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
