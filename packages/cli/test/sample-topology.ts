import { expect } from 'vitest';
import { buildTopology } from '../src/build-topology.js';
import type { Topology } from '../src/topology.js';
import { clientLine, linesOf, serverLine, T0 } from './records.js';

/** Service names a log could carry that would break a diagram or a terminal if printed raw. */
export const HOSTILE_NAMES = [
  'quote"d',
  'new\nline',
  'carriage\rreturn',
  'bracket]"]',
  'pipe|"|x',
  'arrow-->evil',
  'semi;colon#hash&amp',
  '<img src=x onerror=alert(1)>',
  '<b>bold</b>',
  'back\\slash\\N\\l',
  '`markdown` **x**',
  '%%{init: {"theme":"dark"}}%%',
  '}; digraph x {',
  '\u001b[31mred\u001b[0m',
  '\u202eevil',
  '__proto__',
  'café ☕ 🚀',
];

/** A topology with an ordinary edge, an error, a rewritten ID and an unobserved peer. */
export function plainTopology(): Promise<Topology> {
  return buildTopology(
    linesOf([
      clientLine({ requestId: 'a', start: T0, durationMs: 4 }),
      serverLine({ requestId: 'a', start: T0 + 1 }),
      clientLine({ requestId: 'b', start: T0 + 2, durationMs: 12, status: 500 }),
      serverLine({ requestId: 'b', start: T0 + 3, status: 500 }),
      clientLine({
        requestId: 'c',
        echoedRequestId: 'c2',
        matched: false,
        start: T0 + 4,
        durationMs: 6,
      }),
      serverLine({ requestId: 'c2', service: 'orders-2', start: T0 + 5 }),
      clientLine({
        requestId: 'd',
        target: { host: 'legacy', port: 9000 },
        start: T0 + 6,
        durationMs: 1.5,
      }),
      serverLine({ requestId: 'in', service: 'gateway', start: T0 - 1 }),
      serverLine().slice(0, 20),
    ]),
  );
}

/** Every hostile name calling the next one, and calling an unobserved peer named like it. */
export function hostileTopology(): Promise<Topology> {
  const lines = HOSTILE_NAMES.flatMap((name, index) => {
    const callee = HOSTILE_NAMES[(index + 1) % HOSTILE_NAMES.length];
    return [
      clientLine({ service: name, requestId: `h-${index}`, start: T0 + index }),
      serverLine({ service: callee, requestId: `h-${index}`, start: T0 + index }),
      clientLine({
        service: name,
        requestId: `u-${index}`,
        target: { host: name, port: 80 },
        start: T0 + index,
      }),
    ];
  });
  return buildTopology(linesOf(lines));
}

/**
 * Checks what a format drew of {@link hostileTopology}, its labels decoded: each of `expected`
 * among the node labels, and one node per service and one per unobserved peer spelled alike (two
 * nodes, never one), with an edge to each.
 */
export function expectHostileGraph(
  nodeLabels: readonly string[],
  edgeCount: number,
  expected: readonly string[],
): void {
  const labels = new Set(nodeLabels);
  for (const label of expected) expect(labels).toContain(label);
  expect(nodeLabels).toHaveLength(HOSTILE_NAMES.length * 2);
  expect(edgeCount).toBe(HOSTILE_NAMES.length * 2);
}
