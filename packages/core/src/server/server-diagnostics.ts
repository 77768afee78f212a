import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ContextSlot } from '../context/context-slot.js';
import type { TraceContext } from '../context/trace-context.js';
import { DiagnosticHop, registerDiagnosticHop } from '../diagnostics/diagnostic-hop.js';
import type {
  DiagnosticsRequest,
  ResolvedDiagnostics,
} from '../diagnostics/diagnostics-options.js';
import {
  DIAGNOSTICS_HEADER,
  formatTrail,
  TRAIL_HEADER,
  trailAddress,
} from '../diagnostics/trail.js';
import { formatTrailText } from '../diagnostics/trail-text.js';
import type { ServerExchange } from './server-exchange.js';
import { requestTarget, routeOf } from './server-observation.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Whether `given` is the token, in time that does not depend on how much of it matched. */
function isToken(given: unknown, token: string): boolean {
  return typeof given === 'string' && timingSafeEqual(digest(given), digest(token));
}

/**
 * Whether a request is a diagnostic one, as every server adapter decides it (HTTP, gRPC): `given`,
 * the `x-hoptrace-diag` value it carried, is the token (compared in constant time: digests of both,
 * so the time says neither how long the token is nor how much of it matched), or else the
 * `allow` option says `true` for `request()`, which is only built when `allow` is set. An `allow`
 * that throws or returns anything but `true` is a no. Never throws on request input.
 *
 * @example
 * ```ts
 * const given = metadata.get('x-hoptrace-diag').join(', ');
 * if (acceptsDiagnostics(diagnostics, given, () => ({ headers: metadata, remoteAddress, request: call }))) {
 *   openDiagnosticHop(diagnostics, context);
 * }
 * ```
 */
export function acceptsDiagnostics(
  diagnostics: ResolvedDiagnostics,
  given: unknown,
  request: () => DiagnosticsRequest,
): boolean {
  if (isToken(given, diagnostics.token)) return true;
  if (diagnostics.allow === undefined) return false;
  try {
    return diagnostics.allow(request()) === true;
  } catch {
    return false;
  }
}

/**
 * Opens the {@link DiagnosticHop} of an accepted diagnostic request (see
 * {@link acceptsDiagnostics}) whose context is `context`, and registers it there, so that the
 * outbound clients of the request record their calls into it and forward the token. The adapter
 * writes the hop's trail (`formatTrail(hop.summarize(…), hop.token, hop.maxTrailLength)`) into
 * its response head.
 *
 * @example
 * ```ts
 * const hop = openDiagnosticHop(diagnostics, slot.context);
 * ```
 */
export function openDiagnosticHop(
  diagnostics: ResolvedDiagnostics,
  context: TraceContext,
): DiagnosticHop {
  const hop = new DiagnosticHop(
    context,
    diagnostics.token,
    diagnostics.service,
    diagnostics.maxTrailLength,
  );
  registerDiagnosticHop(context, hop);
  return hop;
}

/** Linkerd's diagnostic tracing: `TRACE` with `l5d-add-context: true` wants the trail as text. */
function wantsTextTrail(request: IncomingMessage): boolean {
  return request.method === 'TRACE' && request.headers['l5d-add-context'] === 'true';
}

/** `headers` (a `writeHead` argument) without `content-length`, which the appended text breaks. */
function withoutContentLength(headers: unknown): unknown {
  if (Array.isArray(headers)) {
    const kept: unknown[] = [];
    const flat = headers.length > 0 && !Array.isArray(headers[0]);
    if (flat) {
      for (let index = 0; index + 1 < headers.length; index += 2) {
        if (String(headers[index]).toLowerCase() === 'content-length') continue;
        kept.push(headers[index], headers[index + 1]);
      }
      return kept;
    }
    return headers.filter(
      (pair) => !(Array.isArray(pair) && String(pair[0]).toLowerCase() === 'content-length'),
    );
  }
  if (typeof headers !== 'object' || headers === null) return headers;
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
    if (name.toLowerCase() !== 'content-length') kept[name] = value;
  }
  return kept;
}

/**
 * Removes `x-hoptrace-diag` from every view of the request's headers Node gives: `headers`,
 * `headersDistinct` and `rawHeaders` (which Express, Koa and Fastify all expose as they are), so
 * that neither an app that copies them onto its own calls nor a logger that prints them (pino-http
 * and morgan read `headers`; others `rawHeaders`) passes the token on. Never throws.
 *
 * Order matters on Node 20 and 24: `headersDistinct` is a getter that builds its object from
 * `rawHeaders` on first read, over the header count the parser left, so it is read (built) before
 * `rawHeaders` shrinks; reading it afterwards would walk past the end of the array and throw.
 * Only requests that carry the header pay for it.
 */
