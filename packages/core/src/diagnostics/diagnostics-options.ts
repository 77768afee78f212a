import type { HeaderCarrier } from '../engine/header-carrier.js';
import {
  describeValue,
  HoptraceOptionsError,
  isPlainObject,
  refuseUnknownKeys,
} from '../errors.js';
import {
  isTrailText,
  TRAIL_MAX_LENGTH,
  TRAIL_MAX_LENGTH_LIMIT,
  TRAIL_SERVICE_MAX_LENGTH,
} from './trail.js';

/** What `DiagnosticsOptions.allow` is given to decide on a request without the token. */
export interface DiagnosticsRequest {
  /** The request's headers (for a gRPC call, its grpc-js `Metadata`). */
  readonly headers: HeaderCarrier;
  /** The peer address of the connection. */
  readonly remoteAddress: string | undefined;
  /**
   * The framework's request object: Node's `IncomingMessage` for every HTTP adapter, the grpc-js
   * server call for `@hoptrace/grpc`.
   */
  readonly request: unknown;
}

/**
 * Diagnostic tracing: a request carrying `x-hoptrace-diag: <token>` gets, in its response's
 * `x-hoptrace-trail` header, a breadcrumb of every hop it went through (service, instance, route,
 * status, duration, the IDs each hop saw and whether they arrived, every outbound call and what
 * it returned), and the hop where the trace broke is marked. `hoptrace trace <url>` sends such a
 * request and prints the tree. Like Linkerd's diagnostic tracing, but at the application level.
 *
 * Every service of the chain is configured with the same `token`: it is what a hop accepts, what
 * it forwards downstream (only where the trace headers go: see `propagateTo`), and the key that
 * signs its trail (HMAC-SHA256), so a hop without it can neither turn diagnostics on nor forge a
 * trail. A request without the right token has the header stripped and gets nothing extra.
 *
 * @example
 * ```ts
 * app.use(hoptrace({ diagnostics: { token: process.env.HOPTRACE_DIAG_TOKEN, service: 'orders' } }));
 * ```
 */
export interface DiagnosticsOptions {
  /**
   * The shared secret: 16 to 256 characters of `A-Z a-z 0-9 . _ ~ + / = -`. Required. Treat it
   * as a credential: it travels in a request header between your services.
   */
  readonly token: string;
  /**
   * Also turns diagnostics on for a request that did not bring the token (e.g. from an operator's
   * network). Default: only the token does. Should not throw; one that does counts as "no".
   */
  readonly allow?: (request: DiagnosticsRequest) => boolean;
  /**
   * The service name shown in breadcrumbs: 1 to 256 characters of printable ASCII (the grammar
   * trail readers check, see `isTrailText`; `café` or a line break would make every trail this
   * hop writes unreadable). Default: `observe`'s `service` (which must then fit it too), else none.
   */
  readonly service?: string;
  /**
   * The longest `x-hoptrace-trail` this hop writes and reads, in characters. Default 8192, from
   * 1024 to 65536. Proxies cap response headers (nginx `proxy_buffer_size`, 4 or 8 KiB by default;
   * Node's clients 16 KiB in all): the deepest downstream trails are dropped first to fit.
   */
  readonly maxTrailLength?: number;
}

/** {@link DiagnosticsOptions} after validation. */
export interface ResolvedDiagnostics {
  readonly token: string;
  readonly allow: ((request: DiagnosticsRequest) => boolean) | undefined;
  readonly service: string | null;
  readonly maxTrailLength: number;
}

const TOKEN = /^[A-Za-z0-9._~+/=-]{16,256}$/;
const KNOWN: readonly (keyof DiagnosticsOptions)[] = [
  'token',
  'allow',
  'service',
  'maxTrailLength',
];

/** A service name a trail can carry: the reader's own rule (`isTrailText`), and not empty. */
function isService(value: unknown): value is string {
  return value !== '' && isTrailText(value, TRAIL_SERVICE_MAX_LENGTH);
}

/**
 * Validates the `diagnostics` option; throws `HoptraceOptionsError` naming the bad member
 * (`diagnostics.token`…). `service` defaults to `observeService`.
 *
 * @example
 * ```ts
 * resolveDiagnostics({ token: 'a-long-shared-secret' }, 'orders').service; // 'orders'
 * ```
 */
export function resolveDiagnostics(
  option: unknown,
  observeService: string | undefined,
): ResolvedDiagnostics | undefined {
  if (option === undefined) return undefined;
  if (!isPlainObject(option)) {
    throw new HoptraceOptionsError(
      'diagnostics',
      `must be an object: { token, allow?, service?, maxTrailLength? }, got ${describeValue(option)}`,
    );
  }
  refuseUnknownKeys(option, KNOWN, 'diagnostics');
  const { token, allow, service, maxTrailLength } = option as Partial<
    Record<keyof DiagnosticsOptions, unknown>
  >;
  if (typeof token !== 'string' || !TOKEN.test(token)) {
    // Never the token itself in the message: it is a secret, and errors end up in logs.
    throw new HoptraceOptionsError(
      'diagnostics.token',
      `must be 16 to 256 characters of A-Z a-z 0-9 . _ ~ + / = -, got ${typeof token === 'string' ? `a string of ${token.length} characters` : describeValue(token)}`,
    );
  }
  if (allow !== undefined && typeof allow !== 'function') {
    throw new HoptraceOptionsError(
      'diagnostics.allow',
      `must be a function of the request, got ${describeValue(allow)}`,
    );
  }
  if (service !== undefined && !isService(service)) {
    throw new HoptraceOptionsError(
      'diagnostics.service',
      `must be 1 to ${TRAIL_SERVICE_MAX_LENGTH} characters of printable ASCII (what trail readers accept), got ${describeValue(service)}`,
    );
  }
  if (service === undefined && observeService !== undefined && !isService(observeService)) {
    throw new HoptraceOptionsError(
      'diagnostics.service',
      `defaults to observe's service, ${describeValue(observeService)}, which trails cannot carry (1 to ${TRAIL_SERVICE_MAX_LENGTH} characters of printable ASCII): set diagnostics.service`,
    );
  }
  const length = maxTrailLength ?? TRAIL_MAX_LENGTH;
  if (
    typeof length !== 'number' ||
    !Number.isInteger(length) ||
    length < 1024 ||
    length > TRAIL_MAX_LENGTH_LIMIT
  ) {
    throw new HoptraceOptionsError(
      'diagnostics.maxTrailLength',
      `must be an integer from 1024 to 65536, got ${describeValue(length)}`,
    );
  }
  return Object.freeze({
    token,
    allow: allow as ResolvedDiagnostics['allow'],
    service: (service as string | undefined) ?? observeService ?? null,
    maxTrailLength: length,
  });
}
