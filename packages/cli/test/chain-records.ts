// Records of gateway → orders → inventory as the services write them, one log per service, for
// the tests of the join and its mode: every record of one request in the same millisecond, as on
// one host, each log in the order its service writes (a record is written when its call ends).
import { clientLine, serverLine, T0 } from './records.js';

/** The three service logs. */
export interface ChainLogs {
  readonly gateway: string[];
  readonly orders: string[];
  readonly inventory: string[];
}

/**
 * `requests` sequential requests through the chain. `forward`: one ID per chain (the services'
 * default); `per-call`: a fresh ID per call, the chain's ID as `correlationId`.
 */
export function chainLogs(requests: number, mode: 'forward' | 'per-call'): ChainLogs {
  const logs: ChainLogs = { gateway: [], orders: [], inventory: [] };
  for (let index = 0; index < requests; index += 1) {
    const start = T0 + index * 10;
    const chain = `chain-${index}`;
    const toOrders = mode === 'forward' ? chain : `call-${index}-a`;
    const toInventory = mode === 'forward' ? chain : `call-${index}-b`;
    const correlationId = mode === 'forward' ? undefined : chain;
    const common = { start, correlationId };
    logs.inventory.push(
      serverLine({ ...common, service: 'inventory', requestId: toInventory, durationMs: 0.4 }),
    );
    logs.orders.push(
      clientLine({
        ...common,
        service: 'orders',
        requestId: toInventory,
        echoedRequestId: toInventory,
        target: { host: 'inventory', port: 8082 },
        durationMs: 1.2,
      }),
      serverLine({ ...common, service: 'orders', requestId: toOrders, durationMs: 1.6 }),
    );
    logs.gateway.push(
      clientLine({
        ...common,
        service: 'gateway',
        requestId: toOrders,
        echoedRequestId: toOrders,
        target: { host: 'orders', port: 8081 },
        durationMs: 2.4,
      }),
      // The entry request: nobody sent a correlation ID, its own ID is the chain's.
      serverLine({ start, service: 'gateway', requestId: chain, durationMs: 2.9 }),
    );
  }
  return logs;
}
