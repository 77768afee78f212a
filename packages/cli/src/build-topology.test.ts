import { describe, expect, it } from 'vitest';
import { chainLogs } from '../test/chain-records.js';
import { clientLine, linesOf, pinoLine, serverLine, T0 } from '../test/records.js';
import { buildTopology } from './build-topology.js';
import { peerName } from './peer-name.js';
import { readLineBatches } from './read-lines.js';
import type { Topology, TopologyEdge } from './topology.js';

function edge(topology: Topology, from: string, to: string): TopologyEdge | undefined {
  return topology.edges.find(
    (candidate) =>
      candidate.from === from &&
      (candidate.to.kind === 'service'
        ? candidate.to.service === to
        : `unobserved ${candidate.to.target.host}:${candidate.to.target.port}` === to),
  );
}

async function* bytes(...chunks: (string | Uint8Array)[]): AsyncGenerator<Uint8Array | string> {
  for (const chunk of chunks) yield chunk;
}

// gateway → orders-1 (2 calls, one 503), gateway → orders-2 through an ID-rewriting proxy,
// gateway → legacy (uninstrumented), orders-1 → inventory (timed out), plus the gateway's own
// incoming traffic from outside. Half the lines are pino-wrapped, as a service logging through
// pino writes them.
const gatewayLog = [
  pinoLine(serverLine({ service: 'gateway', requestId: 'in-1', start: T0 - 1, durationMs: 40 })),
  pinoLine(clientLine({ requestId: 'c-1', start: T0, durationMs: 5 })),
  pinoLine(clientLine({ requestId: 'c-2', start: T0 + 10, durationMs: 9, status: 503 })),
  clientLine({
    requestId: 'c-3',
    echoedRequestId: 'nginx-77',
    matched: false,
    target: { host: 'nginx', port: 8080 },
    start: T0 + 20,
    durationMs: 7,
  }),
  clientLine({
    requestId: 'c-4',
    echoedRequestId: null,
    target: { host: 'legacy', port: 9000 },
    start: T0 + 30,
    durationMs: 2,
  }),
  '{"level":30,"msg":"gateway listening"}',
];
const ordersLog = [
  serverLine({ requestId: 'c-1', start: T0 + 1, durationMs: 4 }),
  pinoLine(
    clientLine({
      service: 'orders-1',
      requestId: 'o-1',
      echoedRequestId: null,
      target: { host: 'inventory', port: 7000 },
      status: null,
      failure: 'UT',
      start: T0 + 12,
      durationMs: 1000,
    }),
  ),
  serverLine({ requestId: 'c-2', start: T0 + 11, durationMs: 8, status: 503 }),
  serverLine({ service: 'orders-2', requestId: 'nginx-77', start: T0 + 21, durationMs: 5 }),
];
const inventoryLog = [
  serverLine({ service: 'inventory', requestId: 'o-1', start: T0 + 13, durationMs: 1500 }),
];

