/**
 * hoptrace: the `hoptrace` command, and its parts as a library. `buildTopology` reads the
 * observation records hoptrace services log and computes the service-to-service map; the
 * `format*` functions render it as a table, JSON, Mermaid or Graphviz DOT.
 *
 * @packageDocumentation
 */

export { buildTopology, type TopologyInput, type TopologyOptions } from './build-topology.js';
export { DEFAULT_MAX_EDGES } from './edge-table.js';
export { dotText, formatDot } from './format-dot.js';
export { formatJson } from './format-json.js';
export { formatMermaid, mermaidText } from './format-mermaid.js';
export { formatTable } from './format-table.js';
export { formatTopology, TOPOLOGY_FORMATS, type TopologyFormat } from './format-topology.js';
export { type InputLine, SkippedLine } from './input-line.js';
export {
  DEFAULT_JOIN_MODE,
  JOIN_MODES,
  type JoinMode,
  type JoinModeSource,
} from './join-mode.js';
export { DEFAULT_JOIN_WINDOW_MS, MAX_PENDING_PER_ID } from './join-state.js';
export {
  HISTOGRAM_MAX_MS,
  HISTOGRAM_MIN_MS,
  HISTOGRAM_RELATIVE_ERROR,
  LogHistogram,
} from './log-histogram.js';
export {
  detectedMode,
  MAX_EVIDENCE_CHAINS,
  type ModeCounts,
  ModeEvidence,
} from './mode-evidence.js';
export { modeWarning } from './mode-warning.js';
export type {
  CallTarget,
  ClientObservation,
  FailureFlag,
  Observation,
  ServerObservation,
} from './observation.js';
export { ID_MAX_LENGTH, NAME_MAX_LENGTH, parseObservation } from './parse-observation.js';
export { peerName } from './peer-name.js';
export { printableName } from './printable-name.js';
export {
  DEFAULT_MAX_LINE_BYTES,
  type ReadLinesOptions,
  readLineBatches,
  readLines,
} from './read-lines.js';
export { SKIP_REASONS, type SkipReason } from './skip-reason.js';
export type {
  ServerWithoutClient,
  Topology,
  TopologyEdge,
  TopologyPeer,
} from './topology.js';
export { runTraceCommand, TRACE_HELP } from './trace-command.js';
