import type { FailureFlag } from '@hoptrace/core/diagnostics';

/**
 * gRPC status codes (grpc/doc/statuscodes.md), as numbers: the values `@grpc/grpc-js`'s `status`
 * enum holds. Named here so this module needs nothing of grpc-js at run time.
 */
export const GRPC_STATUS = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
});

/**
 * The HTTP status that stands for each gRPC code, as `google.rpc.Code` documents it (the
 * "HTTP Mapping:" line of each code in googleapis' `google/rpc/code.proto`, which grpc-gateway
 * answers with; gRPC's own `doc/http-grpc-status-mapping.md` maps the other way, HTTP to gRPC):
 * every gRPC response is HTTP 200 on the wire, so without this a failed call would look like a
 * success to `hoptrace topology`, which counts a status ≥ 500 as a failure, and to a diagnostic
 * trail's breadcrumb.
 */
const HTTP_EQUIVALENT: readonly number[] = [
  200, // OK
  499, // CANCELLED
  500, // UNKNOWN
  400, // INVALID_ARGUMENT
  504, // DEADLINE_EXCEEDED
  404, // NOT_FOUND
  409, // ALREADY_EXISTS
  403, // PERMISSION_DENIED
  429, // RESOURCE_EXHAUSTED
  400, // FAILED_PRECONDITION
  409, // ABORTED
  400, // OUT_OF_RANGE
  501, // UNIMPLEMENTED
  500, // INTERNAL
  503, // UNAVAILABLE
  500, // DATA_LOSS
  401, // UNAUTHENTICATED
];

/**
 * The HTTP status an observation records for gRPC status `code` (`google.rpc.Code`'s mapping);
 * 500 for a code outside 0–16.
 *
 * @example
 * ```ts
 * httpStatusOf(GRPC_STATUS.NOT_FOUND); // 404
 * httpStatusOf(GRPC_STATUS.UNAVAILABLE); // 503
 * ```
 */
export function httpStatusOf(code: number): number {
  return HTTP_EQUIVALENT[code] ?? 500;
}

/**
 * The Envoy response flag for a call that got no response (`answered: false`: neither initial
 * nor trailing metadata came from a server, so grpc-js made the status itself):
 * `DEADLINE_EXCEEDED` → `UT` (upstream timeout), `UNAVAILABLE` → `UF` (connection failure),
 * `CANCELLED` → `DC` (the caller went away: `call.cancel()`), any other code → `UF`. `null` for a
 * call a server answered, whatever its code: that is a response, recorded by its status.
 *
 * @example
 * ```ts
 * failureOf(GRPC_STATUS.DEADLINE_EXCEEDED, false); // 'UT'
 * failureOf(GRPC_STATUS.UNAVAILABLE, true); // null: the server said so itself
 * ```
 */
export function failureOf(code: number, answered: boolean): FailureFlag | null {
  if (answered) return null;
  if (code === GRPC_STATUS.DEADLINE_EXCEEDED) return 'UT';
  if (code === GRPC_STATUS.CANCELLED) return 'DC';
  return 'UF';
}