describe('buildTopology', () => {
  it('joins client and server records of several service logs into edges', async () => {
    const topology = await buildTopology([
      linesOf(gatewayLog),
      linesOf(ordersLog),
      linesOf(inventoryLog),
    ]);
    expect(topology.edges.map((each) => `${each.from} → ${peerName(each.to)}`)).toEqual([
      'gateway → orders-1',
      'gateway → orders-2',
      'gateway → unobserved legacy:9000',
      'orders-1 → inventory',
    ]);
    expect(edge(topology, 'gateway', 'orders-1')).toMatchObject({
      calls: 2,
      errors: 1,
      rewritten: 0,
      p50Ms: 5,
      p99Ms: 9,
    });
    expect(edge(topology, 'orders-1', 'inventory')).toMatchObject({ calls: 1, errors: 1 });
    expect(topology.records).toEqual({ client: 5, server: 5, joined: 4 });
    expect(topology.serversWithoutClient).toEqual([{ service: 'gateway', requests: 1 }]);
    expect(topology.ignoredLines).toBe(1);
    expect(Object.values(topology.skipped).every((count) => count === 0)).toBe(true);
  });

  it('shows a call no server record claims as a call to an unobserved peer', async () => {
    const topology = await buildTopology([linesOf(gatewayLog), linesOf(ordersLog)]);
    const legacy = edge(topology, 'gateway', 'unobserved legacy:9000');
    expect(legacy).toMatchObject({ calls: 1, errors: 0, p50Ms: 2 });
    expect(legacy?.to).toEqual({ kind: 'unobserved', target: { host: 'legacy', port: 9000 } });
    // inventory's log is missing here: its calls show as unobserved too.
    expect(edge(topology, 'orders-1', 'unobserved inventory:7000')).toMatchObject({ calls: 1 });
  });

  it('marks and counts responses that echoed a rewritten ID on their edge', async () => {
    const topology = await buildTopology([linesOf(gatewayLog), linesOf(ordersLog)]);
    expect(edge(topology, 'gateway', 'orders-2')).toMatchObject({ calls: 1, rewritten: 1 });
    // Without the server's log the rewritten call still counts, on the unobserved peer.
    const alone = await buildTopology(linesOf(gatewayLog));
    expect(edge(alone, 'gateway', 'unobserved nginx:8080')).toMatchObject({ rewritten: 1 });
  });

  it('gives the same result whatever the order of the inputs and one merged input', async () => {
    const forward = await buildTopology([linesOf(gatewayLog), linesOf(ordersLog)]);
    const backward = await buildTopology([linesOf(ordersLog), linesOf(gatewayLog)]);
    const merged = await buildTopology(linesOf([...gatewayLog, ...ordersLog]));
    expect(backward).toEqual(forward);
    expect(merged.edges).toEqual(forward.edges);
  });

  it('counts a server seen with no client and a client whose server fell out of the window', async () => {
    const topology = await buildTopology(
      [
        linesOf([clientLine({ requestId: 'slow', start: T0 })]),
        linesOf([
          serverLine({ requestId: 'other', start: T0 + 10 * 60_000 }),
          serverLine({ requestId: 'slow', start: T0 + 10 * 60_000 + 1 }),
        ]),
      ],
      { joinWindowMs: 60_000 },
    );
    expect(topology.records.joined).toBe(0);
    expect(edge(topology, 'gateway', 'unobserved orders:8081')).toMatchObject({ calls: 1 });
    expect(topology.serversWithoutClient).toEqual([{ service: 'orders-1', requests: 2 }]);
    expect(topology.joinWindowMs).toBe(60_000);
  });

  it('computes p50 and p99 per edge within 2 % of the exact values', async () => {
    const durations = Array.from(
      { length: 5000 },
      (_, index) => 0.5 + ((index * 7919) % 5000) / 10,
    );
    const lines = durations.flatMap((durationMs, index) => [
      clientLine({ requestId: `p-${index}`, start: T0 + index, durationMs }),
      serverLine({ requestId: `p-${index}`, start: T0 + index, durationMs: 0.1 }),
    ]);
    const topology = await buildTopology(linesOf(lines));
    const sorted = [...durations].sort((left, right) => left - right);
    const exact = (q: number) => sorted[Math.ceil(q * sorted.length) - 1] ?? 0;
    const only = topology.edges[0];
    expect(topology.edges).toHaveLength(1);
    expect(Math.abs((only?.p50Ms ?? 0) - exact(0.5)) / exact(0.5)).toBeLessThan(0.02);
    expect(Math.abs((only?.p99Ms ?? 0) - exact(0.99)) / exact(0.99)).toBeLessThan(0.02);
  });

  it('reads byte streams through readLineBatches', async () => {
    const text = `${gatewayLog.join('\n')}\n${ordersLog.join('\r\n')}`;
    const middle = Math.floor(text.length / 2);
    const topology = await buildTopology(
      readLineBatches(bytes(text.slice(0, middle), text.slice(middle))),
    );
    expect(edge(topology, 'gateway', 'orders-1')).toMatchObject({ calls: 2 });
  });
});

describe('buildTopology in forward mode', () => {
  it('joins eight sequential requests on one host, each in one millisecond, with no self-edge', async () => {
    const logs = chainLogs(8, 'forward');
    for (const order of [
      [logs.gateway, logs.orders, logs.inventory],
      [logs.inventory, logs.orders, logs.gateway],
    ]) {
      const topology = await buildTopology(order.map(linesOf), { mode: 'forward' });
      expect(
        topology.edges.map((found) => `${found.from}→${peerName(found.to)} ×${found.calls}`),
      ).toEqual(['gateway→orders ×8', 'orders→inventory ×8']);
      expect(topology.serversWithoutClient).toEqual([{ service: 'gateway', requests: 8 }]);
    }
  });
});

