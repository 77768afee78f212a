// HTTP overhead benchmark: bare hello-world against the same app with hoptrace, cls-rtracer and a
// hand-written AsyncLocalStorage middleware (the floor), plus a bare-vs-bare control, per
// framework. Method (../../shared/notes/benchmarking.md): each window loads the bare server and
// one contender at the same time, both pinned to core 0 with the load generator on core 1, so the
// machine's slow and fast phases hit both alike; the start order alternates; the ratio is taken
// per window and the median reported. Loopback only, bounded in windows and seconds.
//
// Every thread of a server is pinned (`taskset -a`): otherwise V8's GC and compiler threads stay
// on the load generator's core, and how fast a server collects garbage depends on how busy that
// core is.
//
// LOAD=wrk drives the same windows with wrk (C; `apt-get install wrk`) instead of autocannon.
// autocannon, itself a Node process, keeps core 1 about 95% busy at these rates; wrk does not.
// On 2026-12-03 both gave the same ranking and gaps (../README.md); say which one a number comes
// from.
//
// Usage: node bench/http/run.mjs [express|koa|fastify ...]
//        node bench/http/run.mjs two-hop [fetch|http|axios ...]
//   ROUNDS=3 WINDOW_S=5 CONNECTIONS=16 CONTENDERS=bare-control,als-floor,hoptrace,hoptrace-trace,cls-rtracer
//   LOAD=autocannon|wrk WARMUP=1 (warm-up windows per server, each alone)
//   WINDOW_WARMUP_S=0 (unmeasured seconds of load on both servers before each window)
//   BASELINE=bare (what every contender is raced against; BASELINE=cls-rtracer CONTENDERS=hoptrace
//   races the two directly, one ratio per window instead of two from different windows)
//
// `run.mjs two-hop [fetch|http|axios ...]` races edges that call a backend instead of
// hello-worlds (two-hop.mjs; the clients the edges call it with, all three by default). The backend (backend.mjs) is pinned with the load
// generator on core 1 and checks the propagated headers of every call; a failed request in any
// window stops the run with the backend's reason instead of reporting a ratio.
import { execFile, execFileSync, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { TWO_HOP_CONTENDERS, twoHopClients } from './two-hop.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const WINDOW_S = Number(process.env.WINDOW_S ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const TWO_HOP = process.argv[2] === 'two-hop';
const ARGUMENTS = process.argv.slice(TWO_HOP ? 3 : 2);
const FRAMEWORKS =
  ARGUMENTS.length > 0 ? ARGUMENTS : TWO_HOP ? twoHopClients() : ['express', 'koa', 'fastify'];
const WARMUP_WINDOWS = Number(process.env.WARMUP ?? 1);
// Seconds of unmeasured load on both servers before each window. A contender is loaded in one
// window out of every CONTENDERS.length, the baseline in all of them, so without it each window
// starts a contender from idle: the A/A control then shows about -2% for that alone.
const WINDOW_WARMUP_S = Number(process.env.WINDOW_WARMUP_S ?? 0);
const LOAD = process.env.LOAD ?? 'autocannon';
if (LOAD !== 'autocannon' && LOAD !== 'wrk')
  throw new Error(`LOAD must be autocannon or wrk, not ${LOAD}`);
if (LOAD === 'wrk') {
  // Checked before any server starts: a missing wrk otherwise surfaces as ENOENT from the first
  // window, after the warm-up.
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    // wrk --version prints its version and exits 1; only a missing binary is an error here.
    if (error.code === 'ENOENT')
      throw new Error('LOAD=wrk needs wrk on the PATH (apt-get install -y wrk)');
  }
}
const CONTENDERS = process.env.CONTENDERS?.split(',');
const BASELINE = process.env.BASELINE ?? 'bare';
if (CONTENDERS?.includes(BASELINE))
  throw new Error(`BASELINE ${BASELINE} is raced against CONTENDERS; leave it out of them`);
/** The contenders raced on `framework`: CONTENDERS, or each scenario's default, less what it lacks. */
function contendersFor(framework) {
  if (!TWO_HOP)
    return CONTENDERS ?? ['bare-control', 'als-floor', 'hoptrace', 'hoptrace-trace', 'cls-rtracer'];
  const known = TWO_HOP_CONTENDERS[framework] ?? [];
  return CONTENDERS?.filter((variant) => known.includes(variant)) ?? known;
}
const serverScript = fileURLToPath(new URL('./server.mjs', import.meta.url));
const backendScript = fileURLToPath(new URL('./backend.mjs', import.meta.url));

