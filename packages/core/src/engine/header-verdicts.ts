import { trimOptionalWhitespace } from '../codec/optional-whitespace.js';
import { type Rejection, type RejectionReason, rejectionReason } from '../codec/rejection.js';

/**
 * What extraction decided about the headers of one request: the ones kept, as they will be
 * forwarded (`incoming`), and the ones dropped, each with its reason (`rejected`, in the order
 * they were judged). A rejection never keeps the value (it is attacker-controlled), only its
 * length.
 *
 * @example
 * ```ts
 * const verdicts = new HeaderVerdicts();
 * verdicts.rejectValue('b3', 'garbage', B3_SINGLE_MAX_LENGTH); // { reason: 'malformed', … }
 * ```
 */
export class HeaderVerdicts {
  readonly incoming: Record<string, string> = {};
  readonly rejected: Rejection[] = [];

  constructor(earlier?: Rejection) {
    if (earlier !== undefined) this.rejected.push(earlier);
  }

  /**
   * What a reader of one header found: a valid value is kept under `header` (to forward it) and
   * returned; a rejection is recorded; `undefined` (absent) passes through.
   */
  keep(header: string | undefined, found: string | Rejection | undefined): string | undefined {
    if (typeof found === 'string' && header !== undefined) {
      this.incoming[header] = found;
      return found;
    }
    if (typeof found === 'object') this.rejected.push(found);
    return undefined;
  }

  reject(header: string, reason: RejectionReason, length: number): void {
    this.rejected.push(rejection(header, reason, length));
  }

  /** `value` failed the grammar of a list-like header: the reason says which way. */
  rejectValue(header: string, value: string, maxLength: number): void {
    this.reject(header, rejectionReason(value, maxLength), value.length);
  }

  /** `value` failed the grammar of a header that allows one value: a comma means several. */
  rejectSingleValue(header: string, value: string, maxLength: number): void {
    this.reject(header, rejectionReason(value, maxLength, true), value.length);
  }
}

/**
 * A frozen {@link Rejection}.
 *
 * @example
 * ```ts
 * rejection('x-request-id', 'untrusted', 36);
 * ```
 */
export function rejection(header: string, reason: RejectionReason, length: number): Rejection {
  return Object.freeze({ header, reason, length });
}

/**
 * The one value of a header that allows one (request ID, traceparent, x-ot-span-context), without
 * its optional whitespace; `undefined` with a `multiple-values` rejection when the header came on
 * several lines. (A comma-joined value is judged by the codec, then {@link
 * HeaderVerdicts.rejectSingleValue} names it.)
 *
 * @example
 * ```ts
 * onlyValue(['00-…-01'], 'traceparent'); // '00-…-01'
 * ```
 */
export function onlyValue(values: readonly string[], header: string): string | Rejection {
  if (values.length === 1) return trimOptionalWhitespace(values[0] ?? '');
  return rejection(header, 'multiple-values', values.join(', ').length);
}

/**
 * B3's rule for repeated headers: the first value wins ("When extracting state headers, the first
 * value wins"). Node joins repeated lines with `, `, so the first value also ends at the first
 * comma.
 *
 * @example
 * ```ts
 * firstValue(['1, 0']); // '1'
 * ```
 */
export function firstValue(values: readonly string[] | undefined): string | undefined {
  const first = values?.[0];
  if (first === undefined) return undefined;
  const comma = first.indexOf(',');
  return trimOptionalWhitespace(comma === -1 ? first : first.slice(0, comma));
}
