import { describe, expect, it } from 'vitest';
import { clientLine, serverLine, T0 } from '../test/records.js';
import type { JoinMode } from './join-mode.js';
import { JoinState, MAX_PENDING_PER_ID } from './join-state.js';
import type { ClientObservation, Observation, ServerObservation } from './observation.js';
import { parseObservation } from './parse-observation.js';

function client(overrides: Record<string, unknown> = {}): ClientObservation {
  return parseObservation(clientLine(overrides)) as ClientObservation;
}

function server(overrides: Record<string, unknown> = {}): ServerObservation {
  return parseObservation(serverLine(overrides)) as ServerObservation;
}

function run(records: readonly Observation[], mode: JoinMode = 'per-call', windowMs = 60_000) {
  const pairs: string[] = [];
  const clientsAlone: string[] = [];
  const serversAlone: string[] = [];
  const pendingAfterEach: number[] = [];
  const join = new JoinState(
    {
      pair: (from, to) => pairs.push(`${from.service}→${to.service} ${from.requestId}`),
      clientAlone: (alone) => clientsAlone.push(`${alone.service} ${alone.requestId}`),
      serverAlone: (alone) => serversAlone.push(`${alone.service} ${alone.requestId}`),
    },
    { mode, windowMs },
  );
  for (const record of records) {
    join.add(record);
    pendingAfterEach.push(join.pending);
  }
  join.finish();
  return { pairs, clientsAlone, serversAlone, pendingAfterEach, pendingAtEnd: join.pending };
}

