import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseRequestId } from '../codec/request-id.js';
import type { FailureFlag } from './observation.js';

/**
 * The request header that turns diagnostics on for one request: its value is the shared token
 * (see `DiagnosticsOptions.token`). Sent by `hoptrace trace`, forwarded by every hop that
 * accepted it, stripped by every hop that did not.
 */
export const DIAGNOSTICS_HEADER = 'x-hoptrace-diag';

/** The response header that carries a diagnostic request's trail back: see {@link formatTrail}. */
export const TRAIL_HEADER = 'x-hoptrace-trail';

/** Default cap on the length of an `x-hoptrace-trail` value, in characters (ASCII, so bytes). */
export const TRAIL_MAX_LENGTH = 8192;

/** The longest `x-hoptrace-trail` any hop may be configured to write (`maxTrailLength`). */
export const TRAIL_MAX_LENGTH_LIMIT = 65_536;

/**
 * An address and port as a trail writes them (`127.0.0.1:8080`, `[::1]:8080`), or `null` when
 * either is unknown (a socket already closed, a client that does not expose it).
 *
 * @example
 * ```ts
 * trailAddress(socket.remoteAddress, socket.remotePort); // '10.0.4.2:80'
 * ```
 */
export function trailAddress(address: string | undefined, port: number | undefined): string | null {
  if (address === undefined || port === undefined) return null;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The longest service name a trail carries (`DiagnosticsOptions.service`), in characters. */
export const TRAIL_SERVICE_MAX_LENGTH = 256;

/** How deep a trail may nest (hops below hops), when read back from a response. */
export const TRAIL_MAX_DEPTH = 16;

/** How many outbound calls one hop lists; the others are counted in `omittedCalls`. */
export const TRAIL_MAX_CALLS = 32;

/**
 * What the caller concluded about one outbound call of a diagnostic request:
 *
 * - `ok`: the downstream hop returned its trail and saw the request ID and trace ID sent;
 * - `trace-broken`: it returned a trail, but saw another request ID or trace ID (or generated
 *   its own): whatever sits between the two dropped or rewrote the headers;
 * - `not-instrumented`: a response arrived without a trail: the hop does not run hoptrace with
 *   diagnostics, or stripped the header (the trace cannot be followed past it);
 * - `trail-rejected`: a trail arrived but was too long, malformed or not signed with the token;
 *   it was not read;
 * - `failed`: no response arrived (see `failure`);
 * - `pending`: the response of this hop was sent before the call finished.
 */
export type TrailMark =
  | 'ok'
  | 'trace-broken'
  | 'not-instrumented'
  | 'trail-rejected'
  | 'failed'
  | 'pending';

/** The IDs an outbound call carried. */
export interface TrailSent {
  readonly requestId: string | null;
  readonly traceId: string | null;
  readonly spanId: string | null;
}

/** One outbound call of a hop, with the hop that answered it when it returned a trail. */
export interface TrailCall {
  readonly method: string;
  /** Origin and path, never the query string (it may carry secrets). */
  readonly url: string;
  /** The address actually connected (`ip:port`), when the client can tell; `null` otherwise. */
  readonly remote: string | null;
  readonly status: number | null;
  /** Envoy's response flag when no response arrived (`UF`, `UT`, `UC`, `DC`). */
  readonly failure: FailureFlag | null;
  /** Until the response headers arrived (or the call failed); `null` while pending. */
  readonly durationMs: number | null;
  readonly sent: TrailSent;
  readonly mark: TrailMark;
  /** Why the mark, for `trace-broken` and `trail-rejected`; `null` otherwise. */
  readonly reason: string | null;
  /** The downstream hop's own trail, when it returned a valid one. */
  readonly hop: TrailHop | null;
  /** Set when the downstream trail was dropped to keep the header under its cap. */
  readonly truncated?: true;
}

/** One hop's breadcrumb: who handled the request, what it saw, and what it called. */
export interface TrailHop {
  /** The service name (`DiagnosticsOptions.service`), or `null`. */
  readonly service: string | null;
  /** The instance: host name and process ID. */
  readonly host: string;
  readonly pid: number;
  /** The local address that accepted the request (`ip:port`): behind a proxy, not the one called. */
  readonly address: string | null;
  /** The peer that sent it (`ip:port`): the proxy, when there is one. */
  readonly peer: string | null;
  readonly method: string;
  /** The route pattern the framework matched, else the path (no query string). */
  readonly route: string;
  readonly status: number;
  /** From the request's arrival to its response head. */
  readonly durationMs: number;
  readonly requestId: string;
  /** Whether the request ID arrived with the request (`false`: generated here). */
  readonly requestIdArrived: boolean;
  readonly traceId: string | null;
  readonly traceIdArrived: boolean;
  readonly spanId: string | null;
  readonly parentSpanId: string | null;
  readonly calls: readonly TrailCall[];
  /** Calls past {@link TRAIL_MAX_CALLS}, counted but not listed. */
  readonly omittedCalls: number;
}

/** Why a trail from downstream was not read: see {@link readTrail}. */
export type TrailRejection = 'too-long' | 'malformed' | 'bad-signature';

const VERSION = 'v1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function sign(payload: string, token: string): string {
  return createHmac('sha256', token).update(`${VERSION}.${payload}`).digest('base64url');
}

