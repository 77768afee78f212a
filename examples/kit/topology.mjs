// The example topology on this machine: the five services as child processes on loopback ports,
// behind real nginx and HAProxy when they are installed. `npm run demo` and the e2e tests start it
// the same way, so what the demo prints is what the tests check.
//
//   client → gateway → nginx → orders-1 | orders-2 ─┬→ HAProxy → inventory → pricing /cost
//                                                    ├→ HAProxy (h2) → inventory gRPC Reserve
//                                                    └→ pricing /price → legacy → pricing /cost
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, openSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const EXAMPLES = fileURLToPath(new URL('..', import.meta.url));
const NGINX_TEMPLATE = join(EXAMPLES, 'lb', 'nginx.conf.template');
const HAPROXY_CONFIG = join(EXAMPLES, 'lb', 'haproxy.cfg');
const HOST = '127.0.0.1';
const INSTALL_COMMAND = 'apt-get install -y nginx-light haproxy';
/** How long a process may take to report its port (a service) or to answer /health (an LB). */
const START_TIMEOUT_MS = 15_000;
/** How long stop() waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 3_000;
/** How many lines of a process's output an error message quotes. */
const OUTPUT_TAIL_LINES = 20;
/** Debian and most distributions install both load balancers in sbin, often not on a user's PATH. */
const SBIN_DIRECTORIES = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
/**
 * The environment variables that replace the search for a load balancer: a path to its binary,
 * or `none` to run as if it were not installed (how the e2e tests' degraded path is tried on a
 * machine that has both).
 */
const BINARY_VARIABLES = { nginx: 'HOPTRACE_EXAMPLES_NGINX', haproxy: 'HOPTRACE_EXAMPLES_HAPROXY' };

/**
 * Every process any topology of this runner has started and not yet seen exit, and every temp
 * directory not yet removed: what the exit and signal hooks clean up when stop() never ran.
 */
const liveProcesses = new Set();
const liveDirectories = new Set();
let hooksInstalled = false;

/**
 * Starts the topology on 127.0.0.1 and resolves once every process answers.
 *
 * @param {object} [options]
 * @param {'child' | 'forward'} [options.mode] HOPTRACE_MODE of every service. Default `'child'`.
 * @param {'forward' | 'per-call'} [options.outboundRequestId] HOPTRACE_OUTBOUND_ID of every
 *   service: one request ID per chain (default) or one per request/response pair.
 * @param {boolean} [options.observe] every service logs an observation record per
 *   request/response pair (HOPTRACE_OBSERVE=1), for `hoptrace topology`. Default false.
 * @param {'auto' | 'required'} [options.loadBalancers] `'auto'` (default) runs nginx and HAProxy
 *   when their binaries are found, and otherwise makes that hop a direct call (and logs so);
 *   `'required'` rejects when one is missing. `HOPTRACE_EXAMPLES_NGINX` and
 *   `HOPTRACE_EXAMPLES_HAPROXY` in the environment name the binaries instead of the search
 *   (PATH, then sbin), or `none` to run as if that one were not installed.
 * @param {string} [options.diagnosticsToken] HOPTRACE_DIAG_TOKEN of every service, which turns
 *   diagnostic tracing on (`hoptrace trace`). Default: a random one per run, on the handle as
 *   `diagnosticsToken`.
 * @param {(line: string) => void} [options.log] receives one progress line per step. Default none.
 * @returns {Promise<Topology>}
 *
 * @typedef {object} Topology
 * @property {string} gatewayUrl base URL of the gateway, e.g. `http://127.0.0.1:40123`
 * @property {string | null} nginxUrl base URL of nginx (null when it is not running)
 * @property {string | null} haproxyUrl base URL of HAProxy (null when it is not running)
 * @property {Record<string, string>} urls base URL of every process, by name
 * @property {{ inventory: string, haproxy?: string }} grpcTargets `host:port` of inventory's gRPC
 *   server and of HAProxy's HTTP/2 listener in front of it (absent when HAProxy is not running)
 * @property {'child' | 'forward'} mode
 * @property {{ nginx: boolean, haproxy: boolean }} loadBalancers which ones really run
 * @property {object[]} logs every JSON line the five services wrote, parsed, in arrival order;
 *   each carries `service` (the instance name, e.g. `orders-2`)
 * @property {object[]} loadBalancerLogs the JSON access log lines of nginx and HAProxy (`service`
 *   `nginx` or `haproxy`), kept apart so `logs` has one request line per service hop
 * @property {Map<string, import('node:child_process').ChildProcess>} processes by name: legacy,
 *   pricing, inventory, haproxy, orders-1, orders-2, nginx, gateway
 * @property {(predicate: (line: object) => boolean, timeoutMs?: number) => Promise<object>}
 *   waitForLog resolves with the first log line (already there or still to come) matching
 *   `predicate`; rejects after `timeoutMs` (default 5000)
 * @property {(name: string) => Promise<void>} kill SIGKILLs one process (nginx and HAProxy with
 *   their workers); resolves once it is gone
 * @property {() => Promise<void>} stop SIGTERM to all, SIGKILL after 3 s, temp dirs removed;
 *   idempotent
 */
