import { edgeLabel } from './edge-label.js';
import { graphNodes } from './graph-nodes.js';
import { printableName } from './printable-name.js';
import type { Topology } from './topology.js';

/**
 * Text for a Graphviz double-quoted label. Control characters become `\u{…}` text first, then
 * every backslash is doubled (so `\n`, `\l`, `\N`, `\G` … from a name print literally instead of
 * acting as label escapes), `"` becomes `\"`, and `&` becomes `&amp;` (Graphviz resolves HTML
 * entities in plain labels too). Quoted strings are never HTML-like labels, so `<b>` stays text.
 *
 * Spec: Graphviz DOT language ("ID" double-quoted strings), "escString" and "label" attributes.
 *
 * @example
 * ```ts
 * dotText('a"\\N&b'); // 'a\\"\\\\N&amp;b'
 * ```
 */
export function dotText(text: string): string {
  return printableName(text).replace(/[\\"&]/g, (character) =>
    character === '&' ? '&amp;' : `\\${character}`,
  );
}

/**
 * The topology as a Graphviz `digraph`, left to right: a box per service, a dashed box per
 * unobserved peer, an arrow per edge labelled with calls and p99 (errors and rewritten IDs when
 * any; rewritten edges drawn dashed). Node IDs are generated; names only appear inside escaped
 * quoted labels (see {@link dotText}). Render with `dot -Tsvg`.
 *
 * Spec: Graphviz DOT language (graphviz.org/doc/info/lang.html).
 *
 * @example
 * ```ts
 * formatDot(topology);
 * // digraph hoptrace {
 * //   rankdir=LR;
 * //   node [shape=box];
 * //   n0 [label="gateway"];
 * //   n0 -> n1 [label="120 calls, p99 12.0 ms"];
 * // }
 * ```
 */
export function formatDot(topology: Topology): string {
  const { nodes, edges } = graphNodes(topology);
  const lines = ['digraph hoptrace {', '  rankdir=LR;', '  node [shape=box];'];
  for (const node of nodes) {
    const style = node.unobserved ? ', style=dashed' : '';
    lines.push(`  ${node.id} [label="${dotText(node.label)}"${style}];`);
  }
  for (const { from, to, edge } of edges) {
    const style = edge.rewritten > 0 ? ', style=dashed' : '';
    lines.push(`  ${from} -> ${to} [label="${dotText(edgeLabel(edge))}"${style}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
