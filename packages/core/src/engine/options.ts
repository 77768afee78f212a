import { ALL_FORMATS, FORMAT_HEADERS, type HeaderFormat } from '../codec/headers.js';
import { generateRequestId, parseRequestId, type RequestIdGenerator } from '../codec/request-id.js';
import {
  type DiagnosticsOptions,
  type ResolvedDiagnostics,
  resolveDiagnostics,
} from '../diagnostics/diagnostics-options.js';
import {
  type ObserveOptions,
  type Observer,
  type ResolvedObserver,
  resolveObserver,
} from '../diagnostics/observation.js';
import { DIAGNOSTICS_HEADER, TRAIL_HEADER } from '../diagnostics/trail.js';
import {
  describeValue as describe,
  HoptraceOptionsError,
  isPlainObject,
  refuseUnknownKeys,
} from '../errors.js';
import type { HeaderCarrier } from './header-carrier.js';

/**
 * How outbound calls carry the trace.
 *
 * - `forward` (default): what Istio asks of an application: every valid incoming header is
 *   forwarded byte for byte; the sidecar makes the spans.
 * - `child`: each outbound call gets a fresh span ID whose parent is the current span, written
 *   consistently in every enabled format (B3 single, B3 multi, traceparent).
 */
export type PropagationMode = 'forward' | 'child';

/**
 * Which request ID outbound calls carry.
 *
 * - `forward` (default): Istio's semantics (Envoy "x-request-id" docs): one ID for the whole
 *   chain; every outbound call carries the current request's ID.
 * - `per-call`: StackState's semantics ("request/response pairs"): every outbound call gets a
 *   fresh ID from `generateRequestId`, unique per request/response pair, and the chain's ID rides
 *   beside it in `correlationIdHeader` (the incoming correlation ID when a valid one arrived,
 *   otherwise the current request's ID), so logs still join the whole chain on one value.
 */
export type OutboundRequestId = 'forward' | 'per-call';

/** What a `trustRequestId` function is given to decide. */
export interface TrustRequest {
  /** The incoming headers. */
  readonly headers: HeaderCarrier;
  /** The peer address, when the adapter knows it (e.g. `127.0.0.1` for a sidecar). */
  readonly remoteAddress: string | undefined;
  /** The framework's request object, when the adapter passes it. */
  readonly request: unknown;
}

/** An extra header to forward verbatim, with its own length cap. */
export interface ForwardHeader {
  /** Header name; a trailing `*` matches a prefix (`l5d-ctx-*`). Case-insensitive. */
  readonly name: string;
  /** Longest value forwarded, in characters. Default: `forwardHeaderMaxLength`. */
  readonly maxLength?: number;
}

/**
 * Options shared by every hoptrace entry point (core, adapters, outbound clients).
 *
 * @example
 * ```ts
 * const options: HoptraceOptions = {
 *   requestIdHeader: 'x-correlation-id',
 *   mode: 'child',
 *   forwardHeaders: ['x-client-trace-id', 'l5d-ctx-*'],
 * };
 * ```
 */
