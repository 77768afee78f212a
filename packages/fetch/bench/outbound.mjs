// The cost hoptrace adds to an outbound call: a loopback server (its own process) is called by
// this process with and without hoptrace, client by client, inside a request context in both
// cases so only hoptrace's work differs. Batches alternate contenders (A B B A …) and the ratio is
// taken per round, so the machine's slow and fast phases hit both alike. Reports the median ratio
// of wall time per call and of this process's CPU time per call (the steadier of the two).
// First, hoptrace's own work per call for each client, in process with no I/O (perCallWork).
// Usage: npm run bench -w @hoptrace/fetch   (ROUNDS=n CALLS=n CONCURRENCY=n PER_CALL_ROUNDS=n;
//   PER_CALL_ONLY=1 for the in-process figures alone)
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { extract, outboundHeaders, runWithContext } from '@hoptrace/core';
import {
  hoptraceInterceptor,
  instrumentAxios,
  instrumentOutbound,
  wrapFetch,
} from '@hoptrace/fetch';
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
   * hoptrace's own work per call, in process with no I/O, client by client: the call as the client
   * builds it with the same headers written by hand, and with hoptrace adding them. The difference
   * is what hoptrace adds to each call; the loopback runs below show how it compares with a whole
   * call. Every call stops before the network: the undici interceptor and wrapFetch call a
   * dispatch or fetch that only keeps its options; `instrumentOutbound` is timed on what fetch
   * and undici build per call (npm undici's internal `Request`, whose constructor publishes
   * `undici:request:create`) and on a `node:http` `ClientRequest` ended on an agent that never
   * hands it a socket (Node 20's `addRequest` hook and Node 22+'s `http.client.request.created`
   * both run, and the headers are serialized); axios runs its whole request pipeline down to an
   * adapter that answers at once. Each side of a pair is its own tinybench run, the two back to
   * back, PER_CALL_ROUNDS times with the order reversed every other round; the median over rounds
   * of each side's median latency is reported.
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

    const UndiciRequest = createRequire(import.meta.url)('undici/lib/core/request.js');
    const undiciHandler = { onRequestStart() {}, onResponseStart() {}, onResponseData() {} };
    const undiciOptions = (headers) => ({ path: '/', method: 'GET', headers });
    const buildUndiciRequest = (headers) => {
      last = new UndiciRequest(url.slice(0, -1), undiciOptions(headers), undiciHandler);
    };

    // An agent that never hands out a socket: the request is built, hooked and serialized, and
    // then dropped without a connection.
    class NoSocketAgent extends HttpAgent {
      createSocket() {}
    }
    const noSocketAgent = new NoSocketAgent();
    const { hostname, port: httpPort } = new URL(url);
    const buildClientRequest = (headers) => {
      last = httpRequest({ hostname, port: httpPort, path: '/', agent: noSocketAgent, headers });
      last.end();
    };

    const { default: axios } = await import('axios');
    const answer = async (config) => ({
      data: '',
      status: 200,
      statusText: 'OK',
      headers: {},
      config,
    });
    const plainAxios = axios.create({ adapter: answer });
    const hoptraceAxios = axios.create({ adapter: answer });
    instrumentAxios(hoptraceAxios);

    /** Each pair: the headers written by hand, and hoptrace's client; `hooks` run under instrumentOutbound. */
    const pairs = [
      {
        client: 'undici dispatch: hoptraceInterceptor',
        // A handler per call, as undici makes one per request (the interceptor keys on it).
        byHand: () => dispatch({ ...dispatchOptions, headers: { ...byHand } }, {}),
        hoptrace: () => intercepted(dispatchOptions, {}),
        sent: () => last.headers['x-request-id'],
      },
      {
        client: 'fetch: wrapFetch',
        byHand: () => fakeFetch(url, { headers: { ...byHand } }),
        hoptrace: () => wrapped(url),
        sent: () => new Headers(last.headers).get('x-request-id'),
      },
      {
        client: 'fetch/undici request built: instrumentOutbound',
        byHand: () => buildUndiciRequest({ ...byHand }),
        hoptrace: () => buildUndiciRequest(undefined),
        sent: () => last.headers[last.headers.indexOf('x-request-id') + 1],
        hooks: true,
      },
      {
        client: 'node:http request: instrumentOutbound',
        byHand: () => buildClientRequest({ ...byHand }),
        hoptrace: () => buildClientRequest(undefined),
        sent: () => last.getHeader('x-request-id'),
        hooks: true,
      },
      {
        client: 'axios: instrumentAxios',
        byHand: async () => {
          last = (await plainAxios.get(url, { headers: { ...byHand } })).config;
        },
        hoptrace: async () => {
          last = (await hoptraceAxios.get(url)).config;
        },
        sent: () => last.headers.get('x-request-id'),
      },
    ];
    const rounds = Number(process.env.PER_CALL_ROUNDS ?? 3);
    const samples = pairs.map(() => ({ byHand: [], hoptrace: [] }));
    /** The median latency of `variant` of `pair`, in ns; instrumentOutbound installed for hoptrace's alone. */
    const time = async (pair, variant) => {
      const bench = new Bench({ time: 300 }).add(variant, pair[variant]);
      const uninstall = pair.hooks && variant === 'hoptrace' ? instrumentOutbound() : undefined;
      try {
        await runWithContext(context, () => bench.run());
        if (variant === 'hoptrace') {
          // A benchmark of a call that lost its headers would be timing the wrong thing.
          await runWithContext(context, () => pair.hoptrace());
          if (pair.sent() !== context.requestId)
            throw new Error(`${pair.client}: hoptrace sent x-request-id ${pair.sent()}`);
        }
      } finally {
        uninstall?.();
      }
      return bench.tasks[0].result.latency.p50 * 1e6;
    };
    for (let round = 0; round < rounds; round++) {
      for (const [index, pair] of pairs.entries()) {
        const order = round % 2 === 0 ? ['byHand', 'hoptrace'] : ['hoptrace', 'byHand'];
        for (const variant of order) samples[index][variant].push(await time(pair, variant));
      }
    }
    console.log(
      `hoptrace's own work per call (in process, no I/O; median of ${rounds} rounds of tinybench medians)`,
    );
    console.log('client: hoptrace | headers by hand ns | hoptrace ns | hoptrace over by hand');
    for (const [index, pair] of pairs.entries()) {
      const byHandNs = median(samples[index].byHand);
      const hoptraceNs = median(samples[index].hoptrace);
      const over = Math.round(hoptraceNs - byHandNs);
      console.log(
        `${pair.client} | ${Math.round(byHandNs)} | ${Math.round(hoptraceNs)} | ${over >= 0 ? '+' : ''}${over} ns`,
      );
    }
    noSocketAgent.destroy();
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
  // PER_CALL_ONLY=1: the in-process figures alone, without the loopback rounds.
  const loopback = process.env.PER_CALL_ONLY === '1' ? [] : Object.entries(clients);
  if (loopback.length > 0)
    console.log(
      'client | bare µs/call | A/A control (wall / CPU) | headers by hand vs bare | hoptrace vs bare | hoptrace vs by hand',
    );
  const variants = ['bare', 'control', 'byHand', 'hoptrace'];
  for (const [name, client] of loopback) {
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
