// The topology in per-call mode with observations on: every service logs one record per
// request/response pair at each end, and `hoptrace topology` rebuilds the real service map from
// those logs alone (written to one file per service and read by the built `hoptrace topology`
// command), load balancers included (they forward the per-call ID). Under CI=true nginx
// and HAProxy must run; elsewhere a missing one is a direct call, and the map expected with it.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { runConcurrently } from '@hoptrace-example/kit/hop-tree.mjs';
import { RESERVE_PATH } from '@hoptrace-example/kit/stock-grpc.mjs';
import { startTopology } from '@hoptrace-example/kit/topology.mjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { get, incomingRequest } from './requests.mjs';

const CLI = join(
  dirname(createRequire(import.meta.url).resolve('hoptrace/package.json')),
  'dist',
  'cli.js',
);

let topology;
beforeAll(async () => {
  topology = await startTopology({
    mode: 'child',
    outboundRequestId: 'per-call',
    observe: true,
    loadBalancers: process.env.CI === 'true' ? 'required' : 'auto',
  });
});
let directory;
afterAll(async () => {
  await topology?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

/**
 * Writes each service's log lines (pino JSON, records and request lines mixed, as the services
 * logged them) to a file of its own, and runs the built `hoptrace topology` command on them.
 */
async function topologyFromLogFiles(logs) {
  directory = await mkdtemp(join(tmpdir(), 'hoptrace-observations-'));
  const byService = new Map();
  for (const line of logs) {
    const lines = byService.get(line.service) ?? [];
    lines.push(JSON.stringify(line));
    byService.set(line.service, lines);
  }
  const files = [];
  for (const [service, lines] of byService) {
    const file = join(directory, `${service}.log`);
    await writeFile(file, `${lines.join('\n')}\n`);
    files.push(file);
  }
  const { stdout } = await promisify(execFile)(process.execPath, [
    CLI,
    'topology',
    '--format',
    'json',
    ...files,
  ]);
  return JSON.parse(stdout);
}

it('gives every request/response pair its own ID, with the chain ID as correlation', async () => {
  const answer = await get(`${topology.gatewayUrl}/checkout`, { 'x-request-id': 'chain-77' });
  expect(answer.status).toBe(200);
  expect(answer.requestId).toBe('chain-77');
  const orders = answer.body.calls[0];
  expect(orders.requestId).not.toBe('chain-77');
  // orders, inventory and pricing (/price, and /cost behind inventory) log the chain's ID as their
  // correlation ID. Each writes its line when its response finishes, so the last ones may still be
  // on their way through the pipes when the gateway's answer is here.
  const correlated = () =>
    topology.logs.filter((line) => line.msg === 'request' && line.correlationId === 'chain-77');
  const deadline = Date.now() + 5_000;
  while (correlated().length < 5 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const lines = correlated();
  // inventory twice: /stock over HTTP/1.1 and Stock/Reserve over gRPC, each its own ID.
  expect(lines.map((line) => line.service.replace(/-\d$/, '')).sort()).toEqual([
    'inventory',
    'inventory',
    'orders',
    'pricing',
    'pricing',
  ]);
  expect(new Set(lines.map((line) => line.requestId)).size).toBe(5);
});

it('rebuilds the service map from the observation records alone', async () => {
  await runConcurrently(60, 10, (index) =>
    get(`${topology.gatewayUrl}/checkout`, incomingRequest(index).headers),
  );
  // Records are written after each pair completes, off the request path: wait (bounded) until
  // the last pricing → legacy call of the run has been recorded too.
  const recorded = (service) =>
    topology.logs.filter((line) => line.hoptrace === 'client' && line.service === service).length;
  const deadline = Date.now() + 10_000;
  while ((recorded('gateway') < 61 || recorded('pricing') < 61) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The server side of the last calls (orders answering the gateway's last call, say) may still be
  // on its way through the pipes: wait until no observation has arrived for 300 ms (bounded).
  const observations = () => topology.logs.filter((line) => line.hoptrace !== undefined).length;
  let count = observations();
  let quietSince = Date.now();
  while (Date.now() - quietSince < 300 && Date.now() < deadline + 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (observations() !== count) {
      count = observations();
      quietSince = Date.now();
    }
  }
  const map = await topologyFromLogFiles(topology.logs);
  const edges = map.edges.map((edge) =>
    edge.toKind === 'service' ? `${edge.from} → ${edge.to}` : `${edge.from} → unobserved`,
  );
  // Behind nginx the gateway reaches both orders instances; without it, orders-1 alone (HAProxy
  // or not, orders → inventory is one edge: it forwards the per-call ID).
  const ordersInstances = topology.loadBalancers.nginx ? ['orders-1', 'orders-2'] : ['orders-1'];
  const expected = [
    ...ordersInstances.flatMap((orders) => [
      `gateway → ${orders}`,
      `${orders} → inventory`,
      `${orders} → pricing`,
    ]),
    'inventory → pricing',
    'pricing → unobserved',
  ];
  expect(new Set(edges)).toEqual(new Set(expected));
  // The unobserved peer is legacy itself: the address pricing called.
  const unobserved = map.edges.find((edge) => edge.toKind === 'unobserved');
  const legacy = new URL(topology.urls.legacy);
  expect(unobserved?.target).toMatchObject({ host: legacy.hostname, port: Number(legacy.port) });
  // legacy calls pricing /cost without any header: pricing saw those calls with no client.
  expect(map.serversWithoutClient.map((server) => server.service)).toContain('pricing');
  const gatewayCalls = map.edges
    .filter((edge) => edge.from === 'gateway')
    .reduce((total, edge) => total + edge.calls, 0);
  expect(gatewayCalls).toBeGreaterThanOrEqual(60);
  for (const edge of map.edges) expect(edge.errors, `${edge.from}`).toBe(0);

  // The gRPC hop is in that map: each orders instance calls inventory twice per request (/stock
  // and Stock/Reserve), so its edge to inventory counts twice its calls to pricing.
  for (const orders of ordersInstances) {
    const calls = (to) =>
      map.edges.find((edge) => edge.from === orders && edge.to === to)?.calls ?? 0;
    expect(calls('pricing'), orders).toBeGreaterThan(0);
    expect(calls('inventory'), orders).toBe(2 * calls('pricing'));
  }
  // And in the records it was joined from: every gRPC call orders recorded has inventory's record
  // of it under the same per-call ID, both with the gRPC status and the method's path.
  const grpcRecords = (side) =>
    topology.logs.filter((line) => line.hoptrace === side && line.route === RESERVE_PATH);
  const clients = grpcRecords('client');
  const servers = new Map(grpcRecords('server').map((record) => [record.requestId, record]));
  expect(clients.length).toBeGreaterThanOrEqual(60);
  for (const client of clients) {
    expect(client).toMatchObject({ grpcStatus: 0, status: 200 });
    expect(servers.get(client.requestId), client.requestId).toMatchObject({
      service: 'inventory',
      grpcStatus: 0,
      httpVersion: '2.0',
    });
  }
});