export interface HoptraceOptions {
  /** The request ID header. Default `x-request-id`. */
  readonly requestIdHeader?: string;
  /** Makes a new request ID. Default: `crypto.randomUUID()`. Its output must be a valid request ID. */
  readonly generateRequestId?: RequestIdGenerator;
  /**
   * Whether a valid incoming request ID is kept. Default `true` (behind a mesh or a load balancer
   * that sets it). `false` always generates one; a function decides per request. A refused ID is
   * kept on the context as `untrustedRequestId`.
   */
  readonly trustRequestId?: boolean | ((request: TrustRequest) => boolean);
  /** The formats read and written. Default: all of them ({@link ALL_FORMATS}). */
  readonly formats?: readonly HeaderFormat[];
  /** How outbound calls carry the trace. Default `forward`. */
  readonly mode?: PropagationMode;
  /** Start a new trace when no valid one arrived. Default `true`. */
  readonly startTrace?: boolean;
  /** Extra headers forwarded verbatim (e.g. `x-client-trace-id`, `l5d-ctx-*`, `sw8`). Default none. */
  readonly forwardHeaders?: readonly (string | ForwardHeader)[];
  /** Default length cap of `forwardHeaders` values, in characters. Default 512. */
  readonly forwardHeaderMaxLength?: number;
  /**
   * Records one {@link ServerObservation} per request a server adapter answers and one
   * {@link ClientObservation} per outbound call: a function, a logger with `info(object)` (pino),
   * or `{ observer, service }` to name the service in every record. Off by default; handed over
   * off the request's path, and an observer that throws is isolated and counted.
   */
  readonly observe?: Observer | ObserveOptions;
  /** Which request ID outbound calls carry: see {@link OutboundRequestId}. Default `forward`. */
  readonly outboundRequestId?: OutboundRequestId;
  /**
   * The header carrying the chain's ID beside a per-call request ID. Default `x-correlation-id`.
   * Same rules as `requestIdHeader` (lower-cased; framing and credential names refused; must
   * differ from `requestIdHeader` and `forwardHeaders`). A valid incoming value is kept on the
   * context as `correlationId` (and forwarded) in either `outboundRequestId` mode. When the
   * default collides with `requestIdHeader` or a `forwardHeaders` entry, correlation is off in
   * `forward` mode (today's behaviour) and `per-call` asks for an explicit name.
   */
  readonly correlationIdHeader?: string;
  /**
   * Diagnostic tracing for requests that carry `x-hoptrace-diag: <token>`: see
   * {@link DiagnosticsOptions}. Off by default.
   */
  readonly diagnostics?: DiagnosticsOptions;
}

/**
 * Options after validation and defaulting, as `createHoptrace(options).options` exposes them.
 * Adapters read `requestIdHeader` from here; the rest is the engine's working form.
 *
 * @example
 * ```ts
 * const { requestIdHeader } = createHoptrace({ requestIdHeader: 'X-Correlation-ID' }).options;
 * // 'x-correlation-id'
 * ```
 */
export interface ResolvedOptions {
  /**
   * The options these were resolved from, as given. An outbound client inside a request builds
   * its own options on top of the server's from them (see `currentRequestOptions`).
   */
  readonly given: Readonly<HoptraceOptions>;
  /** Lower-cased {@link HoptraceOptions.requestIdHeader}. */
  readonly requestIdHeader: string;
  /** {@link HoptraceOptions.generateRequestId}, checked once. */
  readonly generateRequestId: RequestIdGenerator;
  /** {@link HoptraceOptions.trustRequestId}. */
  readonly trustRequestId: boolean | ((request: TrustRequest) => boolean);
  /** {@link HoptraceOptions.formats} as a set. */
  readonly formats: ReadonlySet<HeaderFormat>;
  /** {@link HoptraceOptions.mode}. */
  readonly mode: PropagationMode;
  /** {@link HoptraceOptions.startTrace}. */
  readonly startTrace: boolean;
  /** {@link HoptraceOptions.outboundRequestId}. */
  readonly outboundRequestId: OutboundRequestId;
  /**
   * Lower-cased {@link HoptraceOptions.correlationIdHeader}, or `undefined` when the default
   * collides with another header hoptrace carries (forward mode only).
   */
  readonly correlationIdHeader: string | undefined;
  /** Exact extra header names → length cap. */
  readonly forwardExact: ReadonlyMap<string, number>;
  /** Extra header prefixes with their length cap. */
  readonly forwardPrefixes: readonly (readonly [prefix: string, maxLength: number])[];
  /**
   * A filter over the (first letter, length) of every header name hoptrace reads; see
   * {@link mightBeWanted}. Turns away `host`, `accept`, `x-forwarded-for`… before any string work.
   */
  readonly wantedShapes: Uint8Array;
  /** {@link HoptraceOptions.observe}, wrapped so it never throws or blocks; `undefined` when off. */
  readonly observe: ResolvedObserver | undefined;
  /** {@link HoptraceOptions.diagnostics}, validated; `undefined` when off. */
  readonly diagnostics: ResolvedDiagnostics | undefined;
}

