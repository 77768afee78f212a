import { peerName } from './peer-name.js';
import type { Topology } from './topology.js';

// Four significant digits: the histogram is good to 2 %, more digits would only be noise.
function rounded(value: number): number {
  return Number(value.toPrecision(4));
}

/**
 * The topology as one JSON document (and a final line break), for scripts:
 *
 * ```
 * { "edges": [{ "from", "to", "toKind": "service"|"unobserved", "target"?: { "host", "port" },
 *               "calls", "errors", "rewritten", "p50Ms", "p99Ms" }],
 *   "serversWithoutClient": [{ "service", "requests" }],
 *   "records": { "client", "server", "joined" }, "ignoredLines",
 *   "skipped": { "<reason>": count, … }, "mode", "modeFrom": "option"|"records"|"default",
 *   "modeEvidence": { "forward", "perCall", "perCallHints" }, "joinWindowMs" }
 * ```
 *
 * Names from the logs only ever appear as string values, never as keys, so a service called
 * `__proto__` is just a string; `JSON.stringify` escapes the rest.
 *
 * @example
 * ```ts
 * const parsed = JSON.parse(formatJson(topology));
 * parsed.edges[0].p99Ms;
 * ```
 */
export function formatJson(topology: Topology): string {
  const document = {
    edges: topology.edges.map((edge) => ({
      from: edge.from,
      to: peerName(edge.to),
      toKind: edge.to.kind,
      ...(edge.to.kind === 'unobserved' ? { target: edge.to.target } : {}),
      calls: edge.calls,
      errors: edge.errors,
      rewritten: edge.rewritten,
      p50Ms: rounded(edge.p50Ms),
      p99Ms: rounded(edge.p99Ms),
    })),
    serversWithoutClient: topology.serversWithoutClient,
    records: topology.records,
    ignoredLines: topology.ignoredLines,
    skipped: topology.skipped,
    mode: topology.mode,
    modeFrom: topology.modeFrom,
    modeEvidence: topology.modeEvidence,
    joinWindowMs: topology.joinWindowMs,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