function stripToken(request: IncomingMessage): void {
  try {
    delete request.headers[DIAGNOSTICS_HEADER];
    const distinct: Record<string, unknown> | undefined = request.headersDistinct;
    if (distinct !== undefined) delete distinct[DIAGNOSTICS_HEADER];
    const raw: unknown = request.rawHeaders;
    if (!Array.isArray(raw)) return;
    // In place, from the end, both the name and its value: whoever holds the array sees it too.
    for (let index = raw.length - 2; index >= 0; index -= 2) {
      const name: unknown = raw[index];
      if (typeof name === 'string' && name.toLowerCase() === DIAGNOSTICS_HEADER) {
        raw.splice(index, 2);
      }
    }
  } catch {
    // A request object that is not Node's own (a mock, a frozen copy) keeps what it has.
  }
}

/**
 * The server side of diagnostic tracing, called by {@link openServerRequest} for every request:
 *
 * - The `x-hoptrace-diag` request header is always removed from `request.headers`,
 *   `request.headersDistinct` and `request.rawHeaders`, so an app that copies its request's
 *   headers never forwards it and a logger never prints it; hoptrace forwards it itself, only
 *   for a request it accepted.
 * - With `diagnostics` on and the right token (or `allow` saying yes), the request gets a
 *   {@link DiagnosticHop} that outbound clients record their calls into, and its response head
 *   carries `x-hoptrace-trail`: this hop's breadcrumb with the trails of its calls nested under
 *   them, signed (see `formatTrail`). A `TRACE` request with `l5d-add-context: true` also gets
 *   the trail as text appended to its body (Linkerd's diagnostic tracing).
 *
 * Everything beyond the header check happens only for accepted requests. Never throws on request
 * input.
 *
 * @example
 * ```ts
 * openDiagnostics(options.diagnostics, scope, { request, response, readRoute, routeSource });
 * ```
 */
export function openDiagnostics<Source>(
  diagnostics: ResolvedDiagnostics | undefined,
  scope: ContextSlot,
  exchange: ServerExchange<Source>,
): void {
  const { request, response, readRoute, routeSource } = exchange;
  const given = request.headers[DIAGNOSTICS_HEADER];
  if (given !== undefined) stripToken(request);
  if (diagnostics === undefined) return;
  const accepted = acceptsDiagnostics(diagnostics, given, () => ({
    headers: request.headers,
    remoteAddress: request.socket?.remoteAddress,
    request,
  }));
  if (!accepted) return;

  const hop = openDiagnosticHop(diagnostics, scope.context);
  const socket = request.socket as IncomingMessage['socket'] | null | undefined;
  const address = trailAddress(socket?.localAddress, socket?.localPort);
  const peer = trailAddress(socket?.remoteAddress, socket?.remotePort);
  const method = request.method ?? '';
  const target = requestTarget(request);
  const asText = wantsTextTrail(request);
  let text: string | undefined;

  const writeHead = response.writeHead;
  response.writeHead = function writeHeadWithTrail(
    this: ServerResponse,
    ...args: unknown[]
  ): ServerResponse {
    // Once: the trail describes this response head; a framework calling twice sees it set.
    response.writeHead = writeHead;
    try {
      const status = typeof args[0] === 'number' ? args[0] : this.statusCode;
      const trail = hop.summarize({
        method,
        route: routeOf(target, readRoute, routeSource),
        status,
        address,
        peer,
      });
      const value = formatTrail(trail, hop.token, hop.maxTrailLength);
      if (value !== undefined && !this.headersSent) this.setHeader(TRAIL_HEADER, value);
      if (asText && method !== 'HEAD' && status !== 204 && status !== 304) {
        text = `\n${formatTrailText(trail)}`;
        this.removeHeader('content-length');
        const last = args.length - 1;
        if (last >= 1) args[last] = withoutContentLength(args[last]);
      }
    } catch {
      // Diagnostics must never change the answer itself.
    }
    return (writeHead as (...values: unknown[]) => ServerResponse).apply(this, args);
  };

  if (!asText) return;
  const end = response.end;
  response.end = function endWithTrail(this: ServerResponse, ...args: unknown[]): ServerResponse {
    response.end = end;
    const [chunk, encoding, callback] = args;
    const done =
      typeof chunk === 'function' ? chunk : typeof encoding === 'function' ? encoding : callback;
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      this.write(
        chunk as string,
        typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
      );
    }
    if (text !== undefined) this.write(text);
    return (end as (callback?: unknown) => ServerResponse).call(this, done);
  };
}
