import type { OutgoingMessage } from 'node:http';
import { parseB3Single, parseTraceparent } from '@hoptrace/core';
import {
  type ActiveSpan,
  B3_MULTI_HEADER_NAMES,
  TRACE_IDENTITY_HEADERS,
} from '@hoptrace/core/adapter';

// A tracer's instrumentation (OpenTelemetry's undici and http ones) writes its client span's
// identity onto the same call as hoptrace, without looking at what is there
// (open-telemetry/opentelemetry-js-contrib#3711). What is here leaves one identity on the call:
// the tracer's, since its client span is the one it reports and the next hop must name.

const TRACE_IDENTITY = new Set(TRACE_IDENTITY_HEADERS);
const B3_MULTI = Object.values(B3_MULTI_HEADER_NAMES);

/** Headers that are sent once, besides the identity, whoever else wrote them: the last line wins. */
const SINGLE_VALUED = ['baggage', 'x-ot-span-context'];

/** A trace identity as a comparable key: 32-hex trace ID (64-bit B3 zero-padded), span ID. */
type SpanKey = string;

function spanKey(traceId: string, spanId: string): SpanKey {
  return `${traceId.toLowerCase().padStart(32, '0')}-${spanId.toLowerCase()}`;
}

/** One header of the list, with where it is. */
interface Entry {
  readonly index: number;
  readonly name: string;
  readonly value: string;
}

/**
 * The entries of the last block one writer appended: walking back from the end, until a name
 * repeats. What an earlier writer put before it (the caller, `wrapFetch`) is not in it.
 */
function lastBlock(entries: readonly Entry[]): Entry[] {
  const block: Entry[] = [];
  const names = new Set<string>();
  for (let position = entries.length - 1; position >= 0; position--) {
    const entry = entries[position] as Entry;
    if (names.has(entry.name)) break;
    names.add(entry.name);
    block.unshift(entry);
  }
  return block;
}

function blockValue(block: readonly Entry[], name: string): string | undefined {
  return block.find((entry) => entry.name === name)?.value;
}

interface FormatSpan {
  readonly key: SpanKey | undefined;
  readonly keep: readonly Entry[];
  readonly end: number;
}

/** The span each format's last block names, with the index that block ends at. */
function formatSpans(byFormat: {
  readonly w3c: readonly Entry[];
  readonly b3: readonly Entry[];
  readonly multi: readonly Entry[];
}): FormatSpan[] {
  const spans: FormatSpan[] = [];
  // A tracestate belongs to the traceparent before it: one left of an earlier writer is not ours.
  const w3c = lastBlock(byFormat.w3c);
  while (w3c[0] !== undefined && w3c[0].name !== 'traceparent') w3c.shift();
  const traceparent = blockValue(w3c, 'traceparent');
  if (traceparent !== undefined) {
    const parsed = parseTraceparent(traceparent);
    spans.push({
      key: parsed === undefined ? undefined : spanKey(parsed.traceId, parsed.parentId),
      keep: w3c,
      end: w3c[w3c.length - 1]?.index ?? -1,
    });
  }
  const single = byFormat.b3[byFormat.b3.length - 1];
  if (single !== undefined) {
    const parsed = parseB3Single(single.value);
    spans.push({
      key: parsed?.traceId === undefined ? undefined : spanKey(parsed.traceId, parsed.spanId),
      keep: [single],
      end: single.index,
    });
  }
  const multi = lastBlock(byFormat.multi);
  const traceId = blockValue(multi, B3_MULTI_HEADER_NAMES.traceId);
  const spanId = blockValue(multi, B3_MULTI_HEADER_NAMES.spanId);
  if (multi.length > 0) {
    spans.push({
      key: traceId === undefined || spanId === undefined ? undefined : spanKey(traceId, spanId),
      keep: multi,
      end: multi[multi.length - 1]?.index ?? -1,
    });
  }
  return spans;
}