/**
 * Encodes `hop` as an `x-hoptrace-trail` value: `v1.<base64url JSON>.<base64url HMAC-SHA256>`,
 * the HMAC keyed with the diagnostics token, so a hop that does not know the token cannot forge
 * one. When the value would be longer than `maxLength`, the deepest downstream trails are dropped
 * first (their calls keep `truncated: true`) until it fits; `undefined` when even the hop alone
 * does not.
 *
 * @example
 * ```ts
 * response.setHeader(TRAIL_HEADER, formatTrail(hop, token) ?? '');
 * ```
 */
export function formatTrail(
  hop: TrailHop,
  token: string,
  maxLength: number = TRAIL_MAX_LENGTH,
): string | undefined {
  let current: TrailHop | undefined = hop;
  while (current !== undefined) {
    const payload = Buffer.from(JSON.stringify(current)).toString('base64url');
    const value = `${VERSION}.${payload}.${sign(payload, token)}`;
    if (value.length <= maxLength) return value;
    current = withoutDeepestTrail(current);
  }
  return undefined;
}

function depthOf(hop: TrailHop): number {
  let deepest = 0;
  for (const call of hop.calls) {
    if (call.hop !== null) deepest = Math.max(deepest, 1 + depthOf(call.hop));
  }
  return deepest;
}

/** `hop` with the downstream trails at its deepest level dropped; `undefined` when it has none. */
function withoutDeepestTrail(hop: TrailHop): TrailHop | undefined {
  const depth = depthOf(hop);
  if (depth === 0) return undefined;
  const prune = (node: TrailHop, level: number): TrailHop => ({
    ...node,
    calls: node.calls.map((call) => {
      if (call.hop === null) return call;
      if (level === depth) return { ...call, hop: null, truncated: true };
      return { ...call, hop: prune(call.hop, level + 1) };
    }),
  });
  return prune(hop, 1);
}

/**
 * Reads an `x-hoptrace-trail` value received from downstream: checks its length, then its
 * signature with `token` (before parsing anything: a forged value is never parsed), then the shape
 * of every hop and call. Returns the hop, or why it was refused. Never throws.
 *
 * @example
 * ```ts
 * const read = readTrail(response.headers.get(TRAIL_HEADER), token);
 * if ('hop' in read) console.log(read.hop.service);
 * ```
 */
export function readTrail(
  value: string,
  token: string,
  maxLength: number = TRAIL_MAX_LENGTH,
): { readonly hop: TrailHop } | { readonly rejected: TrailRejection } {
  if (value.length > maxLength) return { rejected: 'too-long' };
  const parts = value.split('.');
  const [version, payload, signature] = parts;
  if (
    parts.length !== 3 ||
    version !== VERSION ||
    payload === undefined ||
    signature === undefined ||
    !BASE64URL.test(payload) ||
    !BASE64URL.test(signature)
  ) {
    return { rejected: 'malformed' };
  }
  const expected = Buffer.from(sign(payload, token));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { rejected: 'bad-signature' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { rejected: 'malformed' };
  }
  const hop = toHop(parsed, 0);
  return hop === undefined ? { rejected: 'malformed' } : { hop };
}

