// gRPC overhead benchmark: a bare grpc-js unary echo raced against the same echo with hoptrace's
// server interceptor (and a hand-written AsyncLocalStorage interceptor, the floor; and a second
// bare server, the A/A control), with bench/http's method (../README.md): each window loads the
// baseline and one contender at the same time, both servers pinned to core 0 (`taskset -a`), the
// load generator (load.mjs, grpc-js clients in a process of its own) to core 1; the start order
// alternates; the median of the per-window ratios of calls/s is reported, with the middle half
// of the ratios, p99 latency and server CPU time per call. Loopback only, bounded in windows,
// seconds and calls; every process it starts is stopped by its pid when it ends.
//
// Usage: node bench/grpc/run.mjs (after `npm run build`: it loads @hoptrace/grpc's dist)
//   ROUNDS=6 WINDOW_S=4 WINDOW_WARMUP_S=1 WARMUP=2 CONNECTIONS=16 (calls in flight per server,
//   over 4 channels)
//   CONTENDERS=bare-control,als-floor,hoptrace BASELINE=bare
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { meshMetadataPool } from './echo.mjs';
import { cpuTicks, hasTaskset, pin, reportTable, summarize } from './race.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 6);
const WINDOW_S = Number(process.env.WINDOW_S ?? 4);
const WINDOW_WARMUP_S = Number(process.env.WINDOW_WARMUP_S ?? 1);
const WARMUP_WINDOWS = Number(process.env.WARMUP ?? 2);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
/** HTTP/2 connections per server: the calls in flight are spread over them. */
const CHANNELS = 4;
const BASELINE = process.env.BASELINE ?? 'bare';
const CONTENDERS = process.env.CONTENDERS?.split(',') ?? ['bare-control', 'als-floor', 'hoptrace'];
if (CONTENDERS.includes(BASELINE))
  throw new Error(`BASELINE ${BASELINE} is raced against CONTENDERS; leave it out of them`);
/** The variants whose servers echo x-request-id: the load checks every such answer. */
const ECHOES = new Set(['als-floor', 'hoptrace', 'hoptrace-observe']);

/** Every process this run forks, stopped by its pid when the run ends, however it ends. */
const children = new Set();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
if (!hasTaskset) console.warn('taskset not found: servers and load share both cores');
pin(process.pid, 1);

/** Forks `script`, waits for its first message (which names its pid), pins it to `core`. */
function start(script, args, core, init) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(child);
    child.once('message', (message) => {
      pin(message.pid, core);
      resolve({ child, ...message });
    });
    child.once('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited ${code}`)));
    if (init !== undefined) child.send(init);
  });
}

const pool = meshMetadataPool();
const load = await start('./load.mjs', [], 1, { pool });
const servers = new Map();
for (const variant of [BASELINE, ...CONTENDERS]) {
  const server = await start('./server.mjs', [variant], 0);
  servers.set(variant, { ...server, variant });
}

/** Loads `pair` for `seconds`, in that start order; per server: calls/s, p99, errors, CPU. */
function window(pair, seconds) {
  const before = pair.map((server) => cpuTicks(server.pid));
  return new Promise((resolve) => {
    load.child.once('message', ({ results }) =>
      resolve(
        results.map((result, index) => ({
          ...result,
          cpuMicrosPerRequest:
            result.calls === 0
              ? 0
              : ((cpuTicks(pair[index].pid) - before[index]) * 10_000) / result.calls,
        })),
      ),
    );
    load.child.send({
      targets: pair.map((server) => ({ port: server.port, echoes: ECHOES.has(server.variant) })),
      seconds,
      connections: CONNECTIONS,
      channels: CHANNELS,
      // Far above any rate these servers reach: the bound in count beside the one in time.
      maxCalls: seconds * 200_000,
    });
  });
}

/** A window with a failed call means nothing: the run stops, naming the first failure. */
function check(server, result) {
  if (result.errors === 0) return;
  throw new Error(`${server.variant}: ${result.errors} failed calls (first: ${result.firstError})`);
}

// Warm-up: one server at a time, so V8 optimizes each one's hot code before the first window.
for (let pass = 0; pass < WARMUP_WINDOWS; pass++)
  for (const server of servers.values()) check(server, (await window([server], WINDOW_S))[0]);

const baseline = servers.get(BASELINE);
const windows = new Map(CONTENDERS.map((variant) => [variant, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of CONTENDERS) {
    const contender = servers.get(variant);
    const pair = round % 2 === 0 ? [baseline, contender] : [contender, baseline];
    if (WINDOW_WARMUP_S > 0) await window(pair, WINDOW_WARMUP_S);
    const [first, second] = await window(pair, WINDOW_S);
    const [baselineResult, contenderResult] = round % 2 === 0 ? [first, second] : [second, first];
    check(baseline, baselineResult);
    check(contender, contenderResult);
    windows.get(variant).push({ baseline: baselineResult, contender: contenderResult });
  }
}

const rows = [...windows].map(([variant, results]) => summarize('unary echo', variant, results));
for (const row of rows) console.log(JSON.stringify(row));
console.log(
  `\nNode ${process.version}, @grpc/grpc-js unary echo, ${ROUNDS} rounds of ${WINDOW_S} s windows (${WINDOW_WARMUP_S} s unmeasured before each), ${CONNECTIONS} calls in flight over ${CHANNELS} channels per server, mesh metadata (x-request-id + B3 multi)`,
);
console.log(reportTable(rows, { groupTitle: 'call', baseline: BASELINE, unit: 'calls/s' }));
for (const child of children) child.disconnect();
