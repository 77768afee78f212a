/**
 * Any header collection hoptrace reads from or writes to:
 *
 * - a record of header name → value, such as Node's `IncomingHttpHeaders` (string or string[]
 *   values) or a plain object (any name case);
 * - a fetch `Headers` (or anything with the same `get`/`set`/`has`/`forEach` shape);
 * - undici's flat raw-header array `[name, value, name, value, …]`, of strings or bytes;
 * - a gRPC `Metadata` of `@grpc/grpc-js` (see {@link MetadataLike}).
 *
 * @example
 * ```ts
 * extract(request.headers); // node:http
 * extract(new Headers({ 'x-request-id': 'abc' })); // fetch
 * extract(['x-request-id', 'abc', 'b3', '0']); // undici raw headers
 * ```
 */
export type HeaderCarrier = HeaderRecord | HeadersLike | RawHeaders | MetadataLike;

/**
 * A record of header name → value(s). Names may be in any case. Byte values (a queue message's
 * headers) are read as latin1, so a byte outside ASCII is seen, and refused, as such.
 */
export type HeaderRecord = { readonly [name: string]: HeaderRecordValue };

/** What a {@link HeaderRecord} may hold per name (numbers appear in Node's outgoing headers). */
export type HeaderRecordValue =
  | string
  | readonly (string | Uint8Array)[]
  | number
  | Uint8Array
  | undefined
  | null;

/** undici's flat raw-header list: `[name, value, name, value, …]`, strings or bytes. */
export type RawHeaders = readonly (string | Uint8Array)[];

/** The part of the fetch `Headers` interface hoptrace uses. Names are case-insensitive. */
export interface HeadersLike {
  /** The value of `name` (repeated values joined with `, `), or `null`. */
  get(name: string): string | null;
  /** Replaces every value of `name`. */
  set(name: string, value: string): void;
  /** Whether `name` is present. */
  has(name: string): boolean;
  /** Removes `name`; optional because hoptrace only reads some carriers. */
  delete?(name: string): void;
  /** Visits each header; fetch `Headers` gives lower-case names. */
  forEach(callback: (value: string, name: string) => void): void;
}

/**
 * The part of `@grpc/grpc-js`'s `Metadata` hoptrace reads: `getMap()` names the keys (lower-case,
 * as gRPC requires) and `get(key)` gives every value of one. Keys ending in `-bin` carry bytes
 * (binary metadata) and are never read: no header hoptrace reads is binary, and a `forwardHeaders`
 * prefix must not forward one as text.
 */
export interface MetadataLike {
  /** Every key with its first value (grpc-js copies `-bin` values; only the keys are used). */
  getMap(): { readonly [key: string]: unknown };
  /** Every value of `key`, in the order received. */
  get(key: string): readonly unknown[];
}

const latin1 = new TextDecoder('latin1');

/** A raw header entry as text: strings as they are, bytes as latin1, anything else `undefined`. */
function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return value instanceof Uint8Array ? latin1.decode(value) : undefined;
}

/**
 * A record or Headers value as text: strings as they are, numbers as text, bytes as latin1 (a
 * queue message's headers: Kafka's are Buffers), anything else `undefined`.
 */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return value instanceof Uint8Array ? latin1.decode(value) : undefined;
}

/** Whether `carrier` is a fetch `Headers` or looks like one. */
export function isHeadersLike(carrier: unknown): carrier is HeadersLike {
  return (
    typeof carrier === 'object' &&
    carrier !== null &&
    typeof (carrier as HeadersLike).get === 'function' &&
    typeof (carrier as HeadersLike).forEach === 'function'
  );
}

/**
 * Whether `carrier` is a gRPC `Metadata` (`getMap` and `get`, no `forEach`: a fetch `Headers` or a
 * `Map` is read as such). Without this check a `Metadata` was read as a record, whose own keys
 * (`internalRepr`, `options`) are no headers: `extract(call.metadata)` silently gave a new ID and a
 * new trace.
 */
export function isMetadataLike(carrier: unknown): carrier is MetadataLike {
  return (
    typeof carrier === 'object' &&
    carrier !== null &&
    typeof (carrier as MetadataLike).getMap === 'function' &&
    typeof (carrier as MetadataLike).get === 'function' &&
    typeof (carrier as HeadersLike).forEach !== 'function'
  );
}

/** {@link forEachHeader} for a {@link MetadataLike}: every text value of every non-`-bin` key. */
function forEachMetadataValue<State>(
  metadata: MetadataLike,
  state: State,
  visit: (state: State, name: string, value: string) => void,
): void {
  for (const key of Object.keys(metadata.getMap())) {
    if (key.endsWith('-bin')) continue;
    const values = metadata.get(key);
    if (!Array.isArray(values)) continue;
    for (const value of values as readonly unknown[]) {
      if (typeof value === 'string') visit(state, key, value);
    }
  }
}

/**
 * Calls `visit(state, name, value)` once per header line of `carrier`, with the name as the
 * carrier spells it (compare case-insensitively) and the value as text. A record value that is an
 * array visits once per element, as repeated raw headers do. Bytes are read as latin1. Values
 * that are none of strings, numbers, bytes or arrays of them are skipped, because a carrier can
 * come from anywhere.
 *
 * `state` is passed through rather than captured so the hot path allocates no closure per request,
 * and names are not lower-cased here because most carriers (Node, fetch) already are: the visitor
 * lower-cases only the few names it might want.
 *
 * @example
 * ```ts
 * const names: string[] = [];
 * forEachHeader(request.headers, names, (list, name) => list.push(name));
 * ```
 */
export function forEachHeader<State>(
  carrier: HeaderCarrier,
  state: State,
  visit: (state: State, name: string, value: string) => void,
): void {
  if (Array.isArray(carrier)) {
    const raw = carrier as RawHeaders;
    for (let index = 0; index + 1 < raw.length; index += 2) {
      const name = headerText(raw[index]);
      const value = headerText(raw[index + 1]);
      if (name !== undefined && value !== undefined) visit(state, name, value);
    }
    return;
  }
  if (isMetadataLike(carrier)) {
    forEachMetadataValue(carrier, state, visit);
    return;
  }
  if (isHeadersLike(carrier)) {
    // Anything with get/forEach qualifies (a Map too), so its entries are checked like a record's.
    carrier.forEach((value: unknown, name: unknown) => {
      const text = scalarText(value);
      if (typeof name === 'string' && text !== undefined) visit(state, name, text);
    });
    return;
  }
  const record = carrier as HeaderRecord;
  for (const key in record) forEachRecordValue(record[key], key, state, visit);
}

/**
 * What {@link forEachHeader} does for one entry of a record: `visit(state, name, text)` for a
 * string, a number (as text), bytes (as latin1) or each of those in an array; nothing for anything else. For a reader
 * that looks one header up by name instead of walking them all.
 *
 * @example
 * ```ts
 * forEachRecordValue(request.headers['x-request-id'], 'x-request-id', values, visitHeader);
 * ```
 */
export function forEachRecordValue<State>(
  value: unknown,
  name: string,
  state: State,
  visit: (state: State, name: string, value: string) => void,
): void {
  if (typeof value === 'string') visit(state, name, value);
  else if (Array.isArray(value)) {
    for (const item of value as readonly unknown[]) {
      const text = scalarText(item);
      if (text !== undefined) visit(state, name, text);
    }
  } else {
    const text = scalarText(value);
    if (text !== undefined) visit(state, name, text);
  }
}
