import type { B3Context } from '../codec/b3-context.js';
import { B3_MULTI_HEADER_NAMES, type B3MultiHeaders, parseB3Multi } from '../codec/b3-multi.js';
import { parseB3Single } from '../codec/b3-single.js';
import { BAGGAGE_MAX_LENGTH, parseBaggage } from '../codec/baggage.js';
import { isHeaderName } from '../codec/header-value.js';
import { randomHexId } from '../codec/hex-id.js';
import { trimOptionalWhitespace } from '../codec/optional-whitespace.js';
import { type Rejection, rejectionReason } from '../codec/rejection.js';
import { parseRequestId, REQUEST_ID_MAX_LENGTH } from '../codec/request-id.js';
import { isSampled, type Sampling } from '../codec/sampling.js';
import {
  parseTraceparent,
  TRACE_FLAG_SAMPLED,
  TRACEPARENT_MAX_LENGTH,
  type Traceparent,
  traceparentToForward,
} from '../codec/traceparent.js';
import { isValidTracestate } from '../codec/tracestate.js';
import { OT_SPAN_CONTEXT_MAX_LENGTH, parseOtSpanContext } from '../codec/x-ot-span-context.js';
import { ContextSlot } from '../context/context-slot.js';
import type { TraceContext, TraceSource } from '../context/trace-context.js';
import {
  forEachHeader,
  forEachRecordValue,
  type HeaderCarrier,
  type HeaderRecord,
} from './header-carrier.js';
import {
  type HoptraceOptions,
  mightBeWanted,
  newRequestId,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';

/** What the adapter knows about the request besides its headers, for `trustRequestId`. */
export interface ExtractRequestInfo {
  /** The peer's address (`request.socket.remoteAddress`), e.g. `127.0.0.6` for an Istio sidecar. */
  readonly remoteAddress?: string | undefined;
  /** The framework's request object, handed to a `trustRequestId` function. */
  readonly request?: unknown;
}

/**
 * The raw values of one header: a string for the usual single line, an array once it repeats.
 * Arrays are made only for repeats, which keeps the common request allocation-free here.
 */
type RawValues = string | string[] | undefined;

/** The raw values of the headers hoptrace reads. */
class IncomingValues {
  requestId: RawValues = undefined;
  correlationId: RawValues = undefined;
  b3: RawValues = undefined;
  traceId: RawValues = undefined;
  spanId: RawValues = undefined;
  parentSpanId: RawValues = undefined;
  sampled: RawValues = undefined;
  flags: RawValues = undefined;
  traceparent: RawValues = undefined;
  tracestate: RawValues = undefined;
  otSpanContext: RawValues = undefined;
  baggage: RawValues = undefined;
  extras: Map<string, string[]> | undefined = undefined;

  constructor(public options: ResolvedOptions) {}

  /** Empties it for another request, so one object serves every extraction in turn. */
  reset(options: ResolvedOptions): this {
    this.options = options;
    this.requestId = undefined;
    this.correlationId = undefined;
    this.b3 = undefined;
    this.traceId = undefined;
    this.spanId = undefined;
    this.parentSpanId = undefined;
    this.sampled = undefined;
    this.flags = undefined;
    this.traceparent = undefined;
    this.tracestate = undefined;
    this.otSpanContext = undefined;
    this.baggage = undefined;
    this.extras = undefined;
    return this;
  }
}

/**
 * The values object of the last finished extraction, to be reset and used again: extraction is
 * synchronous, so one is enough; a nested one (a `trustRequestId` function that extracts) finds
 * none and makes its own.
 */
let spareValues: IncomingValues | undefined;

function takeValues(options: ResolvedOptions): IncomingValues {
  const values = spareValues;
  if (values === undefined) return new IncomingValues(options);
  spareValues = undefined;
  return values.reset(options);
}

type SingleField = Exclude<keyof IncomingValues, 'extras' | 'options' | 'reset'>;

/**
 * The field of {@link IncomingValues} a header name fills, if any. A switch over the ten names:
 * names from Node's and fetch's carriers are interned strings, so each case is one pointer check,
 * about 12% of extract's time less than a Map lookup (hashing) for every header of every request.
 */
function fieldOf(name: string): SingleField | undefined {
  switch (name) {
    case 'b3':
      return 'b3';
    case 'x-b3-traceid':
      return 'traceId';
    case 'x-b3-spanid':
      return 'spanId';
    case 'x-b3-parentspanid':
      return 'parentSpanId';
    case 'x-b3-sampled':
      return 'sampled';
    case 'x-b3-flags':
      return 'flags';
    case 'traceparent':
      return 'traceparent';
    case 'tracestate':
      return 'tracestate';
    case 'x-ot-span-context':
      return 'otSpanContext';
    case 'baggage':
      return 'baggage';
    default:
      return undefined;
  }
}

function added(current: RawValues, value: string): string | string[] {
  if (current === undefined) return value;
  if (typeof current === 'string') return [current, value];
  current.push(value);
  return current;
}

function asList(values: string | string[]): string[] {
  return typeof values === 'string' ? [values] : values;
}

function visitHeader(values: IncomingValues, key: string, value: string): void {
  if (mightBeWanted(values.options, key)) visitName(values, key, value, false);
}

function visitName(values: IncomingValues, name: string, value: string, lowered: boolean): void {
  const { options } = values;
  if (name === options.requestIdHeader) {
    values.requestId = added(values.requestId, value);
    return;
  }
  if (name === options.correlationIdHeader) {
    values.correlationId = added(values.correlationId, value);
    return;
  }
  const field = fieldOf(name);
  if (field !== undefined) {
    values[field] = added(values[field], value);
    return;
  }
  if (!lowered) {
    // Node and fetch give lower-case names; only a hand-built record or raw undici headers do not.
    const lower = name.toLowerCase();
    if (lower !== name) {
      visitName(values, lower, value, true);
      return;
    }
  }
  if (options.forwardExact.size === 0 && options.forwardPrefixes.length === 0) return;
  if (
    options.forwardExact.has(name) ||
    options.forwardPrefixes.some(([prefix]) => name.startsWith(prefix))
  ) {
    values.extras ??= new Map();
    const list = values.extras.get(name);
    if (list === undefined) values.extras.set(name, [value]);
    else list.push(value);
  }
}

const NO_REJECTIONS: readonly Rejection[] = Object.freeze([]);

/** Collects rejections and the verbatim headers to forward for one request. */
class Findings {
  /** Made on the first rejection: most requests have none, and then share one frozen empty list. */
  rejected: Rejection[] | undefined = undefined;
  /**
   * The verbatim headers to forward, made by {@link extractTrace} when the trace half starts: a
   * server request whose context is never read never needs it.
   */
  incoming!: Record<string, string>;
  requestIdSource: 'incoming' | 'generated' = 'generated';
  /** A valid incoming request ID that `trustRequestId` turned away. */
  untrustedRequestId: string | undefined = undefined;
  /** The `trustRequestId` decision, when a valid request ID arrived to ask it about. */
  trusted: boolean | undefined = undefined;

  reject(header: string, value: string, maxLength: number, commaMeansMultiple = false): undefined {
    return this.rejectAs(
      header,
      rejectionReason(value, maxLength, commaMeansMultiple),
      value.length,
    );
  }

  rejectAs(header: string, reason: Rejection['reason'], length: number): undefined {
    this.rejected ??= [];
    this.rejected.push(Object.freeze({ header, reason, length }));
    return undefined;
  }

  /** Records that the request kept its valid incoming ID because `trustRequestId` allowed it. */
  acceptIncoming(): this {
    this.trusted = true;
    this.requestIdSource = 'incoming';
    return this;
  }
}

/**
 * The one value of a header that allows one (request ID, traceparent, x-ot-span-context):
 * several header lines, or a comma-joined value, are rejected as `multiple-values`.
 */
function onlyValue(
  header: string,
  values: string | string[],
  findings: Findings,
): string | undefined {
  if (typeof values === 'string') return trimOptionalWhitespace(values);
  return findings.rejectAs(header, 'multiple-values', values.join(', ').length);
}

/**
 * B3's rule for repeated headers: the first value wins. Node joins repeated lines with `, `, so
 * the first value ends at the first comma.
 */
function firstValue(values: RawValues): string | undefined {
  const first = typeof values === 'string' ? values : values?.[0];
  if (first === undefined) return undefined;
  const comma = first.indexOf(',');
  return trimOptionalWhitespace(comma === -1 ? first : first.slice(0, comma));
}

const B3_SINGLE_MAX_LENGTH = 68;
const B3_MULTI_MAX_LENGTH = 32;
/** W3C Trace Context §3.3.1.5 asks for at least 512; 32 full members need about 16 KiB. */
const TRACESTATE_MAX_LENGTH = 8192;

/** A valid request-ID-shaped header value, or `undefined` (rejection recorded) when absent or invalid. */
function validIdValue(header: string, values: RawValues, findings: Findings): string | undefined {
  const raw = values === undefined ? undefined : onlyValue(header, values, findings);
  const valid = raw === undefined ? undefined : parseRequestId(raw);
  if (raw !== undefined && valid === undefined)
    findings.reject(header, raw, REQUEST_ID_MAX_LENGTH, true);
  return valid;
}

function isTrusted(
  options: ResolvedOptions,
  headers: HeaderCarrier,
  info: ExtractRequestInfo | undefined,
): boolean {
  const trust = options.trustRequestId;
  return typeof trust === 'boolean'
    ? trust
    : safeTrust(trust, { headers, remoteAddress: info?.remoteAddress, request: info?.request });
}

/**
 * The request ID to use: the valid, trusted incoming one, otherwise a fresh one. Where it came
 * from, the untrusted value and the trust decision are left on `findings` (no record per request).
 */
function extractRequestId(
  values: RawValues,
  options: ResolvedOptions,
  findings: Findings,
  headers: HeaderCarrier,
  info: ExtractRequestInfo | undefined,
): string {
  const header = options.requestIdHeader;
  const valid = validIdValue(header, values, findings);
  if (valid === undefined) return newRequestId(options);
  if (isTrusted(options, headers, info)) {
    findings.acceptIncoming();
    return valid;
  }
  findings.trusted = false;
  findings.rejectAs(header, 'untrusted', valid.length);
  findings.untrustedRequestId = valid;
  return newRequestId(options);
}

/**
 * The incoming correlation ID: the request ID rules, and the same `trustRequestId` decision (a
 * caller not trusted to name the request is not trusted to name the chain either). A valid one
 * is also forwarded as received, so a `forward`-mode hop keeps the chain joinable.
 */
function extractCorrelationId(
  values: RawValues,
  options: ResolvedOptions,
  findings: Findings,
  trusted: boolean | undefined,
  headers: HeaderCarrier,
  info: ExtractRequestInfo | undefined,
): string | undefined {
  const header = options.correlationIdHeader;
  if (header === undefined || values === undefined) return undefined;
  const valid = validIdValue(header, values, findings);
  if (valid === undefined) return undefined;
  if (!(trusted ?? isTrusted(options, headers, info))) {
    return findings.rejectAs(header, 'untrusted', valid.length);
  }
  findings.incoming[header] = valid;
  return valid;
}

/** A trust function that throws must not fail the request: the ID is then not trusted. */
function safeTrust<T>(trust: (request: T) => boolean, request: T): boolean {
  try {
    return trust(request) === true;
  } catch {
    return false;
  }
}

/** What each B3 encoding of a request held, when valid. */
interface B3Found {
  readonly single: B3Context | undefined;
  readonly multi: B3Context | undefined;
}

function extractB3(values: IncomingValues, options: ResolvedOptions, findings: Findings): B3Found {
  let single: B3Context | undefined;
  if (values.b3 !== undefined && options.formats.has('b3-single')) {
    const raw = firstValue(values.b3) ?? '';
    single = parseB3Single(raw);
    if (single === undefined) findings.reject('b3', raw, B3_SINGLE_MAX_LENGTH);
    else findings.incoming.b3 = raw;
  }

  let multi: B3Context | undefined;
  const raw: B3MultiHeaders = {
    traceId: firstValue(values.traceId),
    spanId: firstValue(values.spanId),
    parentSpanId: firstValue(values.parentSpanId),
    sampled: firstValue(values.sampled),
    flags: firstValue(values.flags),
  };
  // X-B3-Flags other than 1 "can be ignored" (B3 README): alone, it is as good as absent.
  const meaningful =
    raw.traceId !== undefined ||
    raw.spanId !== undefined ||
    raw.parentSpanId !== undefined ||
    raw.sampled !== undefined ||
    raw.flags === '1';
  if (meaningful && options.formats.has('b3-multi')) {
    multi = parseB3Multi(raw);
    if (multi === undefined) {
      rejectB3Multi(raw, findings);
    } else {
      const { incoming } = findings;
      if (raw.traceId !== undefined) incoming[B3_MULTI_HEADER_NAMES.traceId] = raw.traceId;
      if (raw.spanId !== undefined) incoming[B3_MULTI_HEADER_NAMES.spanId] = raw.spanId;
      if (raw.parentSpanId !== undefined) {
        incoming[B3_MULTI_HEADER_NAMES.parentSpanId] = raw.parentSpanId;
      }
      // Forwarded as the spec spells it: debug as Flags alone (no Sampled beside it), and a
      // legacy `true`/`false` as 1/0 ("you shouldn't encode X-B3-Sampled as true or false").
      if (multi.sampling === 'debug') incoming[B3_MULTI_HEADER_NAMES.flags] = '1';
      else if (multi.sampling !== 'defer') {
        incoming[B3_MULTI_HEADER_NAMES.sampled] = multi.sampling === 'accept' ? '1' : '0';
      }
    }
  }
  return { single, multi };
}

/**
 * The codec judges the x-b3-* headers as one set. Name the header that is broken on its own
 * (empty, too long, bad characters) when there is one; otherwise the set is malformed as a whole
 * (e.g. a span ID without a trace ID).
 */
function rejectB3Multi(raw: B3MultiHeaders, findings: Findings): void {
  let length = 0;
  for (const key of Object.keys(B3_MULTI_HEADER_NAMES) as (keyof B3MultiHeaders)[]) {
    const value = raw[key];
    if (value === undefined) continue;
    length += value.length;
    const reason = rejectionReason(value, B3_MULTI_MAX_LENGTH);
    if (reason !== 'malformed') {
      findings.rejectAs(B3_MULTI_HEADER_NAMES[key], reason, value.length);
      return;
    }
  }
  findings.rejectAs('x-b3-*', 'malformed', length);
}

function extractTraceparent(
  values: IncomingValues,
  options: ResolvedOptions,
  findings: Findings,
): Traceparent | undefined {
  if (!options.formats.has('traceparent')) return undefined;
  let traceparent: Traceparent | undefined;
  if (values.traceparent !== undefined) {
    const raw = onlyValue('traceparent', values.traceparent, findings);
    if (raw !== undefined) {
      traceparent = parseTraceparent(raw);
      if (traceparent === undefined) {
        findings.reject('traceparent', raw, TRACEPARENT_MAX_LENGTH, true);
      } else {
        const forwarded = traceparentToForward(raw, traceparent);
        // A later version's tail that could not go on is recorded: the header was replaced.
        if (forwarded !== raw) findings.reject('traceparent', raw, TRACEPARENT_MAX_LENGTH, true);
        findings.incoming.traceparent = forwarded;
      }
    }
  }
  // W3C Trace Context §3.3.1: several tracestate lines are one list, joined with commas. An
  // empty line adds no member (the W3C test suite's test_tracestate_empty_header ignores it).
  const joined =
    values.tracestate === undefined
      ? ''
      : asList(values.tracestate)
          .map(trimOptionalWhitespace)
          .filter((line) => line !== '')
          .join(',');
  if (joined !== '') {
    if (traceparent === undefined) {
      // §3.3: without a valid traceparent, tracestate is not propagated.
      findings.rejectAs('tracestate', 'orphaned', joined.length);
    } else if (joined.length > TRACESTATE_MAX_LENGTH) {
      // 32 members of at most 513 characters fit well within this; more is padding (empty
      // members, OWS) that would ride on every outbound call.
      findings.rejectAs('tracestate', 'too-long', joined.length);
    } else if (!isValidTracestate(joined)) {
      findings.reject('tracestate', joined, TRACESTATE_MAX_LENGTH);
    } else {
      findings.incoming.tracestate = joined;
    }
  }
  return traceparent;
}

function extractOpaque(values: IncomingValues, options: ResolvedOptions, findings: Findings): void {
  if (values.otSpanContext !== undefined && options.formats.has('x-ot-span-context')) {
    const raw = onlyValue('x-ot-span-context', values.otSpanContext, findings);
    if (raw !== undefined) {
      const valid = parseOtSpanContext(raw);
      if (valid === undefined)
        findings.reject('x-ot-span-context', raw, OT_SPAN_CONTEXT_MAX_LENGTH, true);
      else findings.incoming['x-ot-span-context'] = valid;
    }
  }
  if (values.baggage !== undefined && options.formats.has('baggage')) {
    // W3C Baggage: several headers are one list. An empty line adds no member, so it is skipped
    // rather than turning the joined list invalid.
    const joined =
      typeof values.baggage === 'string'
        ? values.baggage
        : values.baggage.filter((value) => trimOptionalWhitespace(value) !== '').join(',');
    // parseBaggage may return fewer members than it got (over the size limits): forward that.
    const valid = joined === '' ? undefined : parseBaggage(joined);
    if (valid === undefined) findings.reject('baggage', joined, BAGGAGE_MAX_LENGTH);
    else findings.incoming.baggage = valid;
  }
  if (values.extras !== undefined) {
    for (const [name, list] of values.extras) {
      // A name matched by a `forwardHeaders` prefix comes from the carrier, which need not be an
      // HTTP parser: only a token can go on, and the rejection must not repeat the name either.
      if (!isHeaderName(name)) {
        const prefix = options.forwardPrefixes.find(([start]) => name.startsWith(start))?.[0];
        findings.rejectAs(`${prefix ?? ''}*`, 'invalid-characters', name.length);
        continue;
      }
      const joined = list.map(trimOptionalWhitespace).join(', ');
      const maxLength = forwardMaxLength(name, options);
      if (isForwardable(joined, maxLength)) findings.incoming[name] = joined;
      else findings.reject(name, joined, maxLength);
    }
  }
}

function forwardMaxLength(name: string, options: ResolvedOptions): number {
  const exact = options.forwardExact.get(name);
  if (exact !== undefined) return exact;
  for (const [prefix, maxLength] of options.forwardPrefixes) {
    if (name.startsWith(prefix)) return maxLength;
  }
  return 0;
}

/** Extra headers are opaque to us: forward only visible ASCII and spaces within the cap. */
function isForwardable(value: string, maxLength: number): boolean {
  if (value.length === 0 || value.length > maxLength) return false;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}

function traceparentSampling(traceparent: Traceparent): Sampling {
  return (traceparent.traceFlags & TRACE_FLAG_SAMPLED) === TRACE_FLAG_SAMPLED ? 'accept' : 'deny';
}

/**
 * Reads the trace context of an incoming request from its headers. Never throws on any header
 * input: invalid headers are dropped and listed in `rejected` with the reason; an invalid or
 * missing request ID is replaced by a generated one; when no valid trace arrived, a new one
 * starts (unless `startTrace: false`).
 *
 * Precedence between formats: B3 single, then B3 multi (B3 README: the single header takes
 * precedence), then W3C traceparent. A B3 header that carries only a sampling decision
 * (`b3: 0`) sets the sampling of whichever identity is used.
 *
 * @param headers - Node `IncomingHttpHeaders`, a fetch `Headers`, a plain record, or undici raw headers.
 * @param options - {@link HoptraceOptions}; validated once per object (throws on bad options).
 * @param info - The peer address and framework request, handed to a `trustRequestId` function.
 * @returns A frozen {@link TraceContext}.
 *
 * @example
 * ```ts
 * import { extract } from '@hoptrace/core';
 * const context = extract(request.headers);
 * console.log(context.requestId, context.traceId, context.rejected);
 * ```
 */
export function extract(
  headers: HeaderCarrier,
  options?: HoptraceOptions,
  info?: ExtractRequestInfo,
): TraceContext {
  return extractResolved(headers, resolveOptions(options), info);
}

/** {@link extract} with options already resolved: the engine's per-request entry point. */
export function extractResolved(
  headers: HeaderCarrier,
  resolved: ResolvedOptions,
  info?: ExtractRequestInfo,
): TraceContext {
  try {
    return extractFrom(headers, resolved, info);
  } catch {
    // Unreachable by design; should a carrier defeat every check, the request still goes on,
    // with a context of its own rather than an exception.
    return extractFrom(NO_HEADERS, resolved, undefined);
  }
}

const NO_HEADERS: HeaderCarrier = Object.freeze({});

/** The values of the headers hoptrace reads; a carrier whose getters throw counts as empty. */
function readValues(headers: HeaderCarrier, resolved: ResolvedOptions): IncomingValues {
  const values = takeValues(resolved);
  try {
    forEachHeader(headers, values, visitHeader);
    return values;
  } catch {
    // A carrier whose getters throw (a broken proxy object) is treated as empty.
    return new IncomingValues(resolved);
  }
}

function extractFrom(
  headers: HeaderCarrier,
  resolved: ResolvedOptions,
  info: ExtractRequestInfo | undefined,
): TraceContext {
  const findings = new Findings();
  const values = readValues(headers, resolved);
  const requestId = extractRequestId(values.requestId, resolved, findings, headers, info);
  return extractTrace(values, requestId, headers, resolved, info, findings);
}

/**
 * Reads the request ID of a request whose headers are a record (Node's `IncomingHttpHeaders`)
 * now, and the rest of its trace context on first use (see {@link ContextSlot} for why). What it
 * reads is what {@link extract} reads, with the same rules and rejections. Never throws on
 * header input.
 *
 * @example
 * ```ts
 * const slot = openExtraction(request.headers, hoptrace.options, undefined);
 * response.setHeader('x-request-id', slot.requestId);
 * slot.context.traceId; // the trace headers are read here
 * ```
 */
export function openExtraction(
  headers: HeaderRecord,
  resolved: ResolvedOptions,
  info: ExtractRequestInfo | undefined,
): ContextSlot {
  const name = resolved.requestIdHeader;
  // What a mesh sends: one valid ID, under a blanket trust decision. Nothing is found about such a
  // request until its trace is read, so its findings are made then, if ever (see ExtractionSlot).
  // Anything else (several values, an invalid or untrusted ID, a trust function) takes the path
  // below, which records why.
  try {
    const single = headers[name];
    if (typeof single === 'string' && resolved.trustRequestId === true) {
      const valid = parseRequestId(trimOptionalWhitespace(single));
      if (valid !== undefined) return new ExtractionSlot(valid, headers, resolved, info, undefined);
    }
  } catch {
    // A record whose getter throws: the path below meets it again and gives the request an ID.
  }
  const findings = new Findings();
  // The request ID header alone, looked up by name but visited as extract visits every header.
  const values = takeValues(resolved);
  let requestId: string;
  try {
    forEachRecordValue(headers[name], name, values, visitHeader);
    requestId = extractRequestId(values.requestId, resolved, findings, headers, info);
  } catch {
    // Unreachable by design (a record whose getter throws): the request still gets an ID.
    requestId = newRequestId(resolved);
  }
  spareValues = values;
  return new ExtractionSlot(requestId, headers, resolved, info, findings);
}

/**
 * The slot {@link openExtraction} returns: it keeps what the trace half needs in its own fields
 * (one object per request, not a slot and a pending record) and reads it when its context is
 * first asked for.
 */
class ExtractionSlot extends ContextSlot {
  /** A server's extraction always has its engine's options. */
  declare readonly options: ResolvedOptions;
  private headers: HeaderCarrier;
  private info: ExtractRequestInfo | undefined;
  /** `undefined`: a valid incoming ID was trusted, and nothing else is known yet. */
  private readonly findings: Findings | undefined;

  constructor(
    requestId: string,
    headers: HeaderRecord,
    options: ResolvedOptions,
    info: ExtractRequestInfo | undefined,
    findings: Findings | undefined,
  ) {
    super(requestId, undefined, options);
    this.headers = headers;
    this.info = info;
    this.findings = findings;
  }

  protected override readContext(): TraceContext {
    const { headers, options, info, findings } = this;
    // As ContextSlot drops its pending record: the request's headers and framework object need
    // not live as long as the slot.
    this.headers = NO_HEADERS;
    this.info = undefined;
    return readTrace(
      headers,
      options,
      info,
      findings ?? new Findings().acceptIncoming(),
      this.requestId,
    );
  }
}

/** The trace half of an {@link openExtraction}, read when the slot's context is first asked for. */
function readTrace(
  headers: HeaderCarrier,
  resolved: ResolvedOptions,
  info: ExtractRequestInfo | undefined,
  findings: Findings,
  requestId: string,
): TraceContext {
  try {
    return extractTrace(
      readValues(headers, resolved),
      requestId,
      headers,
      resolved,
      info,
      findings,
    );
  } catch {
    // As in extractResolved: unreachable by design. The request keeps its ID and what was
    // found about it; whatever was validated before the failure stays valid.
    return extractTrace(
      new IncomingValues(resolved),
      requestId,
      NO_HEADERS,
      resolved,
      undefined,
      findings,
    );
  }
}

/** Everything after the request ID: correlation ID, B3, W3C, the opaque headers, and the context. */
function extractTrace(
  values: IncomingValues,
  requestId: string,
  headers: HeaderCarrier,
  resolved: ResolvedOptions,
  info: ExtractRequestInfo | undefined,
  findings: Findings,
): TraceContext {
  // Kept when this is the second try after an unexpected failure (readTrace, extractResolved).
  findings.incoming ??= {};
  const correlationId = extractCorrelationId(
    values.correlationId,
    resolved,
    findings,
    findings.trusted,
    headers,
    info,
  );
  const { single, multi } = extractB3(values, resolved, findings);
  const traceparent = extractTraceparent(values, resolved, findings);
  extractOpaque(values, resolved, findings);
  spareValues = values;

  // B3 README: "the single header variant takes precedence over the multiple header one when
  // extracting fields". A single header with no IDs (`b3: 0`) has only the sampling field to give.
  const b3 = single !== undefined ? single : multi;
  const identity =
    single?.traceId !== undefined ? single : multi?.traceId !== undefined ? multi : undefined;
  const sampling: Sampling =
    b3?.sampling ?? (traceparent ? traceparentSampling(traceparent) : 'defer');

  let traceId: string | undefined;
  let spanId: string | undefined;
  let parentSpanId: string | undefined;
  let traceSource: TraceSource | undefined;
  if (identity !== undefined) {
    ({ traceId, spanId, parentSpanId } = identity);
    traceSource = identity === single ? 'b3-single' : 'b3-multi';
    // B3 single can carry a parent only after a sampling state (`{trace}-{span}-{sampled}-{parent}`),
    // so with the decision deferred a sender writes `b3: {trace}-{span}` and the parent in
    // x-b3-parentspanid alone. When both name the same span, the multi header's parent belongs to
    // it; dropping it would cut the parent link at every deferred hop.
    if (
      parentSpanId === undefined &&
      identity === single &&
      multi?.traceId === traceId &&
      multi.spanId === spanId
    ) {
      parentSpanId = multi.parentSpanId;
    }
  } else if (traceparent !== undefined) {
    traceId = traceparent.traceId;
    spanId = traceparent.parentId;
    traceSource = 'traceparent';
  } else if (resolved.startTrace) {
    traceId = randomHexId(16);
    spanId = randomHexId(8);
    traceSource = 'generated';
  }
  if (traceId !== undefined) dropConflicts(findings, traceId, single, multi, traceparent);

  return Object.freeze({
    requestId,
    requestIdSource: findings.requestIdSource,
    untrustedRequestId: findings.untrustedRequestId,
    correlationId,
    traceId,
    spanId,
    parentSpanId,
    sampling,
    sampled: isSampled(sampling),
    debug: sampling === 'debug',
    traceSource,
    tracestate: findings.incoming.tracestate,
    baggage: findings.incoming.baggage,
    incoming: Object.freeze(findings.incoming),
    rejected: findings.rejected === undefined ? NO_REJECTIONS : Object.freeze(findings.rejected),
  });
}

/**
 * Headers that name another trace than the one in use are not forwarded: a hop must not carry two
 * traces, and a `tracestate` belongs to its `traceparent`'s trace (W3C Trace Context §3.3).
 */
function dropConflicts(
  findings: Findings,
  traceId: string,
  single: B3Context | undefined,
  multi: B3Context | undefined,
  traceparent: Traceparent | undefined,
): void {
  const { incoming } = findings;
  const padded = traceId.padStart(32, '0');
  if (single?.traceId !== undefined && !sameTrace(padded, single.traceId)) {
    findings.rejectAs('b3', 'conflicting', incoming.b3?.length ?? 0);
    delete incoming.b3;
  }
  if (multi?.traceId !== undefined && !sameTrace(padded, multi.traceId)) {
    let length = 0;
    for (const name of Object.values(B3_MULTI_HEADER_NAMES)) {
      length += incoming[name]?.length ?? 0;
      delete incoming[name];
    }
    findings.rejectAs('x-b3-*', 'conflicting', length);
  }
  if (traceparent !== undefined && !sameTrace(traceparent.traceId, traceId)) {
    findings.rejectAs('traceparent', 'conflicting', incoming.traceparent?.length ?? 0);
    delete incoming.traceparent;
    if (incoming.tracestate !== undefined) {
      findings.rejectAs('tracestate', 'orphaned', incoming.tracestate.length);
      delete incoming.tracestate;
    }
  }
}

/**
 * Whether a W3C 32-hex trace ID and a B3 trace ID (16 or 32 hex) name the same trace: a 64-bit
 * B3 ID is the W3C ID left-padded with zeros (W3C Trace Context §3.2.2.3).
 *
 * @example
 * ```ts
 * sameTrace('000000000000000080f198ee56343ba8', '80f198ee56343ba8'); // true
 * ```
 */
export function sameTrace(w3cTraceId: string, traceId: string | undefined): boolean {
  if (traceId === undefined) return false;
  if (traceId.length === 32) return traceId === w3cTraceId;
  return w3cTraceId === `0000000000000000${traceId}`;
}
