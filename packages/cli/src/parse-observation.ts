import type { ClientObservation, Observation, ServerObservation } from './observation.js';
import type { SkipReason } from './skip-reason.js';

/** Longest accepted `service` or `target.host`, in characters. */
export const NAME_MAX_LENGTH = 256;

/** Longest accepted `requestId` or `echoedRequestId`, in characters. */
export const ID_MAX_LENGTH = 1024;

type JsonObject = Record<string, unknown>;

// A field check either gives the value or says why the record is skipped. The reasons are strings
// and values never are at the call sites that compare, so one return type carries both cheaply.
class Invalid {
  constructor(readonly reason: SkipReason) {}
}
const MISSING = new Invalid('missing-field');
const WRONG_TYPE = new Invalid('wrong-type');
const INVALID_VALUE = new Invalid('invalid-value');

// Own properties only: a record is JSON.parse output, where `__proto__` is an ordinary own key and
// inherited names (`constructor`, `toString`) must read as absent, never as Object.prototype's.
function field(record: JsonObject, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(record: JsonObject, name: string, maxLength: number): string | Invalid {
  const value = field(record, name);
  if (value === undefined) return MISSING;
  if (typeof value !== 'string') return WRONG_TYPE;
  if (value.length === 0 || value.length > maxLength) return INVALID_VALUE;
  return value;
}

function optionalText(
  record: JsonObject,
  name: string,
  maxLength: number,
): string | null | Invalid {
  const value = field(record, name);
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return WRONG_TYPE;
  if (value.length === 0 || value.length > maxLength) return INVALID_VALUE;
  return value;
}

// A hint only (it tells the join mode, it names no edge), so a bad value is read as none rather
// than costing the record.
function hint(record: JsonObject, name: string): string | undefined {
  const value = field(record, name);
  return typeof value === 'string' && value.length > 0 && value.length <= ID_MAX_LENGTH
    ? value
    : undefined;
}

function time(record: JsonObject, name: string): number | Invalid {
  const value = field(record, name);
  if (value === undefined) return MISSING;
  if (typeof value !== 'number') return WRONG_TYPE;
  if (!Number.isFinite(value) || value < 0) return INVALID_VALUE;
  return value;
}

function status(value: unknown): number | Invalid {
  if (typeof value !== 'number') return WRONG_TYPE;
  if (!Number.isInteger(value) || value < 100 || value > 999) return INVALID_VALUE;
  return value;
}

function port(value: unknown): number | null | Invalid {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number') return WRONG_TYPE;
  if (!Number.isInteger(value) || value < 0 || value > 65_535) return INVALID_VALUE;
  return value;
}

/** The fields both ends of a pair carry. */
interface CommonFields {
  readonly service: string;
  readonly requestId: string;
  readonly correlationId: string | undefined;
  readonly start: number;
  readonly durationMs: number;
}

function parseCommon(record: JsonObject): CommonFields | Invalid {
  const service = text(record, 'service', NAME_MAX_LENGTH);
  if (service instanceof Invalid) return service;
  const requestId = text(record, 'requestId', ID_MAX_LENGTH);
  if (requestId instanceof Invalid) return requestId;
  const start = time(record, 'start');
  if (start instanceof Invalid) return start;
  const durationMs = time(record, 'durationMs');
  if (durationMs instanceof Invalid) return durationMs;
  return { service, requestId, correlationId: hint(record, 'correlationId'), start, durationMs };
}

function parseServer(record: JsonObject): ServerObservation | Invalid {
  const common = parseCommon(record);
  if (common instanceof Invalid) return common;
  const rawStatus = field(record, 'status');
  if (rawStatus === undefined) return MISSING;
  const answered = status(rawStatus);
  if (answered instanceof Invalid) return answered;
  return { side: 'server', ...common, status: answered };
}

function parseClient(record: JsonObject): ClientObservation | Invalid {
  const common = parseCommon(record);
  if (common instanceof Invalid) return common;
  const echoedRequestId = optionalText(record, 'echoedRequestId', ID_MAX_LENGTH);
  if (echoedRequestId instanceof Invalid) return echoedRequestId;
  const matched = field(record, 'matched');
  if (matched === undefined) return MISSING;
  if (typeof matched !== 'boolean') return WRONG_TYPE;
  const rawTarget = field(record, 'target');
  if (rawTarget === undefined) return MISSING;
  if (!isObject(rawTarget)) return WRONG_TYPE;
  const host = text(rawTarget, 'host', NAME_MAX_LENGTH);
  if (host instanceof Invalid) return host;
  const targetPort = port(field(rawTarget, 'port'));
  if (targetPort instanceof Invalid) return targetPort;
  const rawStatus = field(record, 'status');
  const answered = rawStatus === undefined || rawStatus === null ? null : status(rawStatus);
  if (answered instanceof Invalid) return answered;
  const failure = optionalText(record, 'failure', NAME_MAX_LENGTH);
  if (failure instanceof Invalid) return failure;
  return {
    side: 'client',
    ...common,
    echoedRequestId,
    matched,
    target: { host, port: targetPort },
    status: answered,
    failure,
  };
}

/**
 * Reads one input line: the observation it holds, the reason it is skipped, or `undefined` for a
 * line that is not a record (blank, or JSON without `"hoptrace": "server"|"client"`), which the
 * schema says to ignore silently.
 *
 * Extra fields (pino's `level`, `time`, `pid`, `hostname`, `msg`, and the schema's fields topology
 * does not use) are ignored. Only own properties are read, so `__proto__` or `constructor` keys in
 * the input change nothing. Never throws.
 *
 * Spec: the observation-record schema (README, "Record format"); skip reasons: {@link SkipReason}.
 *
 * @example
 * ```ts
 * parseObservation('{"hoptrace":"server","service":"orders","requestId":"r-1","status":200,"start":1764000000000,"durationMs":3}');
 * // { side: 'server', service: 'orders', … }
 * parseObservation('{"hoptrace":"server"'); // 'invalid-json'
 * parseObservation('{"level":30,"msg":"listening"}'); // undefined
 * ```
 */
export function parseObservation(line: string): Observation | SkipReason | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    if (line.includes('\u0000')) return 'binary';
    return line.trim() === '' ? undefined : 'invalid-json';
  }
  if (!isObject(value)) return undefined;
  const side = field(value, 'hoptrace');
  const parsed =
    side === 'server' ? parseServer(value) : side === 'client' ? parseClient(value) : undefined;
  return parsed instanceof Invalid ? parsed.reason : parsed;
}
