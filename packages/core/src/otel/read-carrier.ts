import type { TextMapGetter } from '@opentelemetry/api';
import { FORMAT_HEADERS } from '../codec/headers.js';
import type { HeaderRecord } from '../engine/header-carrier.js';
import type { ResolvedOptions } from '../engine/options.js';

/**
 * Every header name `extract` reads under `options`, each once: the request ID header, the
 * correlation header, the headers of the enabled formats, the exact `forwardHeaders`. Prefix
 * entries of `forwardHeaders` cannot be named; {@link readCarrier} finds those through `keys()`.
 *
 * @example
 * ```ts
 * headerNamesOf(resolveOptions({ formats: ['traceparent'] }));
 * // ['x-request-id', 'x-correlation-id', 'traceparent', 'tracestate']
 * ```
 */
export function headerNamesOf(options: ResolvedOptions): string[] {
  const names = new Set<string>([options.requestIdHeader]);
  if (options.correlationIdHeader !== undefined) names.add(options.correlationIdHeader);
  for (const format of options.formats) {
    for (const name of FORMAT_HEADERS[format]) names.add(name);
  }
  for (const name of options.forwardExact.keys()) names.add(name);
  return [...names];
}

/** Strings as they are, the string items of a list (none: absent), anything else absent. */
function headerValue(value: unknown): string | readonly string[] | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  const strings = (value as unknown[]).filter((item): item is string => typeof item === 'string');
  return strings.length === 0 ? undefined : strings;
}

/** `getter.get(carrier, name)`, or `undefined` when the getter throws. */
function safeGet<Carrier>(
  carrier: Carrier,
  getter: TextMapGetter<Carrier>,
  name: string,
): string | readonly string[] | undefined {
  try {
    return headerValue(getter.get(carrier, name));
  } catch {
    // A getter that throws for one name still gives the others.
    return undefined;
  }
}

/**
 * The carrier's headers that `extract` needs, as a record, read through the getter only (the
 * carrier may be anything: Node's headers, a message's attributes…).
 *
 * Each name of {@link headerNamesOf} is asked for with `getter.get(carrier, name)`, as
 * OpenTelemetry's propagators do: the names are lower case and the getter answers for its
 * carrier's case (a getter over a case-sensitive record finds only what it holds under that
 * spelling, for every OpenTelemetry propagator alike), and a getter whose `keys()` returns `[]`
 * or an incomplete list still yields every header. `keys()` is walked only when `forwardHeaders`
 * has prefix entries (`l5d-ctx-*`), for the names that match one. A value is kept when it is a
 * string or a list holding strings; `undefined`, numbers, empty lists and the like are absent. A
 * getter that throws, for one name or for `keys()`, costs only what it could not give. Never
 * throws.
 *
 * @example
 * ```ts
 * readCarrier(request.headers, defaultTextMapGetter, options); // { traceparent: '00-…', … }
 * ```
 */
export function readCarrier<Carrier>(
  carrier: Carrier,
  getter: TextMapGetter<Carrier>,
  options: ResolvedOptions,
  names: readonly string[] = headerNamesOf(options),
): HeaderRecord {
  // No prototype: a name matched by a prefix (`__*`) must not reach Object.prototype.
  const headers: Record<string, string | readonly string[]> = Object.create(null);
  for (const name of names) {
    const value = safeGet(carrier, getter, name);
    if (value !== undefined) headers[name] = value;
  }
  if (options.forwardPrefixes.length === 0) return headers;
  let keys: unknown;
  try {
    keys = getter.keys(carrier);
  } catch {
    return headers;
  }
  if (!Array.isArray(keys)) return headers;
  for (const key of keys as unknown[]) {
    if (typeof key !== 'string' || Object.hasOwn(headers, key)) continue;
    const lower = key.toLowerCase();
    if (Object.hasOwn(headers, lower)) continue;
    if (!options.forwardPrefixes.some(([prefix]) => lower.startsWith(prefix))) continue;
    const value = safeGet(carrier, getter, key);
    if (value !== undefined) headers[key] = value;
  }
  return headers;
}
