import { isHeaderName } from '../codec/header-value.js';
import { FORMAT_HEADERS } from '../codec/headers.js';
import { trimOptionalWhitespace } from '../codec/optional-whitespace.js';
import type { HeaderVerdicts } from './header-verdicts.js';
import type { ResolvedOptions } from './options.js';
import type { HeaderValues } from './read-carrier.js';

const FORMAT_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(FORMAT_HEADERS).flat());

/**
 * Whether hoptrace reads `name` (lower case) as one of its own: the request ID header, the
 * correlation ID header, a header of a format. Never forwarded as an extra, even when a
 * `forwardHeaders` prefix matches it (`x-b3-*`).
 *
 * @example
 * ```ts
 * isCarriedHeader('traceparent', options); // true
 * ```
 */
export function isCarriedHeader(name: string, options: ResolvedOptions): boolean {
  return (
    name === options.requestIdHeader ||
    name === options.correlationIdHeader ||
    FORMAT_HEADER_NAMES.has(name)
  );
}

/**
 * The length cap of a `forwardHeaders` name (exact, or matched by a `prefix-*` entry), or
 * `undefined` when `name` is not one to forward.
 *
 * @example
 * ```ts
 * forwardMaxLength('l5d-ctx-trace', resolveOptions({ forwardHeaders: ['l5d-ctx-*'] })); // 512
 * ```
 */
export function forwardMaxLength(name: string, options: ResolvedOptions): number | undefined {
  const exact = options.forwardExact.get(name);
  if (exact !== undefined) return exact;
  for (const [prefix, maxLength] of options.forwardPrefixes) {
    if (name.startsWith(prefix)) return maxLength;
  }
  return undefined;
}

/**
 * Keeps each `forwardHeaders` header that arrived, its lines joined with `, `, when it is visible
 * ASCII within its cap; rejects the others. They are opaque to hoptrace: nothing more is checked.
 *
 * @example
 * ```ts
 * readForwardHeaders(readCarrier(headers, options), options, verdicts);
 * verdicts.incoming['x-client-trace-id']; // as received
 * ```
 */
export function readForwardHeaders(
  values: HeaderValues,
  options: ResolvedOptions,
  verdicts: HeaderVerdicts,
): void {
  if (options.forwardExact.size === 0 && options.forwardPrefixes.length === 0) return;
  for (const [name, lines] of values) {
    const maxLength = forwardMaxLength(name, options);
    if (maxLength === undefined || isCarriedHeader(name, options)) continue;
    // A name matched by a prefix comes from the carrier, which need not be an HTTP parser: only a
    // token can go on, and the rejection must not repeat the name either.
    if (!isHeaderName(name)) {
      const prefix = options.forwardPrefixes.find(([start]) => name.startsWith(start))?.[0];
      verdicts.reject(`${prefix ?? ''}*`, 'invalid-characters', name.length);
      continue;
    }
    const joined = lines.map(trimOptionalWhitespace).join(', ');
    if (isForwardable(joined, maxLength)) verdicts.incoming[name] = joined;
    else verdicts.rejectValue(name, joined, maxLength);
  }
}

/** Visible ASCII and spaces, 1 to `maxLength` characters. */
function isForwardable(value: string, maxLength: number): boolean {
  if (value.length === 0 || value.length > maxLength) return false;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}
