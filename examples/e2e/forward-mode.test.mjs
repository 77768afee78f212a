// The same topology in forward mode (what Istio asks of an application): every hop forwards the
// incoming trace headers byte for byte, so every hop up to legacy sees the client's span itself.

import { brokenHops, hops, runConcurrently } from '@hoptrace-example/kit/hop-tree.mjs';
import { startTopology } from '@hoptrace-example/kit/topology.mjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { get, incomingRequest } from './requests.mjs';

let topology;
beforeAll(async () => {
  topology = await startTopology({
    mode: 'forward',
    loadBalancers: process.env.CI === 'true' ? 'required' : 'auto',
  });
});
afterAll(() => topology?.stop());

it('forwards the incoming trace unchanged through every hop up to legacy', async () => {
  const results = await runConcurrently(100, 20, async (index) => {
    // Only the kinds that bring a trace: B3 multi, B3 single, traceparent.
    const sent = incomingRequest(2 + (index % 3));
    return { sent, answer: await get(`${topology.gatewayUrl}/checkout`, sent.headers) };
  });
  for (const { sent, answer } of results) {
    expect(answer.status).toBe(200);
    const [broken] = brokenHops(answer.body);
    for (const hop of hops(answer.body)) {
      if (hop.service === 'legacy' || hop === broken?.hop) continue;
      expect(hop.traceId, sent.kind).toBe(sent.traceId);
      expect(hop.spanId, sent.kind).toBe(sent.spanId);
    }
    expect(brokenHops(answer.body)).toHaveLength(1);
  }
});
