// The example topology, end to end, in child mode: gateway → nginx → orders ×2 → (HAProxy →
// inventory → pricing /cost) ‖ (HAProxy over HTTP/2 → inventory gRPC Reserve) ‖ (pricing /price →
// legacy → pricing /cost). Real processes on
// loopback behind real nginx and HAProxy; under CI=true their absence fails the run. Elsewhere
// the runner calls the missing hop directly, and the tests about a load balancer skip, saying why.

import { credentials, Metadata } from '@grpc/grpc-js';
import { brokenHops, hops, runConcurrently, walk } from '@hoptrace-example/kit/hop-tree.mjs';
import { RESERVE_PATH, StockClient } from '@hoptrace-example/kit/stock-grpc.mjs';
import { startTopology } from '@hoptrace-example/kit/topology.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, incomingRequest } from './requests.mjs';

const loadBalancers = process.env.CI === 'true' ? 'required' : 'auto';

let topology;
beforeAll(async () => {
  topology = await startTopology({ mode: 'child', loadBalancers });
});
afterAll(() => topology?.stop());

/** Request log lines of `requestId`, by service instance. */
function requestLogs(requestId) {
  return topology.logs.filter((line) => line.msg === 'request' && line.requestId === requestId);
}

/** Why a test about nginx does not run, when it does not. */
const NO_NGINX = `nginx is not running (not found, and CI is not 'true'): the gateway calls orders-1 directly`;

/**
 * The `request` log line of one hop of an answer tree: the line its service instance wrote with
 * that hop's span ID (a new one per hop in child mode). Waits (bounded) for lines still in the
 * pipes: each service logs once its response has finished, as its caller reads it.
 */
function logLineOf(hop) {
  return topology.waitForLog(
    (line) => line.msg === 'request' && line.service === hop.instance && line.spanId === hop.spanId,
  );
}

/** The hops of `answer` that run hoptrace and kept the chain: not legacy, not the broken one. */
function keptHops(answer) {
  const [broken] = brokenHops(answer.body);
  return hops(answer.body).filter((hop) => hop.service !== 'legacy' && hop !== broken?.hop);
}

describe('500 requests, 50 at a time, through nginx and HAProxy', () => {
  let results;
  beforeAll(async () => {
    results = await runConcurrently(500, 50, async (index) => {
      const sent = incomingRequest(index);
      return { sent, answer: await get(`${topology.gatewayUrl}/checkout`, sent.headers) };
    });
  }, 120_000);

  it('runs behind real load balancers when CI requires them', ({ skip }) => {
    skip(loadBalancers !== 'required', "CI is not 'true': the load balancers are optional");
    expect(topology.loadBalancers).toEqual({ nginx: true, haproxy: true });
  });

  it('answers every request, echoing the request ID the whole tree carries', () => {
    for (const { sent, answer } of results) {
      expect(answer.status, sent.kind).toBe(200);
      expect(answer.requestId).toBe(answer.body.requestId);
      if (sent.requestId !== undefined) expect(answer.requestId).toBe(sent.requestId);
      if (sent.traceId !== undefined) expect(answer.body.traceId).toBe(sent.traceId);
    }
  });

  it('keeps one request ID and trace ID at every hop up to legacy, with child links', () => {
    for (const { sent, answer } of results) {
      const services = hops(answer.body).map((hop) => hop.service);
      expect(services, sent.kind).toEqual([
        'gateway',
        'orders',
        'inventory',
        'pricing',
        'inventory',
        'pricing',
        'legacy',
        'pricing',
      ]);
      const [broken] = brokenHops(answer.body);
      walk(answer.body, (hop, parent) => {
        if (parent === undefined || hop === broken?.hop || parent.service === 'legacy') return;
        if (hop.service === 'legacy') {
          // No hoptrace there, but our headers reached it.
          expect(hop.receivedRequestId).toBe(answer.requestId);
          return;
        }
        expect(hop.requestId).toBe(answer.requestId);
        expect(hop.traceId).toBe(answer.body.traceId);
        // child mode: each hop is a new span whose parent is its caller's span.
        expect(hop.parentSpanId).toBe(parent.spanId);
        expect(hop.spanId).not.toBe(parent.spanId);
      });
    }
  });

  it('reports exactly the hop behind legacy as broken', () => {
    for (const { answer } of results) {
      const broken = brokenHops(answer.body);
      expect(broken).toHaveLength(1);
      expect(broken[0]?.hop.service).toBe('pricing');
      expect(broken[0]?.ancestor.service).toBe('pricing');
      expect(broken[0]?.hop.requestId).not.toBe(answer.requestId);
      const legacy = hops(answer.body).find((hop) => hop.service === 'legacy');
      expect(legacy?.calls?.[0]).toBe(broken[0]?.hop);
    }
  });

  it('balances over both orders instances', ({ skip }) => {
    skip(!topology.loadBalancers.nginx, NO_NGINX);
    const instances = new Set(results.map(({ answer }) => answer.body.calls[0].instance));
    expect(instances).toEqual(new Set(['orders-1', 'orders-2']));
  });

  it('logs each request once per hop with its IDs, and the broken hop under its own ID', () => {
    for (const { answer } of results.slice(0, 100)) {
      const lines = requestLogs(answer.requestId);
      const services = lines.map((line) => line.service.replace(/-\d$/, '')).sort();
      expect(services).toEqual([
        'gateway',
        'inventory',
        'inventory',
        'orders',
        'pricing',
        'pricing',
      ]);
      for (const line of lines) expect(line.traceId).toBe(answer.body.traceId);
      const [broken] = brokenHops(answer.body);
      expect(requestLogs(broken?.hop.requestId).map((line) => line.service)).toEqual(['pricing']);
    }
  });
});