const SHAPE_LENGTHS = 64;

function shapeIndex(initial: number, length: number): number {
  return (initial & 0x7f) * SHAPE_LENGTHS + (length < SHAPE_LENGTHS ? length : SHAPE_LENGTHS - 1);
}

function wantedShapes(
  names: Iterable<string>,
  prefixes: readonly (readonly [string, number])[],
): Uint8Array {
  const shapes = new Uint8Array(128 * SHAPE_LENGTHS);
  for (const name of names) shapes[shapeIndex(name.charCodeAt(0) | 0x20, name.length)] = 1;
  for (const [prefix] of prefixes) {
    for (let length = prefix.length; length < SHAPE_LENGTHS; length++) {
      shapes[shapeIndex(prefix.charCodeAt(0) | 0x20, length)] = 1;
    }
  }
  return shapes;
}

/**
 * Whether a header name (in any case) might be one hoptrace reads, judged by its first letter
 * and length alone. `false` is certain; `true` still needs a name comparison.
 */
export function mightBeWanted(options: ResolvedOptions, name: string): boolean {
  const initial = name.charCodeAt(0) | 0x20;
  return initial < 0x80 && options.wantedShapes[shapeIndex(initial, name.length)] === 1;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Every header of every format: never a request ID or `forwardHeaders` name. */
const RESERVED: ReadonlySet<string> = new Set(Object.values(FORMAT_HEADERS).flat());
/**
 * Headers that must never be forwarded or written as a request ID: framing and hop-by-hop
 * headers (RFC 9110 §7.6.1; forwarding them breaks requests or opens request smuggling) and
 * credentials (forwarding them leaks them to every downstream service).
 */
const FORBIDDEN = new Set([
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'authorization',
  'cookie',
  'set-cookie',
]);

const KNOWN_OPTIONS = new Set([
  'requestIdHeader',
  'generateRequestId',
  'trustRequestId',
  'formats',
  'mode',
  'startTrace',
  'forwardHeaders',
  'forwardHeaderMaxLength',
  'observe',
  'outboundRequestId',
  'correlationIdHeader',
  'diagnostics',
]);

/**
 * The namespace of hoptrace's own headers ({@link DIAGNOSTICS_HEADER}, {@link TRAIL_HEADER}, and
 * any it adds later). No option may name one: as `requestIdHeader` the diagnostics token would be
 * taken for a request ID and written onto every response and call; in `forwardHeaders` a token
 * this hop did not accept would be forwarded downstream, where only an accepted one may go.
 */
const OWN_PREFIX = 'x-hoptrace-';
const OWN_HEADERS: readonly string[] = [DIAGNOSTICS_HEADER, TRAIL_HEADER];

/**
 * Names a header may not have because they are property names every object inherits
 * (`__proto__`, `constructor`, `hasOwnProperty`…, and `prototype`), lower-cased as header names
 * are. Headers are read as properties of a record: `headers.__proto__` is `Object.prototype`, not
 * a header, so such a request ID header would never be read and outbound calls would carry none.
 */
const PROTOTYPE_NAMES: readonly string[] = [
  ...new Set(
    [...Object.getOwnPropertyNames(Object.prototype), 'prototype'].map((name) =>
      name.toLowerCase(),
    ),
  ),
];

/**
 * Checks one header-name option: a token (RFC 9110 §5.6.2), lower-cased, none of hoptrace's own
 * headers, no prototype name, no framing, hop-by-hop or credential header. A `prefix` (a
 * `forwardHeaders` entry ending in `*`, given here without it) is also refused when it would
 * match one of hoptrace's own headers or a prototype name (`x-*`, `x-hoptrace-*`, `__*`).
 */
function headerName(option: string, value: unknown, prefix = false): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new HoptraceOptionsError(
      option,
      `must be a valid HTTP header name, got ${describe(value)}`,
    );
  }
  const name = value.toLowerCase();
  const matches = (reserved: string): boolean =>
    prefix ? reserved.startsWith(name) || name.startsWith(reserved) : name === reserved;
  const own = name.startsWith(OWN_PREFIX) || OWN_HEADERS.some(matches);
  if (own || (prefix && OWN_PREFIX.startsWith(name))) {
    throw new HoptraceOptionsError(
      option,
      `must not ${prefix ? `be a prefix matching hoptrace's own headers (${OWN_HEADERS.join(', ')}): got "${name}*"` : `name hoptrace's own header "${name}"`}: the diagnostics token and trail are hoptrace's to read, strip and forward`,
    );
  }
  const inherited = PROTOTYPE_NAMES.find(matches);
  if (inherited !== undefined) {
    throw new HoptraceOptionsError(
      option,
      `must not ${prefix ? `be a prefix matching "${inherited}"` : `be "${name}"`}: a property every object inherits, never a header of a record`,
    );
  }
  if (FORBIDDEN.has(name) || name.startsWith('proxy-')) {
    throw new HoptraceOptionsError(
      option,
      `must not name "${name}": framing, hop-by-hop and credential headers are never propagated`,
    );
  }
  return name;
}

function positiveInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_536) {
    throw new HoptraceOptionsError(
      option,
      `must be an integer from 1 to 65536, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Throws {@link HoptraceOptionsError} naming `option` (default `options`) unless `options` is
 * `undefined` or a plain object (an object literal, `Object.create(null)`): `null`, `42`, `[]`,
 * a function or a string are reported as what they are, rather than spread into `{}` (accepted
 * silently) or read key by key (`option "0" is not a hoptrace option`). Every factory of every
 * hoptrace package calls it before reading its options.
 *
 * @param options - What the caller passed as options.
 * @param option - The name the error gives it. Default `options`.
 *
 * @example
 * ```ts
 * export function myAdapter(options?: HoptraceOptions) {
 *   checkOptions(options); // throws: option "options" must be undefined or a plain object …, got the number 42
 *   const engine = createHoptrace(options);
 * }
 * ```
 */
export function checkOptions(
  options: unknown,
  option = 'options',
): asserts options is Readonly<Record<string, unknown>> | undefined {
  if (options !== undefined && !isPlainObject(options)) {
    throw new HoptraceOptionsError(
      option,
      `must be undefined or a plain object ({ requestIdHeader, mode, … }), got ${describe(options)}${
        looksLikeRequest(options)
          ? ': the middleware itself was passed; call hoptrace() to make it: app.use(hoptrace())'
          : ''
      }`,
    );
  }
}

/**
 * A request (Express, node:http) or a Koa context: what `app.use(hoptrace)`, without the
 * parentheses, hands to the factory on every request.
 */
function looksLikeRequest(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const fields = value as { headers?: unknown; method?: unknown; req?: unknown; res?: unknown };
  return (
    (typeof fields.headers === 'object' && typeof fields.method === 'string') ||
    (typeof fields.req === 'object' && typeof fields.res === 'object')
  );
}

const cache = new WeakMap<HoptraceOptions, ResolvedOptions>();

/**
 * Validates `options` and fills in the defaults. Throws {@link HoptraceOptionsError} naming the
 * first bad option. Results are cached per options object, so passing the same object to
 * `extract` on every request costs one WeakMap lookup.
 *
 * @example
 * ```ts
 * resolveOptions({ mode: 'child' }).requestIdHeader; // 'x-request-id'
 * resolveOptions({ mode: 'sideways' as never }); // throws: option "mode" must be …
 * ```
 */
export function resolveOptions(options: HoptraceOptions = {}): ResolvedOptions {
  // The cache first: `extract(headers, options)` comes here on every request, and only options
  // that passed every check below are in it.
  const cached = typeof options === 'object' && options !== null ? cache.get(options) : undefined;
  if (cached !== undefined) return cached;
  checkOptions(options);

  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new HoptraceOptionsError(
        key,
        `is not a hoptrace option (known: ${[...KNOWN_OPTIONS].join(', ')})`,
      );
    }
  }
  const requestIdHeader = headerName('requestIdHeader', options.requestIdHeader ?? 'x-request-id');
  if (RESERVED.has(requestIdHeader)) {
    throw new HoptraceOptionsError(
      'requestIdHeader',
      `must not be a trace header, got "${requestIdHeader}"`,
    );
  }

  const generator = options.generateRequestId ?? generateRequestId;
  if (typeof generator !== 'function') {
    throw new HoptraceOptionsError(
      'generateRequestId',
      `must be a function, got ${describe(generator)}`,
    );
  }
  if (generator !== generateRequestId) checkGenerator(generator);

  const trust = options.trustRequestId ?? true;
  if (typeof trust !== 'boolean' && typeof trust !== 'function') {
    throw new HoptraceOptionsError(
      'trustRequestId',
      `must be a boolean or a function, got ${describe(trust)}`,
    );
  }

  const formatList = options.formats ?? ALL_FORMATS;
  if (!Array.isArray(formatList)) {
    throw new HoptraceOptionsError(
      'formats',
      `must be an array of ${ALL_FORMATS.join(', ')}, got ${describe(formatList)}`,
    );
  }
  for (const format of formatList) {
    if (!ALL_FORMATS.includes(format)) {
      throw new HoptraceOptionsError(
        'formats',
        `has unknown format ${describe(format)} (known: ${ALL_FORMATS.join(', ')})`,
      );
    }
  }

  const mode = options.mode ?? 'forward';
  if (mode !== 'forward' && mode !== 'child') {
    throw new HoptraceOptionsError('mode', `must be 'forward' or 'child', got ${describe(mode)}`);
  }

  const startTrace = options.startTrace ?? true;
  if (typeof startTrace !== 'boolean') {
    throw new HoptraceOptionsError('startTrace', `must be a boolean, got ${describe(startTrace)}`);
  }

  const defaultMaxLength = positiveInteger(
    'forwardHeaderMaxLength',
    options.forwardHeaderMaxLength ?? 512,
  );
  const forwardExact = new Map<string, number>();
  const forwardPrefixes: [string, number][] = [];
  const forwardList = options.forwardHeaders ?? [];
  if (!Array.isArray(forwardList)) {
    throw new HoptraceOptionsError(
      'forwardHeaders',
      `must be an array of header names or { name, maxLength }, got ${describe(forwardList)}`,
    );
  }
  (forwardList as readonly unknown[]).forEach((entry, index) => {
    const path = `forwardHeaders[${index}]`;
    let spec: { readonly name?: unknown; readonly maxLength?: unknown };
    let namePath = path;
    if (typeof entry === 'string') spec = { name: entry };
    else if (isPlainObject(entry)) {
      refuseUnknownKeys(entry, FORWARD_HEADER_KEYS, path);
      spec = entry;
      namePath = `${path}.name`;
    } else {
      throw new HoptraceOptionsError(
        path,
        `must be a header name or { name, maxLength }, got ${describe(entry)}`,
      );
    }
    const maxLength =
      spec.maxLength === undefined
        ? defaultMaxLength
        : positiveInteger(`${path}.maxLength`, spec.maxLength);
    const isPrefix = typeof spec.name === 'string' && spec.name.endsWith('*');
    const given = spec.name as string;
    const name = headerName(namePath, isPrefix ? given.slice(0, -1) : given, isPrefix);
    if (RESERVED.has(name) || name === requestIdHeader) {
      throw new HoptraceOptionsError(
        namePath,
        `must not list "${name}": hoptrace already carries it`,
      );
    }
    if (isPrefix) forwardPrefixes.push([name, maxLength]);
    else forwardExact.set(name, maxLength);
  });

  const outboundRequestId = options.outboundRequestId ?? 'forward';
  if (outboundRequestId !== 'forward' && outboundRequestId !== 'per-call') {
    throw new HoptraceOptionsError(
      'outboundRequestId',
      `must be 'forward' or 'per-call', got ${describe(outboundRequestId)}`,
    );
  }
  const correlationIdHeader = resolveCorrelationHeader(
    options.correlationIdHeader,
    outboundRequestId,
    requestIdHeader,
    forwardExact,
    forwardPrefixes,
  );

  // `{ observer, service }` (not a logger, whose methods are its own business): a misspelt member
  // would otherwise be dropped without a word.
  const observeOption: unknown = options.observe;
  if (isPlainObject(observeOption) && typeof observeOption.info !== 'function') {
    refuseUnknownKeys(observeOption, OBSERVE_KEYS, 'observe');
  }
  const observe = resolveObserver(observeOption);
  const resolved: ResolvedOptions = Object.freeze({
    given: options,
    requestIdHeader,
    generateRequestId: generator,
    trustRequestId: trust,
    formats: new Set(formatList),
    mode,
    startTrace,
    outboundRequestId,
    correlationIdHeader,
    forwardExact,
    forwardPrefixes,
    observe,
    diagnostics: resolveDiagnostics(options.diagnostics, observe?.service),
    wantedShapes: wantedShapes(
      [
        requestIdHeader,
        ...RESERVED,
        ...forwardExact.keys(),
        ...(correlationIdHeader === undefined ? [] : [correlationIdHeader]),
      ],
      forwardPrefixes,
    ),
  });
  cache.set(options, resolved);
  return resolved;
}

const DEFAULT_CORRELATION_ID_HEADER = 'x-correlation-id';

/**
 * The correlation header, checked. A collision of the *default* name with a header the
 * configuration already carries (`requestIdHeader: 'x-correlation-id'`, or `forwardHeaders`
 * listing it) turns correlation off in forward mode, so such configurations behave as before;
 * per-call mode cannot do without it, and an explicit name must not collide.
 */
const FORWARD_HEADER_KEYS: readonly (keyof ForwardHeader)[] = ['name', 'maxLength'];
const OBSERVE_KEYS: readonly (keyof ObserveOptions)[] = ['observer', 'service'];

function resolveCorrelationHeader(
  value: unknown,
  outboundRequestId: OutboundRequestId,
  requestIdHeader: string,
  forwardExact: ReadonlyMap<string, number>,
  forwardPrefixes: readonly (readonly [string, number])[],
): string | undefined {
  const explicit = value !== undefined;
  const name = headerName('correlationIdHeader', explicit ? value : DEFAULT_CORRELATION_ID_HEADER);
  let collision: string | undefined;
  if (RESERVED.has(name)) collision = 'a trace header';
  else if (name === requestIdHeader) collision = 'the requestIdHeader';
  else if (forwardExact.has(name) || forwardPrefixes.some(([prefix]) => name.startsWith(prefix))) {
    collision = 'listed in forwardHeaders';
  }
  if (collision === undefined) return name;
  if (!explicit && outboundRequestId === 'forward') return undefined;
  throw new HoptraceOptionsError(
    'correlationIdHeader',
    `must not be ${collision}, got "${name}"${explicit ? '' : ' (the default): set correlationIdHeader to another name'}`,
  );
}

/**
 * Calls a custom generator once, at construction, so that one returning a promise or IDs that
 * fail validation is reported now, naming the option, rather than replaced silently per request.
 */
function checkGenerator(generator: RequestIdGenerator): void {
  let sample: unknown;
  try {
    sample = generator();
  } catch (error) {
    throw new HoptraceOptionsError('generateRequestId', `threw when called: ${String(error)}`);
  }
  if (typeof sample !== 'string' || parseRequestId(sample) === undefined) {
    throw new HoptraceOptionsError(
      'generateRequestId',
      `must return 1–200 characters of [A-Za-z0-9._~:;=+/@-] synchronously, got ${describe(sample)}`,
    );
  }
}

/**
 * A new request ID from the configured generator. A generator that throws or returns an invalid
 * ID must not break a request, so the default generator stands in for it.
 */
export function newRequestId(options: ResolvedOptions): string {
  if (options.generateRequestId === generateRequestId) return generateRequestId();
  try {
    const id = options.generateRequestId();
    if (typeof id === 'string' && parseRequestId(id) !== undefined) return id;
  } catch {
    // fall through: the request must go on with a valid ID
  }
  return generateRequestId();
}
