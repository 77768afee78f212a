import { describe, expect, it } from 'vitest';
import { expectHostileGraph, hostileTopology, plainTopology } from '../test/sample-topology.js';
import { dotText, formatDot } from './format-dot.js';

// A DOT double-quoted string: anything but a quote or backslash, or a backslash and one character.
const QUOTED = '"((?:[^"\\\\\\n]|\\\\.)*)"';
const NODE = new RegExp(`^ {2}(n\\d+) \\[label=${QUOTED}(, style=dashed)?\\];$`);
const EDGE = new RegExp(`^ {2}(n\\d+) -> (n\\d+) \\[label=${QUOTED}(, style=dashed)?\\];$`);

/** What Graphviz shows for a quoted label: escapes and `&amp;` undone. */
function decode(label: string): string {
  return label.replace(/\\(.)/g, '$1').replace(/&amp;/g, '&');
}

function parse(output: string) {
  const lines = output.trimEnd().split('\n');
  expect(lines.slice(0, 3)).toEqual(['digraph hoptrace {', '  rankdir=LR;', '  node [shape=box];']);
  expect(lines[lines.length - 1]).toBe('}');
  const nodes = new Map<string, { label: string; dashed: boolean }>();
  const edges: { from: string; to: string; label: string; dashed: boolean }[] = [];
  for (const line of lines.slice(3, -1)) {
    const node = NODE.exec(line);
    const edge = EDGE.exec(line);
    if (node?.[1] !== undefined && node[2] !== undefined) {
      nodes.set(node[1], { label: decode(node[2]), dashed: node[3] !== undefined });
    } else if (edge?.[1] !== undefined && edge[2] !== undefined && edge[3] !== undefined) {
      edges.push({
        from: edge[1],
        to: edge[2],
        label: decode(edge[3]),
        dashed: edge[4] !== undefined,
      });
    } else {
      expect.fail(`unexpected line: ${line}`);
    }
  }
  return { nodes, edges };
}

describe('formatDot', () => {
  it('draws a digraph with labelled edges, unobserved peers and rewritten edges dashed', async () => {
    const { nodes, edges } = parse(formatDot(await plainTopology()));
    expect([...nodes.values()]).toEqual([
      { label: 'gateway', dashed: false },
      { label: 'orders-1', dashed: false },
      { label: 'orders-2', dashed: false },
      { label: 'unobserved legacy:9000', dashed: true },
    ]);
    expect(edges.map((edge) => [edge.from, edge.to, edge.dashed])).toEqual([
      ['n0', 'n1', false],
      ['n0', 'n2', true],
      ['n0', 'n3', false],
    ]);
    expect(edges[0]?.label).toMatch(/^2 calls, p99 [\d.]+ ms, 1 error$/);
  });

  it('keeps hostile names inside their quoted labels', async () => {
    const { nodes, edges } = parse(formatDot(await hostileTopology()));
    expectHostileGraph(
      [...nodes.values()].map((node) => node.label),
      edges.length,
      ['quote"d', '}; digraph x {', 'back\\slash\\N\\l', 'semi;colon#hash&amp', 'new\\u{a}line'],
    );
  });

  it('escapes quotes, backslashes and ampersands', () => {
    expect(dotText('a"\\N&b')).toBe('a\\"\\\\N&amp;b');
    expect(dotText('x\ny')).toBe('x\\\\u{a}y');
  });
});
