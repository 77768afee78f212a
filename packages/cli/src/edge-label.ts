import { formatMilliseconds } from './format-number.js';
import type { TopologyEdge } from './topology.js';

/**
 * The label a drawn edge carries: calls and p99, then errors and rewritten IDs when there are
 * any. Made of numbers and fixed words only.
 *
 * @example
 * ```ts
 * edgeLabel(edge); // '120 calls, p99 12.0 ms, 2 errors'
 * ```
 */
export function edgeLabel(edge: TopologyEdge): string {
  const parts = [
    `${edge.calls} ${edge.calls === 1 ? 'call' : 'calls'}`,
    `p99 ${formatMilliseconds(edge.p99Ms)} ms`,
  ];
  if (edge.errors > 0) parts.push(`${edge.errors} ${edge.errors === 1 ? 'error' : 'errors'}`);
  if (edge.rewritten > 0) parts.push(`ID rewritten by an intermediary: ${edge.rewritten}`);
  return parts.join(', ');
}