/**
 * Leaves one trace identity in an undici request's flat `[name, value, …]` header list, in place.
 *
 * When the list repeats a propagation header, or its formats name different spans, the identity
 * appended last wins: it is the client span the tracer's `undici:request:create` subscriber
 * opened for this very call, the one the next hop must name as its parent. Each format's earlier
 * lines, and every format that names another span, are removed; `baggage`, `x-ot-span-context`
 * and the names in `singleValued` (hoptrace's request ID header…) keep their last line. A list
 * with one consistent identity is left as is.
 *
 * @param singleValued - lower-case names sent once (the request ID and correlation ID headers).
 *
 * @example
 * ```ts
 * const headers = ['traceparent', ours, 'baggage', 'a=1', 'traceparent', otels, 'baggage', 'a=1'];
 * keepLastIdentity(headers, new Set(['x-request-id']));
 * headers; // ['traceparent', otels, 'baggage', 'a=1']
 * ```
 */
export function keepLastIdentity(headers: unknown[], singleValued: ReadonlySet<string>): void {
  const byFormat: { w3c: Entry[]; b3: Entry[]; multi: Entry[] } = { w3c: [], b3: [], multi: [] };
  const others: Entry[] = [];
  let repeated = false;
  const seen = new Set<string>();
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const raw = headers[index];
    const value = headers[index + 1];
    if (typeof raw !== 'string' || typeof value !== 'string') continue;
    const name = raw.toLowerCase();
    let list: Entry[] | undefined;
    if (name === 'traceparent' || name === 'tracestate') list = byFormat.w3c;
    else if (name === 'b3') list = byFormat.b3;
    else if (name.startsWith('x-b3-') && TRACE_IDENTITY.has(name)) list = byFormat.multi;
    else if (singleValued.has(name) || SINGLE_VALUED.includes(name)) list = others;
    if (list === undefined) continue;
    if (seen.has(name)) repeated = true;
    seen.add(name);
    list.push({ index, name, value });
  }
  const spans = formatSpans(byFormat);
  const keys = new Set<SpanKey>();
  for (const span of spans) if (span.key !== undefined) keys.add(span.key);
  if (!repeated && keys.size <= 1) return;

  // The winner is the format naming a span whose last block ends last: the latest writer's.
  let winner: SpanKey | undefined;
  let latest = -1;
  for (const span of spans) {
    if (span.key !== undefined && span.end > latest) {
      latest = span.end;
      winner = span.key;
    }
  }
  const drop = new Set<number>();
  if (winner !== undefined) {
    const kept = new Set<number>();
    for (const span of spans) {
      if (span.key !== winner) continue;
      for (const entry of span.keep) kept.add(entry.index);
    }
    for (const entry of [...byFormat.w3c, ...byFormat.b3, ...byFormat.multi]) {
      if (!kept.has(entry.index)) drop.add(entry.index);
    }
  }
  const last = new Map<string, number>();
  for (const entry of others) last.set(entry.name, entry.index);
  for (const entry of others) if (last.get(entry.name) !== entry.index) drop.add(entry.index);
  if (drop.size === 0) return;

  let write = 0;
  for (let index = 0; index < headers.length; index += 2) {
    if (drop.has(index)) continue;
    headers[write] = headers[index];
    headers[write + 1] = headers[index + 1];
    write += 2;
  }
  headers.length = write;
}

/** The part of undici's internal `Request` (6.x–8.x) this module reads and writes. */
interface AppendableRequest {
  readonly headers?: unknown;
  addHeader?: unknown;
}

/** Requests whose `addHeader` is already wrapped, so no one gets wrapped twice. */
const watched = new WeakSet<object>();

/**
 * Leaves one identity in the request's headers now ({@link keepLastIdentity}: for what subscribers that ran
 * before appended), and again after each propagation header that a later subscriber appends
 * through `request.addHeader`. `diagnostics_channel` runs subscribers in subscription order, so
 * a tracer that subscribed after hoptrace (an SDK started late, an instrumentation re-enabled)
 * appends after hoptrace's hooks ran; wrapping this one request's `addHeader` (an own property,
 * undici's prototype is left alone) is the last point where its headers can still be cleaned up.
 *
 * Never throws: a request that does not look like undici's is left alone.
 *
 * @example
 * ```ts
 * subscribe('undici:request:create', ({ request }) => keepLastIdentityOnUndiciRequest(request, names));
 * ```
 */
