import type { TopologyPeer } from './topology.js';

/**
 * How an edge's callee is named in every output: the service name, or
 * `unobserved <host>:<port>` (an IPv6 host in brackets, `:port` left out when unknown).
 *
 * @example
 * ```ts
 * peerName({ kind: 'unobserved', target: { host: '::1', port: 8080 } }); // 'unobserved [::1]:8080'
 * ```
 */
export function peerName(peer: TopologyPeer): string {
  if (peer.kind === 'service') return peer.service;
  const { host, port } = peer.target;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `unobserved ${port === null ? shownHost : `${shownHost}:${port}`}`;
}
