import { OT_SPAN_CONTEXT_MAX_LENGTH } from './headers.js';

export { OT_SPAN_CONTEXT_MAX_LENGTH };

// Two shapes. Each quantified part is delimited by a character the part before it cannot match,
// so a failed match gives back each character at most once: linear time, no catastrophic
// backtracking.
// - Envoy's text form: alphanumeric fields separated by single `;` (hex IDs and a `cs`/`sr` flag;
//   empty fields are tolerated because a root span may carry no parent span ID);
// - base64 (`+/`) or base64url (`-_`) of the LightStep binary carrier, `=` only as final padding.
// The length is checked before the regex runs, so the regex never sees more than 512 characters.
const OT_SPAN_CONTEXT = /^(?:[0-9A-Za-z]+(?:;[0-9A-Za-z]*)+|[0-9A-Za-z+/_-]+={0,2})$/;

/**
 * Validates a received `x-ot-span-context` value and returns it unchanged for forwarding, or
 * `undefined` when it must not be forwarded.
 *
 * The value is opaque to hoptrace: it is only checked to be non-empty, at most
 * {@link OT_SPAN_CONTEXT_MAX_LENGTH} characters, and either Envoy's old text form
 * (`traceid;spanid;parentspanid;cs`) or base64/base64url of a LightStep binary context. Nothing
 * is decoded. An empty value is refused because Envoy treats it as a corrupted span context.
 *
 * Spec: Envoy "x-ot-span-context" header documentation (used by the LightStep tracer, removed in
 * Envoy 1.24) and header-rules.md "x-ot-span-context"; there is no formal grammar.
 *
 * @example
 * ```ts
 * parseOtSpanContext('80f198ee56343ba8;e457b5a2e4d86bd1;05e3ac9a4f6e3b90;cs'); // unchanged
 * parseOtSpanContext('EhQJqDs0Vu6Y8YAR0WvY5KK1V+QYAQ=='); // unchanged (base64, LightStep)
 * parseOtSpanContext(''); // undefined: Envoy reads an empty value as corrupted
 * parseOtSpanContext('abc def'); // undefined: space is outside both alphabets
 * ```
 */
export function parseOtSpanContext(value: string): string | undefined {
  if (value.length === 0 || value.length > OT_SPAN_CONTEXT_MAX_LENGTH) return undefined;
  return OT_SPAN_CONTEXT.test(value) ? value : undefined;
}
