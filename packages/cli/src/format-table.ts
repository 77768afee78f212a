import { formatMilliseconds } from './format-number.js';
import type { JoinModeSource } from './join-mode.js';
import { peerName } from './peer-name.js';
import { printableName } from './printable-name.js';
import { SKIP_REASONS } from './skip-reason.js';
import type { Topology, TopologyEdge } from './topology.js';

const HEADER = ['FROM', 'TO', 'CALLS', 'ERRORS', 'P50 MS', 'P99 MS', 'NOTES'] as const;
const RIGHT_ALIGNED = new Set([2, 3, 4, 5]);

function notes(edge: TopologyEdge): string {
  const parts: string[] = [];
  if (edge.to.kind === 'unobserved') parts.push('no server record: not instrumented, or ID lost');
  if (edge.rewritten > 0) parts.push(`ID rewritten by an intermediary: ${edge.rewritten}`);
  return parts.join('; ');
}

function row(edge: TopologyEdge): string[] {
  return [
    printableName(edge.from),
    printableName(peerName(edge.to)),
    String(edge.calls),
    String(edge.errors),
    formatMilliseconds(edge.p50Ms),
    formatMilliseconds(edge.p99Ms),
    notes(edge),
  ];
}

function duration(milliseconds: number): string {
  if (milliseconds % 60_000 === 0) return `${milliseconds / 60_000}m`;
  if (milliseconds % 1000 === 0) return `${milliseconds / 1000}s`;
  return `${milliseconds}ms`;
}

// How the footer says where the join mode came from: given needs no word.
const MODE_FROM: Readonly<Record<JoinModeSource, string>> = {
  option: '',
  records: ' (read off the records)',
  default: ' (default: the records do not tell)',
};

/**
 * The topology as a plain-text table, one edge per row, then a summary footer: records read and
 * joined, requests with no observed client, skipped lines by reason, ignored lines, join mode and
 * window. Names are escaped with `printableName`, so no log content reaches the terminal raw.
 *
 * @example
 * ```ts
 * process.stdout.write(formatTable(topology));
 * // FROM     TO        CALLS  ERRORS  P50 MS  P99 MS  NOTES
 * // gateway  orders-1    120       2    3.10    12.0
 * // …
 * ```
 */
export function formatTable(topology: Topology): string {
  const rows = [[...HEADER], ...topology.edges.map(row)];
  const widths = HEADER.map((_, column) =>
    Math.max(...rows.map((cells) => (cells[column] ?? '').length)),
  );
  const lines = rows.map((cells) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        if (column === cells.length - 1) return cell;
        return RIGHT_ALIGNED.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
  if (topology.edges.length === 0) lines.push('(no calls between services found)');

  const { client, server, joined } = topology.records;
  const footer = [`records: ${client} client, ${server} server; ${joined} calls joined`];
  if (topology.serversWithoutClient.length > 0) {
    const total = topology.serversWithoutClient.reduce((sum, entry) => sum + entry.requests, 0);
    const each = topology.serversWithoutClient
      .map((entry) => `${printableName(entry.service)} ${entry.requests}`)
      .join(', ');
    footer.push(`requests with no observed client: ${total} (${each})`);
  }
  const skipped = SKIP_REASONS.filter((reason) => topology.skipped[reason] > 0);
  const skippedTotal = skipped.reduce((sum, reason) => sum + topology.skipped[reason], 0);
  footer.push(
    skippedTotal === 0
      ? 'skipped lines: 0'
      : `skipped lines: ${skippedTotal} (${skipped.map((reason) => `${reason} ${topology.skipped[reason]}`).join(', ')})`,
  );
  if (topology.ignoredLines > 0) footer.push(`other log lines ignored: ${topology.ignoredLines}`);
  footer.push(
    `join: ${topology.mode}${MODE_FROM[topology.modeFrom]}, window ${duration(topology.joinWindowMs)}`,
  );
  return `${[...lines, '', ...footer].join('\n')}\n`;
}