/** What {@link judgeTrail} checks beyond the request ID and the trace ID. */
export interface TrailChecks {
  /**
   * The span ID the call sent was minted for that call alone (a `child` span, a client span):
   * the downstream hop must have seen exactly that span ID, or its trail answers another call
   * (a genuine trail of the same request replayed by whatever answered this one). Default
   * `false`: a forwarded span ID is the same on every call of a request, so it proves nothing,
   * and where an upstream sent B3 and `traceparent` with different span IDs the downstream's
   * reading (B3 first) may differ from what `sent` recorded (`traceparent` first).
   */
  readonly spanId?: boolean;
}

/**
 * What the trail a downstream hop returned (`trail`, the `x-hoptrace-trail` value, or
 * `undefined` when the response had none) says about the call that carried `sent`: `ok`, or
 * where and why the trace broke (see {@link TrailMark}). Used by every hop for its calls, and by
 * `hoptrace trace` for the first one.
 *
 * A trail is judged `ok` when the downstream hop saw the request ID and trace ID sent (and, with
 * `checks.spanId`, the span ID sent: see {@link TrailChecks}).
 *
 * @param checks - Default: request ID and trace ID only.
 *
 * @example
 * ```ts
 * judgeTrail({ requestId: 'abc', traceId: null, spanId: null }, undefined, token).mark; // 'not-instrumented'
 * judgeTrail(sent, trail, token, TRAIL_MAX_LENGTH, { spanId: true }); // child mode
 * ```
 */
export function judgeTrail(
  sent: TrailSent,
  trail: string | undefined,
  token: string,
  maxLength: number = TRAIL_MAX_LENGTH,
  checks: TrailChecks = {},
): { mark: TrailMark; reason: string | null; hop: TrailHop | null } {
  if (trail === undefined) return { mark: 'not-instrumented', reason: null, hop: null };
  const read = readTrail(trail, token, maxLength);
  if ('rejected' in read) return { mark: 'trail-rejected', reason: read.rejected, hop: null };
  const { hop } = read;
  if (sent.requestId !== null && hop.requestId !== sent.requestId) {
    return { mark: 'trace-broken', reason: 'the request ID changed on the way', hop };
  }
  if (!hop.requestIdArrived) {
    return { mark: 'trace-broken', reason: 'the request ID did not arrive', hop };
  }
  if (sent.traceId !== null && hop.traceId !== sent.traceId) {
    const reason = hop.traceIdArrived
      ? 'the trace ID changed on the way'
      : 'the trace headers did not arrive';
    return { mark: 'trace-broken', reason, hop };
  }
  if (checks.spanId === true && sent.spanId !== null && hop.spanId !== sent.spanId) {
    return {
      mark: 'trace-broken',
      reason: "the span ID changed on the way (or the trail is another call's)",
      hop,
    };
  }
  return { mark: 'ok', reason: null, hop };
}

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Printable ASCII only: trails end up in terminals and logs.
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * `value` cut to `maxLength` characters with every character outside printable ASCII replaced by
 * `?`: what a hop writes into its own breadcrumb from request input (a 404's path), so that the
 * reading side, which refuses anything else, accepts it.
 *
 * @example
 * ```ts
 * printable('/a\u0000b', 512); // '/a?b'
 * ```
 */
export function printable(value: string, maxLength: number): string {
  const cut = value.length > maxLength ? value.slice(0, maxLength) : value;
  return PRINTABLE.test(cut) ? cut : cut.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * The grammar of every text field of a trail, as {@link readTrail} checks it: a string of at most
 * `maxLength` characters of printable ASCII (`\x20`–`\x7e`). `DiagnosticsOptions.service` is
 * checked against it when the options are read, so a hop never writes a trail its readers refuse.
 *
 * @example
 * ```ts
 * isTrailText('orders', TRAIL_SERVICE_MAX_LENGTH); // true
 * isTrailText('café', TRAIL_SERVICE_MAX_LENGTH); // false: readers would refuse the trail
 * ```
 */
export function isTrailText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && PRINTABLE.test(value);
}

const text = isTrailText;

function nullableText(value: unknown, maxLength: number): value is string | null {
  return value === null || text(value, maxLength);
}

function hexId(value: unknown): value is string | null {
  return (
    value === null || (typeof value === 'string' && /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/.test(value))
  );
}

function requestId(value: unknown): value is string | null {
  return value === null || (typeof value === 'string' && parseRequestId(value) !== undefined);
}

function milliseconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 8.64e7;
}

function statusCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 999;
}

const MARKS = new Set<unknown>([
  'ok',
  'trace-broken',
  'not-instrumented',
  'trail-rejected',
  'failed',
  'pending',
]);
const FLAGS = new Set<unknown>(['UF', 'UT', 'UC', 'DC']);

function toSent(value: unknown): TrailSent | undefined {
  if (!isFields(value)) return undefined;
  const { requestId: id, traceId, spanId } = value;
  if (!requestId(id) || !hexId(traceId) || !hexId(spanId)) return undefined;
  return { requestId: id, traceId, spanId };
}

function toCall(value: unknown, depth: number): TrailCall | undefined {
  if (!isFields(value)) return undefined;
  const { method, url, remote, status, failure, durationMs, mark, reason, hop, truncated } = value;
  if (
    !text(method, 32) ||
    !text(url, 2048) ||
    !nullableText(remote, 64) ||
    !(status === null || statusCode(status)) ||
    !(failure === null || FLAGS.has(failure)) ||
    !(durationMs === null || milliseconds(durationMs)) ||
    !MARKS.has(mark) ||
    !nullableText(reason, 256) ||
    !(truncated === undefined || truncated === true)
  ) {
    return undefined;
  }
  const sent = toSent(value.sent);
  if (sent === undefined) return undefined;
  let below: TrailHop | null = null;
  if (hop !== null) {
    const parsed = toHop(hop, depth + 1);
    if (parsed === undefined) return undefined;
    below = parsed;
  }
  return {
    method,
    url,
    remote,
    status,
    failure: failure as FailureFlag | null,
    durationMs,
    sent,
    mark: mark as TrailMark,
    reason,
    hop: below,
    ...(truncated === true ? { truncated } : {}),
  };
}

function toHop(value: unknown, depth: number): TrailHop | undefined {
  if (depth >= TRAIL_MAX_DEPTH || !isFields(value)) return undefined;
  const { service, host, pid, address, peer, method, route, status, durationMs } = value;
  const { requestIdArrived, traceIdArrived, traceId, spanId, parentSpanId, calls, omittedCalls } =
    value;
  if (
    !nullableText(service, TRAIL_SERVICE_MAX_LENGTH) ||
    !text(host, 256) ||
    !(typeof pid === 'number' && Number.isInteger(pid) && pid >= 0) ||
    !nullableText(address, 64) ||
    !nullableText(peer, 64) ||
    !text(method, 32) ||
    !text(route, 512) ||
    !statusCode(status) ||
    !milliseconds(durationMs) ||
    typeof value.requestId !== 'string' ||
    !requestId(value.requestId) ||
    typeof requestIdArrived !== 'boolean' ||
    typeof traceIdArrived !== 'boolean' ||
    !hexId(traceId) ||
    !hexId(spanId) ||
    !hexId(parentSpanId) ||
    !Array.isArray(calls) ||
    calls.length > TRAIL_MAX_CALLS ||
    !(typeof omittedCalls === 'number' && Number.isInteger(omittedCalls) && omittedCalls >= 0)
  ) {
    return undefined;
  }
  const parsedCalls: TrailCall[] = [];
  for (const call of calls) {
    const parsed = toCall(call, depth);
    if (parsed === undefined) return undefined;
    parsedCalls.push(parsed);
  }
  return {
    service,
    host,
    pid,
    address,
    peer,
    method,
    route,
    status,
    durationMs,
    requestId: value.requestId,
    requestIdArrived,
    traceId,
    traceIdArrived,
    spanId,
    parentSpanId,
    calls: parsedCalls,
    omittedCalls,
  };
}