describe('buildTopology on hostile input', () => {
  const hostileNames = [
    'quote"d',
    'new\nline',
    'bracket]]',
    'arrow-->x',
    '<img src=x onerror=alert(1)>',
    '__proto__',
    'constructor',
    '\u202egnp.exe',
  ];

  it.each([
    ['truncated JSON', [serverLine().slice(0, 50)], 'invalid-json'],
    [
      'a 2 MB line',
      [`{"hoptrace":"server","x":"${'a'.repeat(2 * 1024 * 1024)}"}`],
      'line-too-long',
    ],
    ['binary bytes', [Buffer.from([0x00, 0x9f, 0xff, 0x7b]).toString('latin1')], 'binary'],
    ['wrong types', [serverLine({ start: 'yesterday' }), clientLine({ matched: 1 })], 'wrong-type'],
    ['missing fields', [clientLine({ target: undefined })], 'missing-field'],
    ['out-of-range values', [serverLine({ durationMs: -3 })], 'invalid-value'],
  ])('skips and counts %s, and keeps the good lines around', async (_, bad, reason) => {
    const topology = await buildTopology(
      linesOf([clientLine({ requestId: 'ok' }), ...bad, serverLine({ requestId: 'ok' })]),
    );
    expect(topology.skipped[reason as keyof Topology['skipped']]).toBe(bad.length);
    expect(topology.records.joined).toBe(1);
  });

  it('skips the same hostile lines arriving as bytes, with no string ever built for the long one', async () => {
    const topology = await buildTopology(
      readLineBatches(
        bytes(
          `${clientLine({ requestId: 'ok' })}\n`,
          Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x0a]),
          `{"hoptrace":"client","pad":"${'z'.repeat(1024 * 1024)}`,
          `${'z'.repeat(1024 * 1024)}"}\n`,
          `${serverLine({ requestId: 'ok' })}\n`,
          serverLine().slice(0, 30),
        ),
      ),
    );
    expect(topology.skipped).toMatchObject({ binary: 1, 'line-too-long': 1, 'invalid-json': 1 });
    expect(topology.records.joined).toBe(1);
  });

  it('keeps hostile service names as plain data, each its own node', async () => {
    const lines = hostileNames.flatMap((name, index) => [
      clientLine({ service: name, requestId: `h-${index}`, start: T0 + index }),
      serverLine({ service: `${name} (server)`, requestId: `h-${index}`, start: T0 + index }),
    ]);
    lines.push('{"__proto__":{"hoptrace":"client"},"hoptrace":"server","service":"x"}');
    const topology = await buildTopology(linesOf(lines));
    expect(topology.edges.map((each) => each.from).sort()).toEqual([...hostileNames].sort());
    expect(topology.records.joined).toBe(hostileNames.length);
    expect(topology.skipped['missing-field']).toBe(1);
    expect(Object.getPrototypeOf(topology.skipped)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).hoptrace).toBeUndefined();
  });

  it('caps distinct edges and counts the calls past the cap', async () => {
    const lines = Array.from({ length: 50 }, (_, index) =>
      clientLine({ service: `svc-${index}`, requestId: `e-${index}`, start: T0 + index }),
    );
    const topology = await buildTopology(linesOf(lines), { maxEdges: 10 });
    expect(topology.edges).toHaveLength(10);
    expect(topology.skipped['too-many-edges']).toBe(40);
  });

  it('rejects when an input fails to read, after closing the others', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield clientLine();
      throw new Error('EIO: disk gone');
    }
    let closed = false;
    async function* other(): AsyncGenerator<string> {
      try {
        for (let index = 0; index < 3; index += 1) yield serverLine({ requestId: `x-${index}` });
      } finally {
        closed = true;
      }
    }
    await expect(buildTopology([failing(), other()])).rejects.toThrow('EIO');
    expect(closed).toBe(true);
  });
});
