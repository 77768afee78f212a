// The cost hoptrace adds to an outbound call: a loopback server (its own process) is called by
// this process with and without hoptrace, client by client, inside a request context in both
// cases so only hoptrace's work differs. Batches alternate contenders (A B B A …) and the ratio is
// taken per round, so the machine's slow and fast phases hit both alike. Reports the median ratio
// of wall time per call and of this process's CPU time per call (the steadier of the two).
// Usage: npm run bench -w @hoptrace/fetch   (ROUNDS=n CALLS=n CONCURRENCY=n)
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { extract, outboundHeaders, runWithContext } from '@hoptrace/core';
import { hoptraceInterceptor, instrumentOutbound, wrapFetch } from '@hoptrace/fetch';
import { Bench } from 'tinybench';
import { Agent, request as undiciRequest } from 'undici';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const CALLS = Number(process.env.CALLS ?? 2_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);

if (process.argv[2] === 'server') {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    request.resume();
    response.end('ok');
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
  process.on('disconnect', () => process.exit(0));
} else {
  const server = fork(fileURLToPath(import.meta.url), ['server']);
  const [port] = await once(server, 'message');
  const url = `http://127.0.0.1:${port}/`;

  // What a service behind Istio receives; each call runs inside this request's context.
  const context = extract({
    'x-request-id': '5f1c3f0e-2f4b-4b8e-9d3a-1c2b3a4d5e6f',
    'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
    'x-b3-spanid': 'e457b5a2e4d86bd1',
    'x-b3-parentspanid': '05e3ac9a4f6e3b90',
    'x-b3-sampled': '1',
    traceparent: '00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01',
  });

  // The floor: the same headers hoptrace sends in forward mode, written by hand from a record
  // computed once, as a service that copies its incoming headers itself would.
  const byHand = outboundHeaders(context);

  const plainAgent = new Agent({ connections: CONCURRENCY });
  const composedAgent = new Agent({ connections: CONCURRENCY }).compose(hoptraceInterceptor());
  // Any interceptor costs undici's compose layer: the by-hand headers through a pass-through one.
  const passThrough = (dispatch) => (options, handler) => dispatch(options, handler);
  const passThroughAgent = new Agent({ connections: CONCURRENCY }).compose(passThrough);
  const undiciCall = (dispatcher, headers) => async () => {
    const { body } = await undiciRequest(url, { dispatcher, headers: headers && { ...headers } });
    await body.dump();
  };
  const hoptraceFetch = wrapFetch(fetch);
  const fetchCall = (client, headers) => async () => {
    await (await client(url, headers && { headers: { ...headers } })).arrayBuffer();
  };
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  const httpCall = (headers) => () =>
    new Promise((resolve, reject) => {
      httpRequest(url, { agent: httpAgent, headers: headers && { ...headers } }, (response) => {
        response.resume();
        response.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
  let uninstall;
  const install = () => {
    uninstall = instrumentOutbound();
  };
  const clients = {
    'undici.request + interceptor': {
      bare: undiciCall(plainAgent),
      control: undiciCall(plainAgent),
      byHand: undiciCall(passThroughAgent, byHand),
      hoptrace: undiciCall(composedAgent),
    },
    'fetch + wrapFetch': {
      bare: fetchCall(fetch),
      control: fetchCall(fetch),
      byHand: fetchCall(fetch, byHand),
      hoptrace: fetchCall(hoptraceFetch),
    },
    'node:http + instrumentOutbound': {
      bare: httpCall(),
      control: httpCall(),
      byHand: httpCall(byHand),
      hoptrace: httpCall(),
      before: install,
      after: () => uninstall?.(),
    },
    'fetch + instrumentOutbound': {
      bare: fetchCall(fetch),
      control: fetchCall(fetch),
      byHand: fetchCall(fetch, byHand),
      hoptrace: fetchCall(fetch),
      before: install,
      after: () => uninstall?.(),
    },
  };

  /**
   * hoptrace's own work per call, in process with no I/O: the interceptor and wrapFetch against
   * the same call with the headers spread in by hand. The difference is what hoptrace adds to
   * each call; the loopback runs below show how it compares with a whole call.
   */
  async function perCallWork() {
    let last;
    const dispatch = (options) => {
      last = options;
      return true;
    };
    const dispatchOptions = { origin: url.slice(0, -1), path: '/', method: 'GET', headers: null };
    const intercepted = hoptraceInterceptor()(dispatch);
    const fakeFetch = (input, init) => {
      last = init;
      return Promise.resolve(input);
    };
    const wrapped = wrapFetch(fakeFetch);
    const bench = new Bench({ time: 400 });
    bench
      .add('dispatch, headers by hand', () =>
        dispatch({ ...dispatchOptions, headers: { ...byHand } }),
      )
      .add('dispatch through hoptraceInterceptor', () => intercepted(dispatchOptions, null))
      .add('fetch, headers by hand', () => fakeFetch(url, { headers: { ...byHand } }))
      .add('wrapFetch', () => wrapped(url));
    await runWithContext(context, () => bench.run());
    const ns = (index) => bench.tasks[index].result.latency.p50 * 1e6;
    console.log(
      `hoptrace's own work per call (in process, median): interceptor +${Math.round(ns(1) - ns(0))} ns over headers by hand (${Math.round(ns(0))} → ${Math.round(ns(1))} ns); wrapFetch +${Math.round(ns(3) - ns(2))} ns (${Math.round(ns(2))} → ${Math.round(ns(3))} ns)`,
    );
    return last;
  }

  /** Runs CALLS calls, CONCURRENCY at a time, inside the context; wall and CPU ms. */
  async function batch(call) {
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    let issued = 0;
    await runWithContext(context, () =>
      Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (issued < CALLS) {
            issued++;
            await call();
          }
        }),
      ),
    );
    const wall = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage(cpuBefore);
    return { wall, cpu: (cpu.user + cpu.system) / 1000 };
  }

  const median = (values) => {
    const sorted = [...values].sort((left, right) => left - right);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const percent = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

  console.log(
    `Node ${process.version}, ${ROUNDS} rounds × ${CALLS} calls, ${CONCURRENCY} concurrent, loopback`,
  );
  await perCallWork();
  console.log(
    'client | bare µs/call | A/A control (wall / CPU) | headers by hand vs bare | hoptrace vs bare | hoptrace vs by hand',
  );
  const variants = ['bare', 'control', 'byHand', 'hoptrace'];
  for (const [name, client] of Object.entries(clients)) {
    const run = async (variant) => {
      if (variant === 'hoptrace') client.before?.();
      try {
        return await batch(client[variant]);
      } finally {
        if (variant === 'hoptrace') client.after?.();
      }
    };
    for (const variant of variants) await run(variant); // warm-up: sockets open, code optimized
    const results = { bare: [], control: [], byHand: [], hoptrace: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no variant always runs first (or last) in a round.
      for (let step = 0; step < variants.length; step++) {
        const variant = variants[(round + step) % variants.length];
        results[variant].push(await run(variant));
      }
    }
    const ratios = (ours, theirs, key) =>
      median(results[ours].map((result, round) => result[key] / results[theirs][round][key]));
    const perCall = (variant) =>
      ((median(results[variant].map((result) => result.wall)) * 1000) / CALLS).toFixed(1);
    const both = (ours, theirs) =>
      `${percent(ratios(ours, theirs, 'wall'))} / ${percent(ratios(ours, theirs, 'cpu'))}`;
    console.log(
      `${name} | ${perCall('bare')} | ${both('control', 'bare')} | ${both('byHand', 'bare')} | ${both('hoptrace', 'bare')} | ${both('hoptrace', 'byHand')}`,
    );
  }
  await plainAgent.close();
  await composedAgent.close();
  await passThroughAgent.close();
  httpAgent.destroy();
  server.disconnect();
}
