import type { IncomingHttpHeaders } from 'node:http';

/** How often a header's value was read, as {@link countHeaderReads} counts it. */
export interface HeaderReads {
  reads: number;
}

/**
 * Turns one header of a request's `headers` into an enumerable getter that counts its reads, to
 * tell whether an adapter read the trace headers of a request (they are read on first use of the
 * context, not on arrival). Call it before the adapter runs.
 *
 * @example
 * ```ts
 * app.use((request, _response, next) => {
 *   counts.push(countHeaderReads(request.headers, 'b3'));
 *   next();
 * });
 * ```
 */
export function countHeaderReads(headers: IncomingHttpHeaders, name: string): HeaderReads {
  const counter: HeaderReads = { reads: 0 };
  const value = headers[name];
  Object.defineProperty(headers, name, {
    get() {
      counter.reads++;
      return value;
    },
    enumerable: true,
    configurable: true,
  });
  return counter;
}
