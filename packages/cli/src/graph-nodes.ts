import { peerName } from './peer-name.js';
import type { Topology, TopologyEdge } from './topology.js';

/**
 * One box of a drawn map: a generated ID (`n0`, `n1`, …, never text from the logs), its label,
 * and whether it stands for an unobserved peer.
 *
 * @example
 * ```ts
 * const node: GraphNode = { id: 'n0', label: 'gateway', unobserved: false };
 * ```
 */
export interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly unobserved: boolean;
}

/**
 * The nodes and edges of a drawn map, shared by the Mermaid and DOT renderers.
 *
 * @example
 * ```ts
 * const { nodes, edges } = graphNodes(topology);
 * ```
 */
export interface Graph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly {
    readonly from: string;
    readonly to: string;
    readonly edge: TopologyEdge;
  }[];
}

/**
 * Gives every service and unobserved peer of the topology one node with a generated ID, in order
 * of first appearance. Node identity is the kind and the name, so a service named like an
 * unobserved peer (`unobserved legacy:9000`) still gets its own box.
 *
 * @example
 * ```ts
 * graphNodes(topology).nodes.map((node) => node.id); // ['n0', 'n1', …]
 * ```
 */
export function graphNodes(topology: Topology): Graph {
  const ids = new Map<string, string>();
  const nodes: GraphNode[] = [];
  const idFor = (key: string, label: string, unobserved: boolean): string => {
    let id = ids.get(key);
    if (id === undefined) {
      id = `n${nodes.length}`;
      ids.set(key, id);
      nodes.push({ id, label, unobserved });
    }
    return id;
  };
  const edges = topology.edges.map((edge) => {
    const from = idFor(`s:${edge.from}`, edge.from, false);
    const unobserved = edge.to.kind === 'unobserved';
    const name = peerName(edge.to);
    const to = idFor(`${unobserved ? 'u' : 's'}:${name}`, name, unobserved);
    return { from, to, edge };
  });
  for (const entry of topology.serversWithoutClient)
    idFor(`s:${entry.service}`, entry.service, false);
  return { nodes, edges };
}