/** Every process this run forks, stopped by its pid when the run ends, however it ends. */
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill();
});

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (hasTaskset)
  execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
else console.warn('taskset not found: servers and load share both cores; ratios will be noisier');

/**
 * Forks `script` with `args`, pins all its threads to `core` once it reports its port, and
 * resolves to the server; `init`, when given, is sent to it first.
 */
function startProcess(script, args, { core, init }) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    child.once('message', ({ port, pid }) => {
      if (hasTaskset)
        execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], {
          stdio: 'ignore',
        });
      resolve({ variant: args[1], port, pid, child });
    });
    child.once('exit', (code) => reject(new Error(`${args.join('/')} exited with ${code}`)));
    if (init !== undefined) child.send(init);
  });
}

/** A server of `framework` and `variant`; with `backendOrigin`, the two-hop edge calling it. */
function startServer(framework, variant, backendOrigin) {
  const args = [framework, variant, ...(backendOrigin === undefined ? [] : [backendOrigin])];
  return startProcess(serverScript, args, { core: 0 });
}

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/** What a mesh sends: x-request-id and B3 multi, fresh per request from a pool of 256. */
const headerPool = Array.from({ length: 256 }, () => ({
  'x-request-id': randomUUID(),
  'x-b3-traceid': randomBytes(16).toString('hex'),
  'x-b3-spanid': randomBytes(8).toString('hex'),
  'x-b3-parentspanid': randomBytes(8).toString('hex'),
  'x-b3-sampled': '1',
}));

/** Server CPU time per request since `before` (clock ticks of 10 ms), in microseconds. */
function cpuMicrosPerRequest(pid, before, requests) {
  return requests === 0 ? 0 : ((cpuTicks(pid) - before) * 10_000) / requests;
}

const wrkScript = fileURLToPath(new URL('./mesh-headers.lua', import.meta.url));

/** wrk's latency figure ("12.34ms", "870.00us", "1.02s") in milliseconds. */
function wrkMillis(text) {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text ?? '');
  if (match === null) return Number.NaN;
  const scale = { us: 0.001, ms: 1, s: 1000 }[match[2]];
  return Number(match[1]) * scale;
}

function loadWithWrk(server, seconds) {
  const before = cpuTicks(server.pid);
  const url = `http://127.0.0.1:${server.port}/`;
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', wrkScript, url];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (seconds + 30) * 1000 }, (error, output) => {
      if (error) return reject(error);
      const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? 0);
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/
        .exec(output)
        ?.slice(1)
        .reduce((sum, count) => sum + Number(count), 0);
      resolve({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0),
        p99: wrkMillis(/^\s+99%\s+(\S+)/m.exec(output)?.[1]),
        errors:
          (socketErrors ?? 0) + Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
        cpuMicrosPerRequest: cpuMicrosPerRequest(server.pid, before, requests),
      });
    });
  });
}

