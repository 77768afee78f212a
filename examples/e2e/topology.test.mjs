// The example topology, end to end, in child mode: gateway → nginx → orders ×2 → (HAProxy →
// inventory → pricing /cost) ‖ (pricing /price → legacy → pricing /cost). Real processes on
// loopback behind real nginx and HAProxy; under CI=true their absence fails the run.

import { brokenHops, hops, runConcurrently, walk } from '@hoptrace-example/kit/hop-tree.mjs';
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

describe('500 requests, 50 at a time, through nginx and HAProxy', () => {
  let results;
  beforeAll(async () => {
    results = await runConcurrently(500, 50, async (index) => {
      const sent = incomingRequest(index);
      return { sent, answer: await get(`${topology.gatewayUrl}/checkout`, sent.headers) };
    });
  }, 120_000);

  it('runs behind real load balancers when CI requires them', () => {
    if (loadBalancers === 'required') {
      expect(topology.loadBalancers).toEqual({ nginx: true, haproxy: true });
    }
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

  it('balances over both orders instances', () => {
    const instances = new Set(results.map(({ answer }) => answer.body.calls[0].instance));
    expect(instances).toEqual(new Set(['orders-1', 'orders-2']));
  });

  it('logs each request once per hop with its IDs, and the broken hop under its own ID', () => {
    for (const { answer } of results.slice(0, 100)) {
      const lines = requestLogs(answer.requestId);
      const services = lines.map((line) => line.service.replace(/-\d$/, '')).sort();
      expect(services).toEqual(['gateway', 'inventory', 'orders', 'pricing', 'pricing']);
      for (const line of lines) expect(line.traceId).toBe(answer.body.traceId);
      const [broken] = brokenHops(answer.body);
      expect(requestLogs(broken?.hop.requestId).map((line) => line.service)).toEqual(['pricing']);
    }
  });
});

describe('nginx as the edge', () => {
  it('generates the request ID when none came, and every hop behind it keeps it', async () => {
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

  it('keeps an ID the client sent', async () => {
    const answer = await get(`${topology.nginxUrl}/orders`, { 'x-request-id': 'edge-id-7' });
    expect(answer.body.requestId).toBe('edge-id-7');
    expect(answer.body.calls[0].requestId).toBe('edge-id-7');
  });
});

describe('one orders instance dies mid-run', () => {
  it('fails over: no request loses its IDs, a failed one is logged with its ID', async () => {
    let answered = 0;
    const results = await runConcurrently(200, 20, async (index) => {
      if (index === 60) topology.kill('orders-1');
      const sent = incomingRequest(index);
      const answer = await get(`${topology.gatewayUrl}/checkout`, sent.headers);
      answered++;
      return { sent, answer };
    });
    expect(answered).toBe(200);
    for (const { sent, answer } of results) {
      expect(answer.status, String(answer.error)).toBeGreaterThan(0);
      expect(answer.requestId).toBeTruthy();
      if (sent.requestId !== undefined) expect(answer.requestId).toBe(sent.requestId);
      if (answer.status === 200) {
        expect(brokenHops(answer.body)).toHaveLength(1);
        continue;
      }
      const gatewayLine = requestLogs(answer.requestId).find((line) => line.service === 'gateway');
      expect(gatewayLine?.status).toBe(answer.status);
    }
    const failed = results.filter(({ answer }) => answer.status !== 200);
    expect(failed.length, 'nginx retries the other instance').toBeLessThan(10);
    const after = await get(`${topology.gatewayUrl}/checkout`);
    expect(after.status).toBe(200);
    expect(after.body.calls[0].instance).toBe('orders-2');
  });
});