describe('JoinState', () => {
  it('pairs the two ends of a call on the request ID, in either order and despite clock skew', () => {
    const result = run([
      client({ requestId: 'a' }),
      server({ requestId: 'b', start: T0 - 5 }), // its host's clock is behind
      server({ requestId: 'a' }),
      client({ requestId: 'b', start: T0 + 2 }),
    ]);
    expect(result.pairs).toEqual(['gateway→orders-1 a', 'gateway→orders-1 b']);
    expect(result.clientsAlone).toEqual([]);
    expect(result.serversAlone).toEqual([]);
  });

  it('reports what never found a partner when the input ends', () => {
    const result = run([client({ requestId: 'lost' }), server({ requestId: 'external' })]);
    expect(result.pairs).toEqual([]);
    expect(result.clientsAlone).toEqual(['gateway lost']);
    expect(result.serversAlone).toEqual(['orders-1 external']);
    expect(result.pendingAtEnd).toBe(0);
  });

  it('pairs a client whose response echoed another ID with the server that saw that ID', () => {
    const result = run([
      client({ requestId: 'sent', echoedRequestId: 'rewritten', matched: false }),
      server({ service: 'orders-2', requestId: 'rewritten' }),
      server({ requestId: 'sent' }), // nothing left for it: the client is taken
    ]);
    expect(result.pairs).toEqual(['gateway→orders-2 sent']);
    expect(result.serversAlone).toEqual(['orders-1 sent']);
    expect(result.pendingAtEnd).toBe(0);
  });

  it('gives records up once they are older than the window, so pending stays bounded', () => {
    const records: Observation[] = [];
    for (let index = 0; index < 1000; index += 1) {
      // One unpaired call every second of record time: at most a minute of them may wait.
      records.push(client({ requestId: `lost-${index}`, start: T0 + index * 1000 }));
    }
    const result = run(records, 'per-call', 60_000);
    expect(result.clientsAlone).toHaveLength(1000);
    expect(Math.max(...result.pendingAfterEach)).toBeLessThanOrEqual(60 + 60 / 16 + 2);
  });

  it('does not pair across the window: the late end is reported alone too', () => {
    const result = run(
      [client({ requestId: 'slow', start: T0 }), server({ requestId: 'x', start: T0 + 120_000 })],
      'per-call',
      60_000,
    );
    const late = run(
      [
        client({ requestId: 'slow', start: T0 }),
        server({ requestId: 'x', start: T0 + 120_000 }),
        server({ requestId: 'slow', start: T0 + 120_001 }),
      ],
      'per-call',
      60_000,
    );
    expect(result.clientsAlone).toEqual(['gateway slow']);
    expect(late.pairs).toEqual([]);
    expect(late.serversAlone).toContain('orders-1 slow');
  });

  interface ForwardCase {
    readonly name: string;
    readonly records: readonly Observation[];
    readonly pairs: readonly string[];
    readonly serversAlone?: readonly string[];
    readonly clientsAlone?: readonly string[];
  }

  // One chain on one host, gateway → orders → inventory, every record in the same millisecond.
  const tied = {
    inventory: server({ service: 'inventory', requestId: 'f', start: T0, durationMs: 0.4 }),
    ordersCall: client({ service: 'orders', requestId: 'f', start: T0, durationMs: 1.2 }),
    orders: server({ service: 'orders', requestId: 'f', start: T0, durationMs: 1.6 }),
    gatewayCall: client({ service: 'gateway', requestId: 'f', start: T0, durationMs: 2.4 }),
    gateway: server({ service: 'gateway', requestId: 'f', start: T0, durationMs: 2.9 }),
  };

  const forwardCases: readonly ForwardCase[] = [
    {
      // gateway → orders → inventory, one ID all the way; orders logs its own call first because
      // it ends first, and the merge sees records roughly by start.
      name: 'follows one ID down a chain by start time',
      records: [
        client({ service: 'gateway', requestId: 'f', start: T0 }),
        client({ service: 'orders-1', requestId: 'f', start: T0 + 2 }),
        server({ service: 'inventory', requestId: 'f', start: T0 + 3 }),
        server({ service: 'orders-1', requestId: 'f', start: T0 + 1 }),
        server({ service: 'gateway', requestId: 'f', start: T0 - 1 }),
      ],
      pairs: ['orders-1→inventory f', 'gateway→orders-1 f'],
      serversAlone: ['gateway f'],
      clientsAlone: [],
    },
    {
      name: 'a client pairs with the earliest server at or after its start',
      records: [
        server({ service: 'late', requestId: 'f', start: T0 + 9 }),
        server({ service: 'early', requestId: 'f', start: T0 + 3 }),
        server({ service: 'before', requestId: 'f', start: T0 - 3 }),
        client({ service: 'caller', requestId: 'f', start: T0 }),
      ],
      pairs: ['caller→early f'],
    },
    {
      // The tied chain fed in the order one shared log gets it (each record is written when its
      // call ends): inventory, orders, gateway.
      name: 'never pairs a service with its own server record started the same millisecond',
      records: [tied.inventory, tied.ordersCall, tied.orders, tied.gatewayCall, tied.gateway],
      pairs: ['orders→inventory f', 'gateway→orders f'],
      serversAlone: ['gateway f'],
    },
    {
      // The tied chain, clients first (the merge order on a tie): gateway's own request, which also
      // started in that millisecond, arrives while orders' call waits, and must not be taken for
      // its callee.
      name: 'a tied caller further up is not taken for the callee',
      records: [tied.gatewayCall, tied.ordersCall, tied.gateway, tied.orders, tied.inventory],
      pairs: ['gateway→orders f', 'orders→inventory f'],
      serversAlone: ['gateway f'],
      clientsAlone: [],
    },
    {
      name: 'pairs a real self-call: the same service, a request started later',
      records: [
        server({ service: 'orders', requestId: 'f', start: T0, durationMs: 9 }),
        client({ service: 'orders', requestId: 'f', start: T0 + 1, durationMs: 5 }),
        server({ service: 'orders', requestId: 'f', start: T0 + 2, durationMs: 2 }),
      ],
      pairs: ['orders→orders f'],
      serversAlone: ['orders f'],
    },
  ];

  it.each(forwardCases)('in forward mode, $name', (expected) => {
    const result = run(expected.records, 'forward');
    expect(result.pairs).toEqual(expected.pairs);
    if (expected.serversAlone !== undefined) {
      expect(result.serversAlone).toEqual(expected.serversAlone);
    }
    if (expected.clientsAlone !== undefined) {
      expect(result.clientsAlone).toEqual(expected.clientsAlone);
    }
  });

  it('in per-call mode, the start times do not matter', () => {
    const result = run(
      [
        server({ requestId: 'p', start: T0, durationMs: 9 }),
        client({ requestId: 'p', start: T0 + 5 }),
      ],
      'per-call',
    );
    expect(result.pairs).toEqual(['gateway→orders-1 p']);
  });

  it('keeps at most MAX_PENDING_PER_ID records under one ID', () => {
    const records = Array.from({ length: MAX_PENDING_PER_ID + 10 }, (_, index) =>
      client({ requestId: 'same', start: T0 + index }),
    );
    const result = run(records, 'forward');
    expect(Math.max(...result.pendingAfterEach)).toBe(MAX_PENDING_PER_ID);
    expect(result.clientsAlone).toHaveLength(MAX_PENDING_PER_ID + 10);
  });
});
