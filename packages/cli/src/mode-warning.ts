import { detectedMode, type ModeCounts } from './mode-evidence.js';
import type { Topology } from './topology.js';

/**
 * Below this share of the client records that tell, the other mode's are taken for noise (a
 * real self-call, a caller that set its own ID) rather than services configured apart.
 */
const MIXED_SHARE = 0.1;

/**
 * The warning `hoptrace topology` writes to standard error when the records contradict the join
 * mode used, naming the `--mode` that fits; `undefined` when they agree or do not tell. Two cases:
 * a `--mode` given against what the records show, and records that show both modes (services
 * with different `outboundRequestId` settings), where no one join is right for all.
 *
 * @example
 * ```ts
 * const warning = modeWarning(topology);
 * if (warning !== undefined) process.stderr.write(`hoptrace topology: ${warning}\n`);
 * ```
 */
export function modeWarning(
  topology: Pick<Topology, 'mode' | 'modeFrom' | 'modeEvidence'>,
): string | undefined {
  const counts = topology.modeEvidence;
  const detected = detectedMode(counts);
  if (detected !== undefined && detected !== topology.mode) {
    return `the records do not fit --mode ${topology.mode}: ${because(counts, detected)}; use --mode ${detected}, or leave --mode out to read the mode off the records`;
  }
  const told = counts.forward + counts.perCall;
  const minority = Math.min(counts.forward, counts.perCall);
  if (told > 0 && minority / told >= MIXED_SHARE) {
    return `the records mix both join modes (${counts.forward} client records forward their request's ID, ${counts.perCall} carry a fresh ID per call): give every service the same outboundRequestId; joined as --mode ${topology.mode}, so some edges may be wrong`;
  }
  return undefined;
}

function because(counts: ModeCounts, detected: 'forward' | 'per-call'): string {
  if (detected === 'forward') {
    return `${counts.forward} of ${counts.forward + counts.perCall} client records carry the request ID their own service received (the services forward one ID per chain)`;
  }
  if (counts.perCall > 0) {
    return `${counts.perCall} of ${counts.forward + counts.perCall} client records carry a request ID of their own beside the chain's correlationId (the services send a fresh ID per call)`;
  }
  return `${counts.perCallHints} client records carry a correlationId other than their request ID (the services send a fresh ID per call)`;
}
