import { formatDot } from './format-dot.js';
import { formatJson } from './format-json.js';
import { formatMermaid } from './format-mermaid.js';
import { formatTable } from './format-table.js';
import type { Topology } from './topology.js';

/**
 * The output formats of `hoptrace topology --format`.
 *
 * @example
 * ```ts
 * const format: TopologyFormat = 'mermaid';
 * ```
 */
export const TOPOLOGY_FORMATS = ['table', 'json', 'mermaid', 'dot'] as const;

/**
 * One of {@link TOPOLOGY_FORMATS}.
 *
 * @example
 * ```ts
 * formatTopology(topology, 'dot' satisfies TopologyFormat);
 * ```
 */
export type TopologyFormat = (typeof TOPOLOGY_FORMATS)[number];

/**
 * Renders a topology in one of the {@link TOPOLOGY_FORMATS}: `table` (text for people), `json`
 * (for scripts), `mermaid` (a flowchart for Markdown), `dot` (Graphviz).
 *
 * @example
 * ```ts
 * process.stdout.write(formatTopology(await buildTopology(lines), 'mermaid'));
 * ```
 */
export function formatTopology(topology: Topology, format: TopologyFormat): string {
  switch (format) {
    case 'json':
      return formatJson(topology);
    case 'mermaid':
      return formatMermaid(topology);
    case 'dot':
      return formatDot(topology);
    default:
      return formatTable(topology);
  }
}
