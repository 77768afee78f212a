// Memory and throughput of `hoptrace topology` on large logs (not part of the test suite).
//
// Generates service logs of pino-wrapped observation records into a temporary directory (deleted
// afterwards), runs the built CLI on them and reports throughput and peak RSS. Run at several
// sizes, peak RSS should stay flat: the reader streams line by line, edges keep fixed-size
// histograms, and the join keeps one window of unpaired records, whatever the file size.
//
//   npm run build && npm run bench                 # 100 MB and 1 GB
//   SIZE_MB=50 npm run bench                        # one smaller run
//   SIZES_MB=10,100,1000 npm run bench              # any list
//   KEEP=1 SIZE_MB=100 npm run bench                # keep the generated logs (to profile)
//
// Traffic model: 200 requests a second of record time enter the gateway; the gateway calls
// orders-1 or orders-2 (per-call IDs), 1 % of those through a proxy that rewrites the ID, 3 %
// of requests also call legacy (not instrumented); orders calls inventory. Each service writes
// its own file, records in the order their responses end, as a real logger would.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { clientRecord, serverRecord, T0 } from '../test/observation-records.mjs';
import { seededRandom } from '../test/seeded-random.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli.js');
const sizes = (process.env.SIZE_MB ?? process.env.SIZES_MB ?? '100,1024')
  .split(',')
  .map((value) => Number(value.trim()))
  .filter((value) => value > 0);
const REQUESTS_PER_SECOND = 200;

/** One service's log: records buffered a little and written in the order their responses end. */
class ServiceLog {
  constructor(path) {
    this.stream = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.pending = [];
    this.text = '';
    this.bytes = 0;
  }

  add(record) {
    this.pending.push(record);
  }

  /** Writes the records whose response ended before `time`. */
  async flush(time) {
    this.pending.sort(
      (left, right) => left.start + left.durationMs - (right.start + right.durationMs),
    );
    let index = 0;
    while (index < this.pending.length) {
      const record = this.pending[index];
      if (record.start + record.durationMs > time) break;
      const end = Math.round(record.start + record.durationMs);
      this.text += `${JSON.stringify({ level: 30, time: end, pid: 4242, hostname: 'bench-host', ...record, msg: 'hoptrace' })}\n`;
      index += 1;
    }
    this.pending.splice(0, index);
    if (this.text.length > 1 << 20) {
      this.bytes += Buffer.byteLength(this.text);
      if (!this.stream.write(this.text)) await once(this.stream, 'drain');
      this.text = '';
    }
  }

  async close() {
    await this.flush(Number.POSITIVE_INFINITY);
    this.bytes += Buffer.byteLength(this.text);
    this.stream.end(this.text);
    await once(this.stream, 'finish');
  }
}

async function generate(directory, targetBytes) {
  const next = seededRandom(42);
  const names = ['gateway', 'orders-1', 'orders-2', 'inventory'];
  const logs = Object.fromEntries(
    names.map((name) => [name, new ServiceLog(join(directory, `${name}.log`))]),
  );
  const duration = (median) => median * Math.exp((next() - 0.5) * 2);
  const client = (service, requestId, target, start, durationMs, extra = {}) =>
    clientRecord({
      service,
      requestId,
      correlationId: `corr-${requestId}`,
      echoedRequestId: requestId,
      target,
      remote: { address: '10.0.0.7', port: target.port },
      start,
      durationMs,
      ...extra,
    });
  const server = (service, requestId, start, durationMs, extra = {}) =>
    serverRecord({
      service,
      requestId,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      route: '/orders/:id',
      local: { address: '10.0.0.5', port: 8081 },
      remote: { address: '10.0.0.7', port: 53412 },
      reusedSocket: true,
      start,
      durationMs,
      ...extra,
    });
  let written = 0;
  let request = 0;
  while (written < targetBytes) {
    const start = T0 + (request * 1000) / REQUESTS_PER_SECOND;
    const id = `req-${request.toString(36)}`;
    const orders = next() < 0.5 ? 'orders-1' : 'orders-2';
    const inventoryTime = duration(2);
    const ordersTime = inventoryTime + duration(3);
    const callTime = ordersTime + duration(0.5);
    const failed = next() < 0.02;
    logs.inventory.add(server('inventory', `${id}-i`, start + 2, inventoryTime));
    logs[orders].add(
      client(
        orders,
        `${id}-i`,
        { host: 'inventory', port: 7000 },
        start + 1.8,
        inventoryTime + 0.2,
      ),
    );
    const rewritten = next() < 0.01;
    const seenId = rewritten ? `nginx-${id}` : `${id}-o`;
    logs[orders].add(server(orders, seenId, start + 1, ordersTime, failed ? { status: 503 } : {}));
    logs.gateway.add(
      client('gateway', `${id}-o`, { host: 'nginx', port: 8080 }, start + 0.5, callTime, {
        echoedRequestId: seenId,
        matched: !rewritten,
        status: failed ? 503 : 200,
      }),
    );
    if (next() < 0.03) {
      logs.gateway.add(
        client('gateway', `${id}-l`, { host: 'legacy', port: 9000 }, start + 0.6, duration(20)),
      );
    }
    logs.gateway.add(server('gateway', id, start, callTime + 1));
    request += 1;
    if (request % 1000 === 0) {
      for (const log of Object.values(logs)) await log.flush(start - 1000);
      written = Object.values(logs).reduce((sum, log) => sum + log.bytes, 0);
    }
  }
  for (const log of Object.values(logs)) await log.close();
  return { files: names.map((name) => join(directory, `${name}.log`)), requests: request };
}