export async function startTopology(options = {}) {
  const {
    mode = 'child',
    outboundRequestId = 'forward',
    observe = false,
    loadBalancers = 'auto',
    // Diagnostic tracing is on in every run: `hoptrace trace --token <this>` follows a request.
    // Hex, not base64url: a token starting with "-" (1 run in 64) is taken by the command line
    // for an option ("--token argument is ambiguous"), which failed the demo.
    diagnosticsToken = randomBytes(24).toString('hex'),
    log = () => {},
  } = options;
  if (mode !== 'child' && mode !== 'forward') {
    throw new TypeError(`startTopology: options.mode must be 'child' or 'forward', got ${mode}`);
  }
  if (outboundRequestId !== 'forward' && outboundRequestId !== 'per-call') {
    throw new TypeError(
      `startTopology: options.outboundRequestId must be 'forward' or 'per-call', got ${outboundRequestId}`,
    );
  }
  if (loadBalancers !== 'auto' && loadBalancers !== 'required') {
    throw new TypeError(
      `startTopology: options.loadBalancers must be 'auto' or 'required', got ${loadBalancers}`,
    );
  }
  if (typeof log !== 'function')
    throw new TypeError('startTopology: options.log must be a function');

  const binaries = { nginx: findBinary('nginx'), haproxy: findBinary('haproxy') };
  const missing = Object.keys(binaries).filter((name) => binaries[name] === null);
  if (missing.length > 0 && loadBalancers === 'required') {
    const where = missing.map((name) => lookupOf(name)).join('; ');
    throw new Error(
      `startTopology: loadBalancers is 'required' but ${missing.join(' and ')} ${missing.length > 1 ? 'were' : 'was'} not found (${where}). Install: ${INSTALL_COMMAND}`,
    );
  }

  const topology = new TopologyRun(mode, log, {
    HOPTRACE_OUTBOUND_ID: outboundRequestId,
    HOPTRACE_OBSERVE: observe === true ? '1' : '0',
    HOPTRACE_DIAG_TOKEN: diagnosticsToken,
  });
  try {
    await topology.start(binaries);
  } catch (error) {
    await topology.stop();
    throw error;
  }
  return topology.handle();
}

class TopologyRun {
  constructor(mode, log, serviceEnvironment) {
    this.mode = mode;
    this.serviceEnvironment = serviceEnvironment;
    this.log = log;
    this.logs = [];
    this.loadBalancerLogs = [];
    this.logWaiters = new Set();
    /** @type {Map<string, import('node:child_process').ChildProcess>} */
    this.processes = new Map();
    this.urls = {};
    /** `host:port` of the gRPC servers: inventory's, and HAProxy's h2 listener in front of it. */
    this.grpcTargets = {};
    this.directories = [];
    this.loadBalancers = { nginx: false, haproxy: false };
    this.stopping = undefined;
  }