export function keepLastIdentityOnUndiciRequest(
  candidate: unknown,
  singleValued: ReadonlySet<string>,
): void {
  if (typeof candidate !== 'object' || candidate === null) return;
  const request = candidate as AppendableRequest;
  try {
    if (Array.isArray(request.headers)) keepLastIdentity(request.headers, singleValued);
    const addHeader = request.addHeader;
    if (typeof addHeader !== 'function' || watched.has(request)) return;
    watched.add(request);
    const append = addHeader as (this: unknown, name: unknown, value: unknown) => unknown;
    Object.defineProperty(request, 'addHeader', {
      configurable: true,
      writable: true,
      value: function addHeader(this: unknown, name: unknown, value: unknown): unknown {
        const result = append.call(this, name, value);
        try {
          const lower = typeof name === 'string' ? name.toLowerCase() : '';
          const { headers } = request;
          if (
            Array.isArray(headers) &&
            (TRACE_IDENTITY.has(lower) || singleValued.has(lower) || SINGLE_VALUED.includes(lower))
          ) {
            keepLastIdentity(headers, singleValued);
          }
        } catch {
          // Keeping one identity is a courtesy: the header was added, the request goes on.
        }
        return result;
      },
    });
  } catch {
    // A frozen or exotic request: left as it is.
  }
}

/** The part of a `ClientRequest` (an `OutgoingMessage`) {@link keepActiveSpanIdentity} uses. */
export type OutgoingHeaders = Pick<
  OutgoingMessage,
  'headersSent' | 'getHeader' | 'hasHeader' | 'removeHeader'
>;

/** The span a `ClientRequest`'s header of one format names, `null` when it names none. */
function headerSpan(request: OutgoingHeaders, format: 'w3c' | 'b3' | 'multi'): SpanKey | null {
  const text = (name: string): string | undefined => {
    const value = request.getHeader(name);
    return typeof value === 'string' ? value : undefined;
  };
  if (format === 'w3c') {
    const parsed = parseTraceparent(text('traceparent') ?? '');
    return parsed === undefined ? null : spanKey(parsed.traceId, parsed.parentId);
  }
  if (format === 'b3') {
    const parsed = parseB3Single(text('b3') ?? '');
    return parsed?.traceId === undefined ? null : spanKey(parsed.traceId, parsed.spanId);
  }
  const traceId = text(B3_MULTI_HEADER_NAMES.traceId);
  const spanId = text(B3_MULTI_HEADER_NAMES.spanId);
  return traceId === undefined || spanId === undefined ? null : spanKey(traceId, spanId);
}

/** The headers of each format, removed together. */
const FORMAT_HEADERS = {
  w3c: ['traceparent', 'tracestate'],
  b3: ['b3'],
  multi: B3_MULTI,
} as const;

/**
 * Leaves one trace identity on a `node:http` `ClientRequest` made while the tracer's span `span`
 * is active. OpenTelemetry's http instrumentation writes its client span's headers into the
 * request options (over those of the same name) and builds the request inside that span: a
 * format it did not write (a `b3` hoptrace's axios interceptor wrote for the server span) would
 * name another span. When one format names `span` and another names something else, the others
 * are removed whole (`traceparent` with its `tracestate`, every `x-b3-*`). Otherwise nothing
 * changes: with no format naming the span, the identity is the caller's.
 *
 * Never throws; a request whose headers were already sent is left alone.
 *
 * @example
 * ```ts
 * hookClientRequests((request) => {
 *   const span = activeSpan();
 *   if (span !== undefined) keepActiveSpanIdentity(request, span);
 * });
 * ```
 */
export function keepActiveSpanIdentity(request: OutgoingHeaders, span: ActiveSpan): void {
  try {
    if (request.headersSent) return;
    const key = spanKey(span.traceId, span.spanId);
    const present: (keyof typeof FORMAT_HEADERS)[] = [];
    if (request.hasHeader('traceparent')) present.push('w3c');
    if (request.hasHeader('b3')) present.push('b3');
    if (B3_MULTI.some((name) => request.hasHeader(name))) present.push('multi');
    if (present.length < 2) return;
    const others = present.filter((format) => headerSpan(request, format) !== key);
    if (others.length === 0 || others.length === present.length) return;
    for (const format of others) {
      for (const name of FORMAT_HEADERS[format]) request.removeHeader(name);
    }
  } catch {
    // Keeping one identity is a courtesy: the request goes out as it was.
  }
}
