// `hoptrace trace` against the example topology: one diagnostic request through gateway → nginx →
// orders → HAProxy → inventory, orders → pricing → legacy, and the trail every hop sent back
// (every hop, the gRPC one too: orders → HAProxy's HTTP/2 listener → inventory Stock/Reserve,
// whose trail travels in the call's trailing metadata).
// Real processes on loopback behind real nginx and HAProxy (required under CI=true).

import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RESERVE_PATH } from '@hoptrace-example/kit/stock-grpc.mjs';
import { startTopology } from '@hoptrace-example/kit/topology.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const loadBalancers = process.env.CI === 'true' ? 'required' : 'auto';
const CLI = join(
  dirname(createRequire(import.meta.url).resolve('hoptrace/package.json')),
  'dist',
  'cli.js',
);

/** Runs the built `hoptrace` binary. */
function hoptrace(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One request with node:http (fetch cannot send TRACE): status, headers and body text. */
function send(url, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method, headers, timeout: 20_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode, headers: response.headers, text }),
      );
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer in 20 s')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Every call of the trail, with the hop that made it, depth first. */
function callsOf(hop, found = []) {
  for (const call of hop.calls) {
    found.push({ hop, call });
    if (call.hop !== null) callsOf(call.hop, found);
  }
  return found;
}

function addressOf(url) {
  return new URL(url).host;
}

let topology;
let trace;
let first;
beforeAll(async () => {
  topology = await startTopology({ mode: 'child', loadBalancers });
  trace = await hoptrace([
    'trace',
    `${topology.gatewayUrl}/checkout`,
    '--token',
    topology.diagnosticsToken,
    '--json',
  ]);
  if (!trace.stdout.startsWith('{')) {
    throw new Error(`hoptrace trace printed no JSON (exit ${trace.code}): ${trace.stderr}`);
  }
  first = JSON.parse(trace.stdout);
});
afterAll(() => topology?.stop());

describe('hoptrace trace through the example topology', () => {
  it('exits 1, since the trace breaks at legacy', () => {
    expect(trace.stderr).toBe('');
    expect(trace.code).toBe(1);
    expect(first).toMatchObject({ mark: 'ok', status: 200 });
  });

  it('shows every hop, each with the request ID and trace ID of the chain', () => {
    const services = [
      first.hop.service,
      ...callsOf(first.hop).map(({ call }) => call.hop?.service ?? null),
    ];
    expect(services[0]).toBe('gateway');
    expect(services).toEqual(expect.arrayContaining(['inventory', 'pricing', null]));
    expect(services.filter((name) => name === 'orders-1' || name === 'orders-2')).toHaveLength(1);
    const hops = [
      first.hop,
      ...callsOf(first.hop).flatMap(({ call }) => (call.hop ? [call.hop] : [])),
    ];
    for (const hop of hops) {
      expect(hop.requestId, hop.service).toBe(first.sent.requestId);
      expect(hop.traceId, hop.service).toBe(first.hop.traceId);
    }
    // In child mode every hop continued the span its caller sent.
    for (const { call } of callsOf(first.hop)) {
      if (call.hop !== null) expect(call.hop.spanId).toBe(call.sent.spanId);
    }
  });

  it('marks exactly the call to legacy as the break: not instrumented', () => {
    const broken = callsOf(first.hop).filter(({ call }) => call.mark !== 'ok');
    expect(broken).toHaveLength(1);
    const [{ hop, call }] = broken;
    expect(hop.service).toBe('pricing');
    expect(call.mark).toBe('not-instrumented');
    expect(addressOf(call.url)).toBe(addressOf(topology.urls.legacy));
  });

  it('shows the hops through nginx and HAProxy: sent to the proxy, answered elsewhere', ({
    skip,
  }) => {
    skip(
      topology.nginxUrl === null || topology.haproxyUrl === null,
      'nginx or HAProxy is not running (CI is not true)',
    );
    const [toOrders] = first.hop.calls;
    expect(addressOf(toOrders.url)).toBe(addressOf(topology.nginxUrl));
    // axios' http adapter reports the socket: nginx's address.
    expect(toOrders.remote).toBe(addressOf(topology.nginxUrl));
    expect([addressOf(topology.urls['orders-1']), addressOf(topology.urls['orders-2'])]).toContain(
      toOrders.hop.address,
    );
    const toInventory = toOrders.hop.calls.find(({ hop }) => hop?.service === 'inventory');
    expect(addressOf(toInventory.url)).toBe(addressOf(topology.haproxyUrl));
    expect(toInventory.hop.address).toBe(addressOf(topology.urls.inventory));
  });

  // @hoptrace/grpc sends x-hoptrace-diag on in the call's metadata, and inventory's server
  // interceptor answers with its trail in the trailing metadata: orders' Stock/Reserve call is in
  // the trail beside its two HTTP calls, inventory's gRPC hop below it.
  it('shows the gRPC call: orders → inventory Stock/Reserve, its hop below it', () => {
    const [toOrders] = first.hop.calls;
    const paths = toOrders.hop.calls.map((call) => new URL(call.url).pathname).sort();
    expect(paths).toEqual([RESERVE_PATH, '/price', '/stock'].sort());
    const toStock = toOrders.hop.calls.find((call) => call.url.startsWith('grpc://'));
    expect(toStock).toMatchObject({ method: 'POST', status: 200, failure: null, mark: 'ok' });
    const expected = topology.grpcTargets.haproxy ?? topology.grpcTargets.inventory;
    expect(addressOf(toStock.url)).toBe(expected);
    expect(toStock.hop).toMatchObject({
      service: 'inventory',
      method: 'POST',
      route: RESERVE_PATH,
      status: 200,
      address: topology.grpcTargets.inventory,
      requestIdArrived: true,
      traceIdArrived: true,
    });
  });

  it('nests durations: a hop outlasts its calls, a call outlasts the hop it reached', () => {
    for (const { hop, call } of callsOf(first.hop)) {
      expect(hop.durationMs).toBeGreaterThanOrEqual(call.durationMs);
      if (call.hop !== null) expect(call.durationMs).toBeGreaterThanOrEqual(call.hop.durationMs);
    }
  });

  it('prints the tree with the break marked', async () => {
    const printed = await hoptrace([
      'trace',
      `${topology.gatewayUrl}/checkout`,
      '--token',
      topology.diagnosticsToken,
    ]);
    expect(printed.code).toBe(1);
    expect(printed.stdout).toContain('● gateway');
    expect(printed.stdout).toContain('✗ NOT INSTRUMENTED');
    expect(printed.stdout).toMatch(
      /✗ pricing → GET http:\/\/127\.0\.0\.1:\d+\/quote: not instrumented/,
    );
    if (topology.nginxUrl !== null) expect(printed.stdout).toContain('through a proxy');
  });

  it('reveals nothing without the right token', async () => {
    const refused = await hoptrace([
      'trace',
      `${topology.gatewayUrl}/checkout`,
      '--token',
      'not-the-topology-token',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('no trail came back');
    const plain = await send(`${topology.gatewayUrl}/checkout`, {
      'x-hoptrace-diag': 'guess-guess-guess-guess',
    });
    expect(plain.status).toBe(200);
    expect(plain.headers['x-hoptrace-trail']).toBeUndefined();
  });

  it('answers a Linkerd-style TRACE with l5d-add-context with the trail as text', async () => {
    const answer = await send(
      `${topology.gatewayUrl}/checkout`,
      {
        'x-hoptrace-diag': topology.diagnosticsToken,
        'l5d-add-context': 'true',
      },
      'TRACE',
    );
    expect(answer.text).toContain('● gateway');
  });
});