// Reports the child's peak RSS and live heap from inside it, on every platform (no /usr/bin/time).
const PEAK_MEMORY_HOOK = pathToFileURL(join(here, 'peak-memory-hook.mjs')).href;

async function runCli(args) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', PEAK_MEMORY_HOOK, cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, 'close');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peak = /HOPTRACE_BENCH_MAXRSS_KB=(\d+) HOPTRACE_BENCH_LIVE_KB=(\d+)/.exec(stderr);
  if (code !== 0 || peak === null) throw new Error(`hoptrace exited ${code}: ${stderr}`);
  return { seconds, peakRssMb: Number(peak[1]) / 1024, liveHeapMb: Number(peak[2]) / 1024, stdout };
}

const mb = (bytes) => bytes / (1024 * 1024);
const baseline = await runCli(['--version']);
console.log(
  `Node ${process.version}; node running \`hoptrace --version\`: peak RSS ${baseline.peakRssMb.toFixed(0)} MB`,
);
console.log('size MB  records  requests  seconds  MB/s  peak RSS MB  live heap MB  edges   joined');
const results = [];
for (const sizeMb of sizes) {
  const directory = await mkdtemp(join(tmpdir(), 'hoptrace-bench-'));
  try {
    const { files, requests } = await generate(directory, sizeMb * 1024 * 1024);
    let bytes = 0;
    for (const file of files) bytes += (await stat(file)).size;
    const run = await runCli(['topology', '--format', 'json', ...files]);
    const topology = JSON.parse(run.stdout);
    const records = topology.records.client + topology.records.server;
    const throughput = mb(bytes) / run.seconds;
    results.push({ sizeMb: mb(bytes), peakRssMb: run.peakRssMb, liveHeapMb: run.liveHeapMb });
    console.log(
      [
        mb(bytes).toFixed(0).padStart(7),
        String(records).padStart(8),
        String(requests).padStart(9),
        run.seconds.toFixed(1).padStart(8),
        throughput.toFixed(0).padStart(5),
        run.peakRssMb.toFixed(0).padStart(12),
        run.liveHeapMb.toFixed(0).padStart(13),
        String(topology.edges.length).padStart(6),
        String(topology.records.joined).padStart(8),
      ].join(' '),
    );
  } finally {
    if (process.env.KEEP === '1') console.log(`kept ${directory}`);
    else await rm(directory, { recursive: true, force: true });
  }
}
if (results.length > 1) {
  const smallest = results[0];
  const largest = results[results.length - 1];
  console.log(
    `input ×${(largest.sizeMb / smallest.sizeMb).toFixed(1)}: peak RSS ×${(largest.peakRssMb / smallest.peakRssMb).toFixed(2)}, live heap ×${(largest.liveHeapMb / smallest.liveHeapMb).toFixed(2)}`,
  );
}
