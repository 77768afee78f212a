import { REQUEST_ID_MAX_LENGTH } from '../codec/headers.js';
import { type Rejection, rejectionReason } from '../codec/rejection.js';
import { parseRequestId } from '../codec/request-id.js';
import type { HeaderCarrier } from './header-carrier.js';
import { onlyValue, rejection } from './header-verdicts.js';
import { newRequestId, type ResolvedOptions } from './options.js';
import type { HeaderValues } from './read-carrier.js';

/** What the adapter knows about the request besides its headers, for `trustRequestId`. */
export interface ExtractRequestInfo {
  /** The peer's address (`request.socket.remoteAddress`), e.g. `127.0.0.6` for an Istio sidecar. */
  readonly remoteAddress?: string | undefined;
  /** The framework's request object, handed to a `trustRequestId` function. */
  readonly request?: unknown;
}

/** Which request ID a request uses, and why. */
export interface RequestIdChoice {
  /** The valid, trusted incoming ID, otherwise a fresh one. */
  readonly requestId: string;
  readonly source: 'incoming' | 'generated';
  /** A valid incoming ID that `trustRequestId` turned away. */
  readonly untrustedRequestId: string | undefined;
  /** The `trustRequestId` decision, when a valid ID arrived to ask it about. */
  readonly trusted: boolean | undefined;
  /** Why the incoming ID was not used, when one arrived and was not. */
  readonly rejection: Rejection | undefined;
}

/** The request being extracted: its headers, what the adapter knows of it, the options it is read under. */
export interface IncomingRequest {
  readonly headers: HeaderCarrier;
  readonly options: ResolvedOptions;
  readonly info: ExtractRequestInfo | undefined;
}

/**
 * Chooses the request ID from the values of the request ID header: the incoming one when it is
 * one valid value and `trustRequestId` trusts the sender, otherwise a generated one
 * (`generateRequestId`). Never throws on request input.
 *
 * @example
 * ```ts
 * chooseRequestId(['abc'], { headers, options: resolveOptions({}), info: undefined }).requestId;
 * // 'abc'
 * ```
 */
export function chooseRequestId(
  values: readonly string[] | undefined,
  request: IncomingRequest,
): RequestIdChoice {
  const { options } = request;
  const header = options.requestIdHeader;
  const incoming = checkId(values, header);
  if (typeof incoming !== 'string') return generated(options, undefined, incoming);
  if (isTrusted(request)) {
    return {
      requestId: incoming,
      source: 'incoming',
      untrustedRequestId: undefined,
      trusted: true,
      rejection: undefined,
    };
  }
  return generated(options, incoming, rejection(header, 'untrusted', incoming.length));
}

function generated(
  options: ResolvedOptions,
  untrustedRequestId: string | undefined,
  why: Rejection | undefined,
): RequestIdChoice {
  return {
    requestId: newRequestId(options),
    source: 'generated',
    untrustedRequestId,
    trusted: untrustedRequestId === undefined ? undefined : false,
    rejection: why,
  };
}

/**
 * The incoming correlation ID: the request ID rules, and the same `trustRequestId` decision (a
 * caller not trusted to name the request is not trusted to name the chain either), asked only if
 * the request ID did not ask it already. `undefined` (with the rejection) when absent, invalid or
 * untrusted. A valid one is also forwarded as received, so a `forward`-mode hop keeps the chain
 * joinable.
 *
 * @example
 * ```ts
 * readCorrelationId(new Map([['x-correlation-id', ['chain-1']]]), request, true); // 'chain-1'
 * ```
 */
export function readCorrelationId(
  values: HeaderValues,
  request: IncomingRequest,
  trusted: boolean | undefined,
): string | Rejection | undefined {
  const header = request.options.correlationIdHeader;
  if (header === undefined) return undefined;
  const incoming = checkId(values.get(header), header);
  if (typeof incoming !== 'string') return incoming;
  if (!(trusted ?? isTrusted(request))) {
    return rejection(header, 'untrusted', incoming.length);
  }
  return incoming;
}

/** A request-ID-shaped header's one valid value, the rejection of an invalid one, or `undefined` when absent. */
function checkId(
  values: readonly string[] | undefined,
  header: string,
): string | Rejection | undefined {
  if (values === undefined) return undefined;
  const raw = onlyValue(values, header);
  if (typeof raw !== 'string') return raw;
  const valid = parseRequestId(raw);
  if (valid !== undefined) return valid;
  return rejection(header, rejectionReason(raw, REQUEST_ID_MAX_LENGTH, true), raw.length);
}

function isTrusted({ headers, options, info }: IncomingRequest): boolean {
  const trust = options.trustRequestId;
  if (typeof trust === 'boolean') return trust;
  // A trust function written by the application: one that throws must not fail the request, and
  // the ID is then not trusted.
  try {
    return trust({ headers, remoteAddress: info?.remoteAddress, request: info?.request }) === true;
  } catch {
    return false;
  }
}
