import { parseB3Single } from '../codec/b3-single.js';
import { isHexId } from '../codec/hex-id.js';
import { parseTraceparent } from '../codec/traceparent.js';
import type { HeaderTarget } from './header-target.js';

/** The trace and span ID an outbound call carried; `null` for one it did not. */
export interface SentIdentity {
  readonly traceId: string | null;
  readonly spanId: string | null;
}

/**
 * The trace and span ID a call carried, read back from the headers written into it: W3C
 * `traceparent` first, then B3 single (`b3`), then B3 multi (`x-b3-traceid`, `x-b3-spanid`),
 * whichever the configured formats wrote. What an outbound client hands a diagnostic hop's
 * `startCall`, so the downstream trail is judged against what really left (a `child` span, a
 * caller's own headers). Never throws on what it reads: a value that does not parse is `null`.
 *
 * @example
 * ```ts
 * sentIdentity(headerTarget(sentHeaders)); // { traceId: '80f1…', spanId: 'e457…' }
 * ```
 */
export function sentIdentity(target: HeaderTarget): SentIdentity {
  const traceparent = target.get('traceparent');
  const w3c = traceparent === undefined ? undefined : parseTraceparent(traceparent);
  if (w3c !== undefined) return { traceId: w3c.traceId, spanId: w3c.parentId };
  const single = target.get('b3');
  const b3 = single === undefined ? undefined : parseB3Single(single);
  if (b3?.traceId !== undefined) return { traceId: b3.traceId, spanId: b3.spanId };
  const traceId = target.get('x-b3-traceid');
  const spanId = target.get('x-b3-spanid');
  return {
    traceId:
      traceId !== undefined && (isHexId(traceId, 32) || isHexId(traceId, 16)) ? traceId : null,
    spanId: spanId !== undefined && isHexId(spanId, 16) ? spanId : null,
  };
}
