import { type HeadersLike, isHeadersLike } from './header-carrier.js';

/**
 * A header collection hoptrace can write outbound headers into:
 *
 * - a fetch `Headers` (or the same shape);
 * - a Node `ClientRequest`/`ServerResponse`, or anything with `getHeader`/`setHeader`;
 * - a mutable plain record (existing names are matched case-insensitively);
 * - a mutable undici-style flat array `[name, value, …]` of strings.
 */
export type WritableHeaderCarrier =
  | HeadersLike
  | OutgoingHeadersLike
  | Record<string, string | string[] | number | undefined>
  | string[];

/** The part of Node's `OutgoingMessage` (ClientRequest, ServerResponse) hoptrace uses. */
export interface OutgoingHeadersLike {
  /** The current value of `name`, as Node's `OutgoingMessage#getHeader`. */
  getHeader(name: string): string | string[] | number | undefined;
  /** Sets `name`, as Node's `OutgoingMessage#setHeader`. */
  setHeader(name: string, value: string): unknown;
  /** Removes `name`, as Node's `OutgoingMessage#removeHeader`. */
  removeHeader?(name: string): unknown;
  /** `true` once the headers went out; nothing can be added then. */
  readonly headersSent?: boolean;
}

/** Uniform get/set over a {@link WritableHeaderCarrier}. Names passed in are lower-case. */
export interface HeaderTarget {
  /** The current value, multiple values joined with `, `, or `undefined` when absent. */
  get(name: string): string | undefined;
  /** Whether the carrier has `name`. */
  has(name: string): boolean;
  /** Sets `name`, replacing every existing value of it (never appends a second one). */
  set(name: string, value: string): void;
  /** Removes every value of `name`. */
  delete(name: string): void;
}

function isOutgoingHeadersLike(carrier: unknown): carrier is OutgoingHeadersLike {
  return (
    typeof carrier === 'object' &&
    carrier !== null &&
    typeof (carrier as OutgoingHeadersLike).setHeader === 'function' &&
    typeof (carrier as OutgoingHeadersLike).getHeader === 'function'
  );
}

function joined(value: string | readonly string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value : value.join(', ');
}

/**
 * Wraps `carrier` in a {@link HeaderTarget}.
 *
 * @example
 * ```ts
 * const target = headerTarget(new Headers());
 * target.set('x-request-id', 'abc');
 * ```
 */
export function headerTarget(carrier: WritableHeaderCarrier): HeaderTarget {
  if (isHeadersLike(carrier)) {
    return {
      get: (name) => carrier.get(name) ?? undefined,
      has: (name) => carrier.has(name),
      set: (name, value) => carrier.set(name, value),
      delete: (name) => carrier.delete?.(name),
    };
  }
  if (isOutgoingHeadersLike(carrier)) {
    return {
      get: (name) => joined(carrier.getHeader(name)),
      has: (name) => carrier.getHeader(name) !== undefined,
      set: (name, value) => {
        // Too late once the headers are out: setHeader would throw ERR_HTTP_HEADERS_SENT.
        if (carrier.headersSent !== true) carrier.setHeader(name, value);
      },
      delete: (name) => {
        if (carrier.headersSent !== true) carrier.removeHeader?.(name);
      },
    };
  }
  if (Array.isArray(carrier)) return rawTarget(carrier);
  return recordTarget(carrier as Record<string, string | string[] | number | undefined>);
}

function rawTarget(raw: string[]): HeaderTarget {
  // Entries that are not strings (bytes, stray values) are never ours to match or replace.
  const matches = (index: number, name: string): boolean => {
    const entry: unknown = raw[index];
    return typeof entry === 'string' && entry.toLowerCase() === name;
  };
  return {
    get(name) {
      const values: string[] = [];
      for (let index = 0; index + 1 < raw.length; index += 2) {
        const value: unknown = raw[index + 1];
        if (matches(index, name) && typeof value === 'string') values.push(value);
      }
      return values.length === 0 ? undefined : values.join(', ');
    },
    has(name) {
      for (let index = 0; index + 1 < raw.length; index += 2) {
        if (matches(index, name)) return true;
      }
      return false;
    },
    set(name, value) {
      this.delete(name);
      raw.push(name, value);
    },
    delete(name) {
      for (let index = raw.length - 2; index >= 0; index -= 2) {
        if (matches(index, name)) raw.splice(index, 2);
      }
    },
  };
}

function recordTarget(
  record: Record<string, string | string[] | number | undefined>,
): HeaderTarget {
  // One pass over the caller's names, then every lookup is a Map hit: injection asks about each
  // header it may write, and rescanning the record for each would be quadratic.
  const keysByName = new Map<string, string[]>();
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const name = key.toLowerCase();
    const keys = keysByName.get(name);
    if (keys === undefined) keysByName.set(name, [key]);
    else keys.push(key);
  }
  return {
    get(name) {
      const keys = keysByName.get(name);
      if (keys === undefined) return undefined;
      const values = keys
        .map((key) => joined(record[key]))
        .filter((value): value is string => value !== undefined);
      return values.length === 0 ? undefined : values.join(', ');
    },
    has: (name) => keysByName.has(name),
    set(name, value) {
      this.delete(name);
      record[name] = value;
      keysByName.set(name, [name]);
    },
    delete(name) {
      for (const key of keysByName.get(name) ?? []) delete record[key];
      keysByName.delete(name);
    },
  };
}
