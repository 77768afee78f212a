import { forwardMaxLength, isCarriedHeader } from './forward-headers.js';
import {
  forEachHeader,
  forEachRecordValue,
  type HeaderCarrier,
  type HeaderRecord,
} from './header-carrier.js';
import { mightBeWanted, type ResolvedOptions } from './options.js';

/**
 * Every value of each header extraction reads, by lower-case name: one string per header line,
 * in the order received (names in the order first seen).
 */
export type HeaderValues = ReadonlyMap<string, readonly string[]>;

/**
 * The values of the headers extraction reads (the request and correlation ID headers, every
 * format's headers, the `forwardHeaders`) from any carrier: a record, a fetch `Headers` or
 * anything with its `get`/`forEach` (a `Map`), undici's raw array, of strings or bytes
 * ({@link forEachHeader}). Names are compared case-insensitively.
 *
 * A carrier whose reading throws (a `Proxy` whose getters throw, a revoked one, a `forEach`
 * that throws) is read as empty: request input never fails the request.
 *
 * @example
 * ```ts
 * readCarrier({ 'X-B3-Sampled': ['1', '0'], host: 'a' }, options).get('x-b3-sampled'); // ['1', '0']
 * ```
 */
export function readCarrier(carrier: HeaderCarrier, options: ResolvedOptions): HeaderValues {
  const values = new Map<string, string[]>();
  try {
    forEachHeader(carrier, values, (found, name, value) => {
      // A filter on the name's first letter and length turns most headers (host, accept…) away
      // before any string work.
      if (!mightBeWanted(options, name)) return;
      const lower = name.toLowerCase();
      if (!isCarriedHeader(lower, options) && forwardMaxLength(lower, options) === undefined)
        return;
      const list = found.get(lower);
      if (list === undefined) found.set(lower, [value]);
      else list.push(value);
    });
  } catch {
    return new Map();
  }
  return values;
}

/**
 * The values of one header of a record, looked up by its (lower-case) name as Node's
 * `IncomingHttpHeaders` spell it: for a reader that needs one header now and the rest later.
 * `undefined` when absent or when the record's getter throws.
 *
 * @example
 * ```ts
 * readRecordHeader(request.headers, 'x-request-id'); // ['abc']
 * ```
 */
export function readRecordHeader(record: HeaderRecord, name: string): string[] | undefined {
  const values: string[] = [];
  try {
    forEachRecordValue(record[name], name, values, (list, _name, value) => list.push(value));
  } catch {
    return undefined;
  }
  return values.length === 0 ? undefined : values;
}