  async start(binaries) {
    installHooks();

    // legacy and pricing call each other, so one of them needs its URL before it runs: pricing
    // gets a port reserved up front (and both start again on a fresh one if that port was taken).
    await retryOnBindFailure(async () => {
      const pricingPort = await reservePort();
      const pricingUrl = `http://${HOST}:${pricingPort}`;
      try {
        await this.startService('legacy', 'legacy', { PRICING_URL: pricingUrl });
        await this.startService('pricing', 'pricing', {
          PORT: String(pricingPort),
          LEGACY_URL: this.urls.legacy,
        });
      } catch (error) {
        await Promise.all(['legacy', 'pricing'].map((name) => this.forget(name)));
        throw error;
      }
    });
    await this.startService('inventory', 'inventory', { PRICING_URL: this.urls.pricing });

    let inventoryUrl = this.urls.inventory;
    let inventoryGrpc = this.grpcTargets.inventory;
    if (binaries.haproxy === null) {
      this.log('HAProxy not found: orders call inventory directly (HTTP and gRPC)');
    } else {
      inventoryUrl = await this.startHaproxy(binaries.haproxy);
      inventoryGrpc = this.grpcTargets.haproxy;
    }

    const ordersEnvironment = {
      INVENTORY_URL: inventoryUrl,
      INVENTORY_GRPC_TARGET: inventoryGrpc,
      PRICING_URL: this.urls.pricing,
    };
    await Promise.all(
      ['orders-1', 'orders-2'].map((name) =>
        this.startService(name, 'orders', { ...ordersEnvironment, SERVICE_NAME: name }),
      ),
    );

    let ordersUrl = this.urls['orders-1'];
    if (binaries.nginx === null) {
      this.log('nginx not found: the gateway calls orders-1 directly (orders-2 stays idle)');
    } else {
      ordersUrl = await this.startNginx(binaries.nginx);
    }

    await this.startService('gateway', 'gateway', { ORDERS_URL: ordersUrl });
  }

  /** Runs `node examples/<directory>/server.mjs` and waits for its `listening` line. */
  async startService(name, directory, environment) {
    const child = this.spawn(name, process.execPath, [join(EXAMPLES, directory, 'server.mjs')], {
      environment: {
        HOST,
        PORT: '0',
        SERVICE_NAME: name,
        HOPTRACE_MODE: this.mode,
        ...this.serviceEnvironment,
        ...environment,
      },
    });
    const port = await new Promise((resolve, reject) => {
      const settle = this.watchStartup(child, name, reject);
      child.onJsonLine = (line) => {
        if (line.msg === 'listening' && Number.isInteger(line.port)) {
          settle();
          // inventory names its gRPC port on the same line.
          if (Number.isInteger(line.grpcPort)) this.grpcTargets[name] = `${HOST}:${line.grpcPort}`;
          resolve(line.port);
        }
      };
    });
    child.onJsonLine = undefined;
    this.urls[name] = `http://${HOST}:${port}`;
    const grpc = this.grpcTargets[name] === undefined ? '' : `, gRPC on ${this.grpcTargets[name]}`;
    this.log(`${name} listening on ${this.urls[name]}${grpc}`);
  }

  /** HAProxy in front of inventory; resolves to its URL once /health answers through it. */
  async startHaproxy(binary) {
    const url = await retryOnBindFailure(async () => {
      const port = await reservePort();
      const grpcPort = await reservePort();
      // haproxy.cfg reads these from its environment ("${NAME}" in the file).
      const child = this.spawn('haproxy', binary, ['-f', HAPROXY_CONFIG, '-db'], {
        environment: {
          HAPROXY_BIND: HOST,
          HAPROXY_PORT: String(port),
          HAPROXY_GRPC_PORT: String(grpcPort),
          INVENTORY_ADDR: addressOf(this.urls.inventory),
          INVENTORY_GRPC_ADDR: this.grpcTargets.inventory,
        },
        logs: this.loadBalancerLogs,
      });
      // Both ports are bound before HAProxy serves either: /health answering means both are up.
      this.grpcTargets.haproxy = `${HOST}:${grpcPort}`;
      return this.waitForHealth('haproxy', child, `http://${HOST}:${port}`, (headers) =>
        String(headers.via ?? '').includes('haproxy'),
      );
    });
    this.loadBalancers.haproxy = true;
    this.urls.haproxy = url;
    this.log(`haproxy listening on ${url} → inventory, gRPC on ${this.grpcTargets.haproxy}`);
    return url;
  }

