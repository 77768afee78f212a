import { describe, expect, it } from 'vitest';
import { expectHostileGraph, hostileTopology, plainTopology } from '../test/sample-topology.js';
import { formatMermaid, mermaidText } from './format-mermaid.js';

const NODE = /^ {2}(n\d+)\["([^"]*)"\]$/;
const EDGE = /^ {2}(n\d+) -->\|"([^"]*)"\| (n\d+)$/;
const CLASS_DEF = /^ {2}classDef unobserved stroke-dasharray: 5 5$/;
const CLASS = /^ {2}class (n\d+(?:,n\d+)*) unobserved$/;
// What may remain in a label: the safe characters and entity codes.
const LABEL = /^(?:[A-Za-z0-9 _.,:/()-]|#\d+;)*$/;

/** Decodes Mermaid entity codes, as Mermaid does before rendering a label. */
function decode(label: string): string {
  return label.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
}

function parse(output: string) {
  const lines = output.trimEnd().split('\n');
  expect(lines[0]).toBe('graph LR');
  const nodes = new Map<string, string>();
  const edges: { from: string; label: string; to: string }[] = [];
  for (const line of lines.slice(1)) {
    const node = NODE.exec(line);
    const edge = EDGE.exec(line);
    if (node?.[1] !== undefined && node[2] !== undefined) {
      expect(node[2]).toMatch(LABEL);
      nodes.set(node[1], decode(node[2]));
    } else if (edge?.[1] !== undefined && edge[2] !== undefined && edge[3] !== undefined) {
      expect(edge[2]).toMatch(LABEL);
      edges.push({ from: edge[1], label: decode(edge[2]), to: edge[3] });
    } else {
      expect(line).toSatisfy((text: string) => CLASS_DEF.test(text) || CLASS.test(text));
    }
  }
  return { nodes, edges, lines };
}

describe('formatMermaid', () => {
  it('draws one node per service and peer and one labelled arrow per edge', async () => {
    const { nodes, edges, lines } = parse(formatMermaid(await plainTopology()));
    expect([...nodes.values()]).toEqual([
      'gateway',
      'orders-1',
      'orders-2',
      'unobserved legacy:9000',
    ]);
    expect(edges.map((edge) => `${nodes.get(edge.from)} -> ${nodes.get(edge.to)}`)).toEqual([
      'gateway -> orders-1',
      'gateway -> orders-2',
      'gateway -> unobserved legacy:9000',
    ]);
    expect(edges[0]?.label).toMatch(/^2 calls, p99 \d+(\.\d+)? ms, 1 error$/);
    expect(edges[1]?.label).toContain('ID rewritten by an intermediary: 1');
    expect(edges[2]?.label).toBe('1 call, p99 1.50 ms');
    expect(lines).toContain('  class n3 unobserved');
  });

  it('escapes hostile names into labels that decode back to the (printable) name', async () => {
    const { nodes, edges } = parse(formatMermaid(await hostileTopology()));
    expectHostileGraph([...nodes.values()], edges.length, [
      'quote"d',
      'arrow-->evil',
      '<img src=x onerror=alert(1)>',
      'new\\u{a}line',
      'unobserved __proto__:80',
      'café ☕ 🚀',
    ]);
  });

  it('leaves no character that ends a label or starts syntax', () => {
    expect(mermaidText('a"]-->b')).toBe('a#34;#93;--#62;b');
    expect(mermaidText('x|y;z#w&<>`')).toBe('x#124;y#59;z#35;w#38;#60;#62;#96;');
    expect(mermaidText('🚀')).toBe('#128640;');
  });
});