/** Why a test about HAProxy does not run, when it does not. */
const NO_HAPROXY = `HAProxy is not running (not found, and CI is not 'true'): orders call inventory directly`;

describe('the gRPC hop: orders → HAProxy (HTTP/2) → inventory Stock/Reserve', () => {
  /** One Stock/Reserve call with `metadata`: the answer and the response's initial metadata. */
  function reserve(target, entries) {
    const client = new StockClient(target, credentials.createInsecure());
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
    return new Promise((resolve, reject) => {
      let head;
      const call = client.reserve(
        { item: 'sku-1', quantity: 1 },
        metadata,
        { deadline: Date.now() + 10_000 },
        (error, answer) => {
          client.close();
          if (error) reject(error);
          else resolve({ answer, head });
        },
      );
      call.on('metadata', (received) => {
        head = received;
      });
    });
  }

  it('keeps the request ID and the trace ID, the call a child span of orders', async () => {
    const results = await runConcurrently(100, 20, async (index) => {
      const sent = incomingRequest(index);
      return { sent, answer: await get(`${topology.gatewayUrl}/checkout`, sent.headers) };
    });
    for (const { sent, answer } of results) {
      expect(answer.status, sent.kind).toBe(200);
      const orders = answer.body.calls[0];
      const grpc = orders.calls.find((hop) => hop.route === 'gRPC Reserve');
      expect(grpc, sent.kind).toMatchObject({
        service: 'inventory',
        requestId: answer.requestId,
        traceId: answer.body.traceId,
        parentSpanId: orders.spanId,
      });
      expect(grpc.spanId).not.toBe(orders.spanId);
      // Its sibling over HTTP/1.1 is another span of the same parent.
      const stock = orders.calls.find((hop) => hop.service === 'inventory' && hop !== grpc);
      expect(stock.spanId).not.toBe(grpc.spanId);
      // inventory logged the call with the same IDs, inside the gRPC handler.
      const line = await logLineOf(grpc);
      expect(line).toMatchObject({ path: RESERVE_PATH, requestId: answer.requestId });
      expect(line.traceId).toBe(answer.body.traceId);
    }
  });

  it('goes through HAProxy, which logs the call under the same request ID', async ({ skip }) => {
    skip(!topology.loadBalancers.haproxy, NO_HAPROXY);
    const answer = await get(`${topology.gatewayUrl}/checkout`, { 'x-request-id': 'grpc-hop-1' });
    expect(answer.status).toBe(200);
    const deadline = Date.now() + 5_000;
    const logged = () =>
      topology.loadBalancerLogs.filter(
        (line) => line.service === 'haproxy' && line.requestId === 'grpc-hop-1',
      );
    while (logged().length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const paths = logged()
      .map((line) => `${line.method} ${line.path} ${line.status} ${line.server}`)
      .sort();
    expect(paths).toEqual(['GET /stock 200 inventory', `POST ${RESERVE_PATH} 200 inventory_grpc`]);
  });

  it('keeps a valid x-request-id sent through HAProxy, answers it, and replaces a hostile one', async ({
    skip,
  }) => {
    skip(!topology.loadBalancers.haproxy, NO_HAPROXY);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const kept = await reserve(topology.grpcTargets.haproxy, {
      'x-request-id': 'grpc-client-7',
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(kept.answer).toMatchObject({ requestId: 'grpc-client-7', traceId });
    expect(kept.answer.spanId).toBe('00f067aa0ba902b7');
    expect(kept.head.get('x-request-id')).toEqual(['grpc-client-7']);
    const hostile = await reserve(topology.grpcTargets.haproxy, {
      'x-request-id': '<script>alert(1)</script>',
    });
    // HAProxy put a new UUID in its place, which inventory kept.
    expect(hostile.answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(hostile.head.get('x-request-id')).toEqual([hostile.answer.requestId]);
  });
});

describe('nginx as the edge', () => {
  it('generates the request ID when none came, and every hop behind it keeps it', async ({
    skip,
  }) => {
    skip(!topology.loadBalancers.nginx, NO_NGINX);
    const answer = await get(`${topology.nginxUrl}/orders`);
    expect(answer.status).toBe(200);
    // nginx's $request_id: 32 hex characters.
    expect(answer.body.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(answer.requestId).toBe(answer.body.requestId);
    const [broken] = brokenHops(answer.body);
    for (const hop of hops(answer.body)) {
      if (hop.service === 'legacy' || hop === broken?.hop) continue;
      expect(hop.requestId).toBe(answer.body.requestId);
    }
  });

  it('keeps an ID the client sent', async ({ skip }) => {
    skip(!topology.loadBalancers.nginx, NO_NGINX);
    const answer = await get(`${topology.nginxUrl}/orders`, { 'x-request-id': 'edge-id-7' });
    expect(answer.body.requestId).toBe('edge-id-7');
    expect(answer.body.calls[0].requestId).toBe('edge-id-7');
  });
});

describe('one orders instance dies mid-run', () => {
  /**
   * Each request, whether its answer came before orders-1 was killed, and whether orders-1 was
   * already gone (its kill confirmed) when it was sent.
   */
  let results;
  beforeAll(async () => {
    let killStarted = false;
    let ordersOneGone = false;
    let killing;
    const answered = [];
    results = await runConcurrently(200, 20, async (index) => {
      // Sent once 41 requests are answered, while the 19 before it are in flight, some of them
      // on orders-1.
      if (index === 60) {
        killStarted = true;
        // orders-1 logs a request when its response is flushed, and its caller (and so the
        // client) may have the answer a moment before: the lines of the requests answered so far
        // are awaited (bounded) before the kill, so that none of them is lost to the kill itself.
        const before = answered.flatMap((answer) =>
          keptHops(answer).filter((hop) => hop.instance === 'orders-1'),
        );
        killing = Promise.allSettled(before.map(logLineOf))
          .then(() => topology.kill('orders-1'))
          .then(() => {
            ordersOneGone = true;
          });
      }
      const sentAfterKill = ordersOneGone;
      const sent = incomingRequest(index);
      const answer = await get(`${topology.gatewayUrl}/checkout`, sent.headers);
      const answeredBeforeKill = !killStarted;
      if (answeredBeforeKill && answer.status === 200) answered.push(answer);
      return { sent, answer, sentAfterKill, answeredBeforeKill };
    });
    await killing;
  }, 120_000);

  it('answers each request with its IDs at every hop, or fails it logged under its ID', async () => {
    for (const { sent, answer } of results) {
      expect(answer.status, String(answer.error)).toBeGreaterThan(0);
      expect(answer.requestId).toBeTruthy();
      if (sent.requestId !== undefined) expect(answer.requestId).toBe(sent.requestId);
      if (sent.traceId !== undefined) expect(answer.body?.traceId).toBe(sent.traceId);
      if (answer.status === 200) {
        expect(brokenHops(answer.body)).toHaveLength(1);
        for (const hop of keptHops(answer)) {
          expect(hop.requestId, hop.instance).toBe(answer.requestId);
          expect(hop.traceId, hop.instance).toBe(answer.body.traceId);
        }
        continue;
      }
      // A failure is the gateway's 502 naming orders, and the gateway logged it under the ID.
      expect(answer.status, answer.body?.error).toBe(502);
      expect(answer.body.requestId).toBe(answer.requestId);
      expect(answer.body.error).toMatch(/^orders: /);
      const gatewayLine = await topology.waitForLog(
        (line) =>
          line.msg === 'request' &&
          line.service === 'gateway' &&
          line.requestId === answer.requestId,
      );
      expect(gatewayLine.status).toBe(answer.status);
    }
  });

  it('logs the same request ID at every hop of each request that got through', async () => {
    const survivors = results.filter(({ answer }) => answer.status === 200);
    // The 41 requests answered before request 60 was sent all got through, whatever the kill did.
    expect(
      survivors.filter(({ answeredBeforeKill }) => answeredBeforeKill).length,
    ).toBeGreaterThanOrEqual(41);
    for (const { answer, answeredBeforeKill } of survivors) {
      for (const hop of keptHops(answer)) {
        // orders-1 logs a request once its response is flushed, a moment after its caller may
        // already have the answer: a kill in between takes that line with it (the lines of the
        // requests answered before the kill started were awaited before it).
        if (hop.instance === 'orders-1' && !answeredBeforeKill) continue;
        const line = await logLineOf(hop).catch((error) => {
          throw new Error(
            `${hop.instance} (span ${hop.spanId}) of ${answer.requestId}, answered before the kill: ${answeredBeforeKill}: ${error.message}`,
          );
        });
        expect(line.requestId, `${hop.instance} of ${answer.requestId}`).toBe(answer.requestId);
        expect(line.traceId, `${hop.instance} of ${answer.requestId}`).toBe(answer.body.traceId);
      }
    }
  });

  it('fails over through nginx: every request sent once orders-1 was gone is answered by orders-2', async ({
    skip,
  }) => {
    skip(!topology.loadBalancers.nginx, NO_NGINX);
    const after = await runConcurrently(10, 5, () => get(`${topology.gatewayUrl}/checkout`));
    const sentAfterKill = [
      ...results.filter((result) => result.sentAfterKill).map(({ answer }) => answer),
      ...after,
    ];
    for (const answer of sentAfterKill) {
      expect(answer.status, answer.body?.error).toBe(200);
      expect(answer.body.calls[0].instance).toBe('orders-2');
    }
  });
});

describe('every orders instance gone', () => {
  it('answers 502 with the request ID, and logs the failure under it', async () => {
    await Promise.all(['orders-1', 'orders-2'].map((name) => topology.kill(name)));
    for (const index of [0, 1, 2]) {
      const requestId = `all-down-${index}`;
      const answer = await get(`${topology.gatewayUrl}/checkout`, { 'x-request-id': requestId });
      expect(answer.status).toBe(502);
      expect(answer.requestId).toBe(requestId);
      expect(answer.body.requestId).toBe(requestId);
      expect(answer.body.error).toMatch(/^orders: /);
      const failure = await topology.waitForLog(
        (line) => line.msg === 'downstream failed' && line.requestId === requestId,
      );
      expect(failure).toMatchObject({ service: 'gateway', target: 'orders' });
      const request = await topology.waitForLog(
        (line) => line.msg === 'request' && line.requestId === requestId,
      );
      expect(request).toMatchObject({ service: 'gateway', status: 502 });
    }
  });
});