  /** nginx over both orders instances; resolves to its URL once /health answers through it. */
  async startNginx(binary) {
    const directory = await mkdtemp(join(tmpdir(), 'hoptrace-nginx-'));
    this.directories.push(directory);
    liveDirectories.add(directory);
    const template = await readFile(NGINX_TEMPLATE, 'utf8');
    const url = await retryOnBindFailure(async () => {
      const port = await reservePort();
      const configuration = render(template, NGINX_TEMPLATE, {
        NGINX_PORT: `${HOST}:${port}`,
        ORDERS_1: addressOf(this.urls['orders-1']),
        ORDERS_2: addressOf(this.urls['orders-2']),
      });
      await writeFile(join(directory, 'nginx.conf'), configuration);
      // -p: the template's relative paths (pid, temp dirs) land in the temp dir; -e: errors met
      // before the template's error_log is read go to stderr, not to the build's log file;
      // daemon off: nginx stays our child, so we see it exit and can stop it.
      const child = this.spawn(
        'nginx',
        binary,
        ['-p', directory, '-c', join(directory, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'],
        { logs: this.loadBalancerLogs, stdoutFifo: join(directory, `stdout-${port}.fifo`) },
      );
      return this.waitForHealth('nginx', child, `http://${HOST}:${port}`, (headers) =>
        String(headers.server ?? '').startsWith('nginx'),
      );
    });
    this.loadBalancers.nginx = true;
    this.urls.nginx = url;
    this.log(`nginx listening on ${url} → orders-1, orders-2`);
    return url;
  }

  /**
   * Starts a process in a process group of its own, so stopping it also stops whatever it forked
   * (nginx's workers), and collects its JSON stdout lines into `logs`.
   *
   * `stdoutFifo` (a path) gives the process a named pipe as stdout instead of Node's usual
   * socketpair: nginx opens `access_log /dev/stdout` by name, and open() of a socket's
   * /proc/self/fd entry fails with ENXIO.
   */
  spawn(name, command, args, { environment = {}, logs = this.logs, stdoutFifo } = {}) {
    let stdout = 'pipe';
    let fifoReader;
    if (stdoutFifo !== undefined) {
      execFileSync('mkfifo', ['-m', '600', stdoutFifo]);
      // Non-blocking, so opening the read end does not wait for a writer.
      const readEnd = openSync(stdoutFifo, constants.O_RDONLY | constants.O_NONBLOCK);
      fifoReader = new Socket({ fd: readEnd, readable: true, writable: false });
      stdout = openSync(stdoutFifo, constants.O_WRONLY);
    }
    const child = spawn(command, args, {
      env: { ...process.env, ...environment },
      stdio: ['ignore', stdout, 'pipe'],
      detached: true,
    });
    // The child has its copy; ours would keep the reader from ever seeing the end.
    if (typeof stdout === 'number') closeSync(stdout);
    child.stdoutStream = fifoReader ?? child.stdout;
    child.outputTail = [];
    this.processes.set(name, child);
    liveProcesses.add(child);
    child.once('exit', (code, signal) => {
      liveProcesses.delete(child);
      if (this.stopping === undefined && !child.killedOnPurpose && child.started) {
        this.log(`${name} exited unexpectedly (${signal ?? `code ${code}`})`);
      }
    });
    // A spawn failure (the binary vanished) must not become an uncaught 'error' event.
    child.once('error', () => liveProcesses.delete(child));

    const keep = (line) => {
      child.outputTail.push(line);
      if (child.outputTail.length > OUTPUT_TAIL_LINES) child.outputTail.shift();
    };
    createInterface({ input: child.stdoutStream, crlfDelay: Number.POSITIVE_INFINITY }).on(
      'line',
      (text) => {
        keep(text);
        const line = parseJsonObject(text);
        if (line === undefined) return;
        const entry = { service: name, ...line };
        logs.push(entry);
        child.onJsonLine?.(entry);
        if (logs === this.logs) for (const waiter of this.logWaiters) waiter(entry);
      },
    );
    createInterface({ input: child.stderr, crlfDelay: Number.POSITIVE_INFINITY }).on('line', keep);
    return child;
  }

  /**
   * Rejects through `reject` when `child` fails to start (spawn error, exit, or no report within
   * 15 s), quoting its last output lines. Returns the function that ends the watch once started.
   */
  watchStartup(child, name, reject) {
    let settled = false;
    const fail = async (reason) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The last lines may still be in the pipe when 'exit' fires.
      await Promise.race([
        Promise.all([endOf(child.stdoutStream), endOf(child.stderr)]),
        delay(500),
      ]);
      const output = child.outputTail.join('\n') || '(no output)';
      const error = new Error(`${name} ${reason}. Its last output:\n${output}`);
      error.bindFailed = /EADDRINUSE|address already in use|cannot bind/i.test(output);
      reject(error);
    };
    const timer = setTimeout(() => {
      signalGroup(child, 'SIGKILL');
      fail(`did not start within ${START_TIMEOUT_MS / 1000} s`);
    }, START_TIMEOUT_MS);
    const onExit = (code, signal) => fail(`exited (${signal ?? `code ${code}`}) while starting`);
    const onError = (error) => fail(`could not be run: ${error.message}`);
    child.once('exit', onExit);
    child.once('error', onError);
    return () => {
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.started = true;
    };
  }

  /**
   * Polls `GET <url>/health` until it answers 200 through the load balancer (`answeredBy` checks
   * its mark on the response), within 15 s and while `child` runs. The mark matters: the port was
   * reserved and let go (see reservePort), and when a service of another topology started in
   * parallel took it first, the load balancer fails to bind while that service answers /health.
   */
  waitForHealth(name, child, url, answeredBy) {
    return new Promise((resolve, reject) => {
      const settle = this.watchStartup(child, name, reject);
      let finished = false;
      child.once('exit', () => {
        finished = true;
      });
      const poll = async () => {
        while (!finished && child.exitCode === null && child.signalCode === null) {
          const response = await probe(`${url}/health`);
          if (response.status === 200 && answeredBy(response.headers)) {
            finished = true;
            settle();
            resolve(url);
            return;
          }
          await delay(50);
        }
      };
      poll();
      // watchStartup's timeout kills the process, which ends the loop.
    });
  }

  /** Kills a process that failed to start and drops it from the handle. */
  async forget(name) {
    const child = this.processes.get(name);
    if (child === undefined) return;
    child.killedOnPurpose = true;
    await terminate([child], 'SIGKILL', 1000);
    this.processes.delete(name);
    delete this.urls[name];
  }

  async kill(name) {
    const child = this.processes.get(name);
    if (child === undefined) {
      throw new Error(
        `kill: no process named ${name} (there are: ${[...this.processes.keys()].join(', ')})`,
      );
    }
    child.killedOnPurpose = true;
    await terminate([child], 'SIGKILL', 2000);
  }

  waitForLog(predicate, timeoutMs = 5000) {
    const found = this.logs.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = (line) => {
        if (!predicate(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`waitForLog: no matching log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.logWaiters.delete(waiter);
      };
      this.logWaiters.add(waiter);
    });
  }

  stop() {
    this.stopping ??= (async () => {
      const children = [...this.processes.values()];
      const left = await terminate(children, 'SIGTERM', STOP_GRACE_MS);
      await terminate(left, 'SIGKILL', 1000);
      for (const directory of this.directories) {
        rmSync(directory, { recursive: true, force: true });
        liveDirectories.delete(directory);
      }
      if (liveProcesses.size === 0 && liveDirectories.size === 0) removeHooks();
    })();
    return this.stopping;
  }

  handle() {
    return {
      gatewayUrl: this.urls.gateway,
      nginxUrl: this.urls.nginx ?? null,
      haproxyUrl: this.urls.haproxy ?? null,
      urls: { ...this.urls },
      grpcTargets: { ...this.grpcTargets },
      mode: this.mode,
      diagnosticsToken: this.serviceEnvironment.HOPTRACE_DIAG_TOKEN,
      loadBalancers: { ...this.loadBalancers },
      logs: this.logs,
      loadBalancerLogs: this.loadBalancerLogs,
      processes: this.processes,
      waitForLog: (predicate, timeoutMs) => this.waitForLog(predicate, timeoutMs),
      kill: (name) => this.kill(name),
      stop: () => this.stop(),
    };
  }
}

/**
 * Sends `signal` to each running child's process group and waits up to `timeoutMs` for them to
 * exit. Resolves to the children still running.
 */
async function terminate(children, signal, timeoutMs) {
  const running = children.filter(isRunning);
  for (const child of running) signalGroup(child, signal);
  await Promise.race([Promise.all(running.map((child) => exitOf(child))), delay(timeoutMs)]);
  return running.filter(isRunning);
}

function isRunning(child) {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

function signalGroup(child, signal) {
  if (!isRunning(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone, or the child never got one: signal it alone.
    try {
      child.kill(signal);
    } catch {}
  }
}

function exitOf(child) {
  return isRunning(child) ? new Promise((resolve) => child.once('exit', resolve)) : undefined;
}

function endOf(stream) {
  return stream.readableEnded ? undefined : new Promise((resolve) => stream.once('close', resolve));
}

/**
 * What runs when stop() did not: SIGKILL every process group still alive (synchronous, so it
 * also works in an 'exit' listener) and remove the temp directories.
 */
function cleanUpNow() {
  for (const child of liveProcesses) signalGroup(child, 'SIGKILL');
  for (const directory of liveDirectories) rmSync(directory, { recursive: true, force: true });
  liveProcesses.clear();
  liveDirectories.clear();
}

function onSignal(signal) {
  cleanUpNow();
  removeHooks();
  // With our listener gone and nobody else listening, the signal's default action ends the
  // process as it would have without us; a parent with its own handler already ran it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanUpNow);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function removeHooks() {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.off('exit', cleanUpNow);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/**
 * nginx and HAProxy cannot listen on port 0 and tell us the port, so one is reserved: a throwaway
 * server takes a free one and lets it go. Another process may grab it in between, hence the retry.
 */
function reservePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs `start` again once when it failed because its reserved port was taken meanwhile. */
async function retryOnBindFailure(start) {
  try {
    return await start();
  } catch (error) {
    if (!error.bindFailed) throw error;
    return start();
  }
}

/** Replaces every `${NAME}` (upper case, as in envsubst templates) and leaves nginx's `$vars`. */
function render(template, path, variables) {
  const unknown = new Set();
  const text = template.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (match, name) => {
    if (Object.hasOwn(variables, name)) return variables[name];
    unknown.add(name);
    return match;
  });
  if (unknown.size > 0) {
    throw new Error(
      `${path} uses ${[...unknown].map((name) => `\${${name}}`).join(', ')}, which the runner does not set (it sets ${Object.keys(variables).join(', ')})`,
    );
  }
  return text;
}

/**
 * The path of load balancer `name`, or `null` when it is not there. `HOPTRACE_EXAMPLES_NGINX` /
 * `HOPTRACE_EXAMPLES_HAPROXY` replace the search: a path (which must be executable), or `none`.
 * Otherwise PATH, then the sbin directories.
 */
function findBinary(name) {
  const override = process.env[BINARY_VARIABLES[name]];
  if (override === 'none') return null;
  if (override !== undefined && override !== '') {
    try {
      accessSync(override, constants.X_OK);
    } catch {
      throw new Error(
        `startTopology: ${BINARY_VARIABLES[name]} must be the path of an executable ${name} or "none", got ${JSON.stringify(override)}`,
      );
    }
    return override;
  }
  const directories = [...(process.env.PATH ?? '').split(delimiter), ...SBIN_DIRECTORIES];
  for (const directory of directories) {
    if (directory === '') continue;
    const path = join(directory, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return null;
}

/** Where `findBinary(name)` looked, for the error that names a missing load balancer. */
function lookupOf(name) {
  const variable = BINARY_VARIABLES[name];
  return process.env[variable] === 'none'
    ? `${variable}=none`
    : `not on PATH or in ${SBIN_DIRECTORIES.join(', ')}`;
}

/** `host:port` of a base URL, as nginx's `server` and HAProxy's `server` lines want it. */
function addressOf(url) {
  return new URL(url).host;
}

/** `GET url`: its status and headers, or status 0 when there is no answer within a second. */
function probe(url) {
  return new Promise((resolve) => {
    const request = httpGet(url, { agent: false, timeout: 1000 }, (response) => {
      response.resume();
      resolve({ status: response.statusCode, headers: response.headers });
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve({ status: 0, headers: {} }));
  });
}

function parseJsonObject(text) {
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function delay(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
