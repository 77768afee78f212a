/**
 * `@hoptrace/core/diagnostics`: the diagnostic trail (`x-hoptrace-trail`) and the hop records it
 * is built from, for tools that read or extend it: the `hoptrace` CLI reads trails and
 * observation records, `@hoptrace/fetch` records each outbound call on the hop. Applications turn
 * diagnostics on with the `diagnostics` option and need nothing from here.
 *
 * @example
 * ```ts
 * import { formatTrailText, readTrail } from '@hoptrace/core/diagnostics';
 *
 * const trail = readTrail(response.headers.get('x-hoptrace-trail') ?? '');
 * if (trail !== undefined) console.log(formatTrailText(trail));
 * ```
 *
 * @packageDocumentation
 */

export {
  type DiagnosticCall,
  DiagnosticHop,
  diagnosticHopOf,
  type HopSummary,
} from './diagnostic-hop.js';
export type {
  DiagnosticsOptions,
  DiagnosticsRequest,
  ResolvedDiagnostics,
} from './diagnostics-options.js';
export {
  type ClientObservation,
  type Endpoint,
  type FailureFlag,
  type Observation,
  type ObserverClock,
  type ObserverStats,
  type ServerObservation,
  SLOW_OBSERVER_MS,
} from './observation.js';
export {
  DIAGNOSTICS_HEADER,
  formatTrail,
  isTrailText,
  judgeTrail,
  printable,
  readTrail,
  TRAIL_HEADER,
  TRAIL_MAX_CALLS,
  TRAIL_MAX_DEPTH,
  TRAIL_MAX_LENGTH,
  TRAIL_MAX_LENGTH_LIMIT,
  TRAIL_SERVICE_MAX_LENGTH,
  type TrailCall,
  type TrailChecks,
  type TrailHop,
  type TrailMark,
  type TrailRejection,
  type TrailSent,
  trailAddress,
} from './trail.js';
export { formatTrailText, trailBreaks } from './trail-text.js';
