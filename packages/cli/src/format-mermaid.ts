import { edgeLabel } from './edge-label.js';
import { graphNodes } from './graph-nodes.js';
import { printableName } from './printable-name.js';
import type { Topology } from './topology.js';

// Kept as is inside a quoted label; everything else becomes an entity code.
const SAFE = /^[A-Za-z0-9 _.,:/()-]$/;

/**
 * Text for a Mermaid quoted label: every character outside `A-Z a-z 0-9 space _ . , : / ( ) -`
 * written as Mermaid's entity code `#<decimal>;`. No quote, bracket, pipe, `#`, `;`, `<`, `>`,
 * `&`, backtick or line break is left, so a name can neither close the label, start an arrow
 * (`-->` becomes `--#62;`), open a Markdown string, nor carry HTML.
 *
 * Spec: Mermaid flowchart syntax, "Entity codes to escape characters".
 *
 * @example
 * ```ts
 * mermaidText('a"]-->b'); // 'a#34;#93;--#62;b'
 * ```
 */
export function mermaidText(text: string): string {
  let escaped = '';
  for (const character of printableName(text)) {
    escaped += SAFE.test(character) ? character : `#${character.codePointAt(0)};`;
  }
  return escaped;
}

/**
 * The topology as a Mermaid flowchart (`graph LR`): one box per service, a dashed box per
 * unobserved peer, one arrow per edge labelled with its calls and p99 (and errors and rewritten
 * IDs when any). Node IDs are generated (`n0`, `n1`, …); names only appear escaped inside quoted
 * labels (see {@link mermaidText}).
 *
 * Spec: Mermaid flowchart syntax (mermaid.js.org/syntax/flowchart.html).
 *
 * @example
 * ```ts
 * formatMermaid(topology);
 * // graph LR
 * //   n0["gateway"]
 * //   n1["orders-1"]
 * //   n0 -->|"120 calls, p99 12.0 ms"| n1
 * ```
 */
export function formatMermaid(topology: Topology): string {
  const { nodes, edges } = graphNodes(topology);
  const lines = ['graph LR'];
  for (const node of nodes) lines.push(`  ${node.id}["${mermaidText(node.label)}"]`);
  for (const { from, to, edge } of edges) {
    lines.push(`  ${from} -->|"${mermaidText(edgeLabel(edge))}"| ${to}`);
  }
  const unobserved = nodes.filter((node) => node.unobserved).map((node) => node.id);
  if (unobserved.length > 0) {
    lines.push('  classDef unobserved stroke-dasharray: 5 5');
    lines.push(`  class ${unobserved.join(',')} unobserved`);
  }
  return `${lines.join('\n')}\n`;
}