/** Loads `server` for `seconds` (default: a window) and resolves to its rate, p99 and CPU use. */
function load(server, seconds = WINDOW_S) {
  if (LOAD === 'wrk') return loadWithWrk(server, seconds);
  let next = 0;
  const before = cpuTicks(server.pid);
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${server.port}/`,
        connections: CONNECTIONS,
        duration: seconds,
        // Bounded in count as well as time: far above any rate these servers reach.
        maxOverallRequests: Math.max(CONNECTIONS, seconds * 100_000),
        requests: [
          {
            setupRequest: (request) => ({ ...request, headers: headerPool[next++ & 255] }),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const requests = result.requests.total;
        resolve({
          rps: result.requests.average,
          p99: result.latency.p99,
          errors: result.errors + result.non2xx,
          cpuMicrosPerRequest: cpuMicrosPerRequest(server.pid, before, requests),
        });
      },
    );
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** The first and third quartiles: how far the per-window ratios spread around their median. */
const quartiles = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction) => sorted[Math.floor((sorted.length - 1) * fraction)] ?? Number.NaN;
  return [at(0.25), at(0.75)];
};
const percent = (ratio) => {
  const change = (ratio - 1) * 100;
  return `${change >= 0 ? '+' : ''}${change.toFixed(1)}%`;
};

/** The backend of the two-hop scenario, on the load generator's core; the reasons it failed calls. */
const backend = TWO_HOP
  ? await startProcess(backendScript, ['backend'], { core: 1, init: { meshHeaders: headerPool } })
  : undefined;
const backendFailures = [];
backend?.child.on('message', ({ failure }) => {
  if (failure !== undefined) backendFailures.push(failure);
});

/** Stops the run when a two-hop window had a failed request: its ratio would mean nothing. */
function checkWindow(framework, server, result) {
  if (!TWO_HOP || result.errors === 0) return;
  const reasons = backendFailures.length > 0 ? backendFailures.join('; ') : 'see the edge output';
  throw new Error(
    `two-hop ${framework}/${server.variant}: ${result.errors} failed requests (backend: ${reasons})`,
  );
}

/** One request with mesh headers through a two-hop edge, before any load: a quick, loud check. */
async function probe(framework, server) {
  const status = await new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port: server.port, headers: headerPool[0], agent: false };
    get(options, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    }).on('error', reject);
  });
  // The backend's reason comes over IPC, a moment after the answer.
  if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
  checkWindow(framework, server, { errors: status === 200 ? 0 : 1 });
}

const report = [];
for (const framework of FRAMEWORKS) {
  const contenders = contendersFor(framework);
  const servers = new Map();
  const backendOrigin = TWO_HOP ? `http://127.0.0.1:${backend.port}` : undefined;
  for (const variant of [BASELINE, ...contenders])
    servers.set(variant, await startServer(framework, variant, backendOrigin));
  if (TWO_HOP) for (const server of servers.values()) await probe(framework, server);
  const baseline = servers.get(BASELINE);
  // Warm-up, one server at a time so each has the core to itself and V8 has optimized its hot
  // code before the first window. A short warm-up of all servers at once left every contender
  // 10–17% slower in its first window and level after it (seen with wrk on 2026-12-03).
  for (let pass = 0; pass < WARMUP_WINDOWS; pass++) {
    for (const server of servers.values()) await load(server).catch(() => undefined);
  }
  const windows = new Map(contenders.map((variant) => [variant, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of contenders) {
      const contender = servers.get(variant);
      const pair = round % 2 === 0 ? [baseline, contender] : [contender, baseline];
      if (WINDOW_WARMUP_S > 0)
        await Promise.all(pair.map((server) => load(server, WINDOW_WARMUP_S)));
      const [first, second] = await Promise.all(pair.map((server) => load(server)));
      const [baselineResult, contenderResult] = round % 2 === 0 ? [first, second] : [second, first];
      checkWindow(framework, contender, contenderResult);
      checkWindow(framework, baseline, baselineResult);
      windows.get(variant).push({ baseline: baselineResult, contender: contenderResult });
    }
  }
  for (const [variant, results] of windows) {
    const ratios = results.map((result) => result.contender.rps / result.baseline.rps);
    const row = {
      framework,
      variant,
      baselineRps: Math.round(median(results.map((result) => result.baseline.rps))),
      rps: Math.round(median(results.map((result) => result.contender.rps))),
      ratio: median(ratios),
      ratioQuartiles: quartiles(ratios),
      baselineP99: median(results.map((result) => result.baseline.p99)),
      p99: median(results.map((result) => result.contender.p99)),
      cpuRatio: median(
        results.map(
          (result) => result.contender.cpuMicrosPerRequest / result.baseline.cpuMicrosPerRequest,
        ),
      ),
      errors: results.reduce(
        (sum, result) => sum + result.contender.errors + result.baseline.errors,
        0,
      ),
    };
    report.push(row);
    console.log(JSON.stringify(row));
  }
  for (const server of servers.values()) {
    server.child.kill();
    children.delete(server.child);
  }
}
backend?.child.kill();

const what = TWO_HOP ? 'two hops (edge → backend, headers checked on every call)' : 'hello-world';
console.log(
  `\nNode ${process.version}, ${what}, ${ROUNDS} rounds of ${WINDOW_S} s windows (${WINDOW_WARMUP_S} s unmeasured before each), ${CONNECTIONS} connections, mesh headers (x-request-id + B3 multi), load from ${LOAD}`,
);
console.log(
  `| ${TWO_HOP ? "edge's client" : 'framework'} | contender | req/s (${BASELINE} in the same windows) | p99 ms (${BASELINE}) | throughput vs ${BASELINE} (middle half of windows) | CPU per request vs ${BASELINE} |`,
);
console.log('|---|---|---|---|---|---|');
for (const row of report) {
  const [low, high] = row.ratioQuartiles.map(percent);
  console.log(
    `| ${row.framework} | ${row.variant} | ${row.rps.toLocaleString('en-US')} (${row.baselineRps.toLocaleString('en-US')}) | ${row.p99} (${row.baselineP99}) | ${percent(row.ratio)} = ${row.ratio.toFixed(3)} (${low} to ${high}) | ${row.cpuRatio.toFixed(2)}× |${row.errors > 0 ? ` ${row.errors} errors` : ''}`,
  );
}
