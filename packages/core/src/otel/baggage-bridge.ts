import {
  type Baggage,
  type BaggageEntry,
  baggageEntryMetadataFromString,
  type Context,
  propagation,
} from '@opentelemetry/api';
import { BAGGAGE_MAX_LENGTH, BAGGAGE_MAX_MEMBERS, parseBaggage } from '../codec/baggage.js';
import { trimOptionalWhitespace } from '../codec/optional-whitespace.js';
import type { TraceContext } from '../context/trace-context.js';

/**
 * Longest list-member, in bytes, that goes into or comes out of OpenTelemetry's Baggage API.
 * hoptrace's forwarding has no such cap (the current W3C Baggage draft dropped it); OpenTelemetry
 * keeps it (`BAGGAGE_MAX_PER_NAME_VALUE_PAIRS = 4096`), so an OpenTelemetry app sees and sends
 * what OpenTelemetry's own `W3CBaggagePropagator` would.
 *
 * Spec: W3C Baggage (2021 draft), "Limits": "a single baggage-string list-member … 4096 bytes".
 *
 * @example
 * ```ts
 * baggageFromHeader(`big=${'v'.repeat(BAGGAGE_MAX_MEMBER_LENGTH)},small=1`)?.getAllEntries().length; // 1
 * ```
 */
export const BAGGAGE_MAX_MEMBER_LENGTH = 4096;

const PERCENT = 0x25;
// Not fatal: W3C Baggage says octets that are not UTF-8 become U+FFFD; a BOM is data, kept.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function isHexDigit(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x46) ||
    (code >= 0x61 && code <= 0x66)
  );
}

/**
 * Decodes `%XX` escapes as UTF-8 (W3C Baggage "value": percent-decoded; invalid UTF-8 becomes
 * U+FFFD rather than dropping the entry, as `decodeURIComponent` would). A `%` that starts no
 * escape stays (a key is a token, where `%` is allowed bare). The input is ASCII: the grammar
 * check ran first.
 */
function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  const bytes = new Uint8Array(text.length);
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (
      code === PERCENT &&
      index + 2 < text.length &&
      isHexDigit(text.charCodeAt(index + 1)) &&
      isHexDigit(text.charCodeAt(index + 2))
    ) {
      bytes[length++] = Number.parseInt(text.slice(index + 1, index + 3), 16);
      index += 2;
    } else {
      bytes[length++] = code;
    }
  }
  return utf8.decode(bytes.subarray(0, length));
}

interface ParsedMember {
  readonly key: string;
  readonly entry: BaggageEntry;
}

/**
 * One list-member of a valid `baggage-string` as OpenTelemetry's parser reads it: key and value
 * around the first `=` of the part before the first `;`, trimmed and percent-decoded (keys too:
 * OpenTelemetry encodes them on the way out); the properties after `;` as opaque metadata.
 */
function parseMember(member: string): ParsedMember | undefined {
  const semicolon = member.indexOf(';');
  const pair = semicolon === -1 ? member : member.slice(0, semicolon);
  const equals = pair.indexOf('=');
  if (equals <= 0) return undefined;
  const key = percentDecode(trimOptionalWhitespace(pair.slice(0, equals)));
  if (key === '') return undefined;
  // W3C Baggage allows an empty value (`value = *baggage-octet`): kept, as the header had it.
  const value = percentDecode(trimOptionalWhitespace(pair.slice(equals + 1)));
  const properties = semicolon === -1 ? '' : trimOptionalWhitespace(member.slice(semicolon + 1));
  return {
    key,
    entry:
      properties === ''
        ? { value }
        : { value, metadata: baggageEntryMetadataFromString(properties) },
  };
}

/**
 * The incoming `baggage` as an OpenTelemetry `Baggage`, or `undefined` when no entry is left.
 *
 * `header` is what hoptrace's `extract` kept (`TraceContext.baggage`): already checked against the
 * W3C grammar and cut to {@link BAGGAGE_MAX_MEMBERS} members and {@link BAGGAGE_MAX_LENGTH} bytes
 * (a malformed header never gets here: hoptrace drops it whole). On top of that, OpenTelemetry's
 * own extraction rules, so an app sees what `W3CBaggagePropagator` would give it: members over
 * {@link BAGGAGE_MAX_MEMBER_LENGTH} bytes are skipped, the size of the accepted members (commas
 * included) stays within 8192, a repeated key keeps its last value at its first place. Values
 * and keys are percent-decoded as UTF-8; properties are kept, undecoded, as the entry's metadata.
 *
 * Spec: W3C Baggage, "value" (percent-decoding), "property", "Limits"; OpenTelemetry Baggage API.
 *
 * @example
 * ```ts
 * const baggage = baggageFromHeader('userId=al%20ice,region=eu;ttl=60');
 * baggage?.getEntry('userId')?.value; // 'al ice'
 * baggage?.getEntry('region')?.metadata?.toString(); // 'ttl=60'
 * ```
 */
export function baggageFromHeader(header: string): Baggage | undefined {
  const entries = new Map<string, BaggageEntry>();
  let count = 0;
  let size = 0;
  let start = 0;
  while (count < BAGGAGE_MAX_MEMBERS) {
    const comma = header.indexOf(',', start);
    const end = comma === -1 ? header.length : comma;
    const length = end - start;
    if (length <= BAGGAGE_MAX_MEMBER_LENGTH) {
      const parsed = parseMember(header.slice(start, end));
      if (parsed !== undefined) {
        const entrySize = (count === 0 ? 0 : 1) + length;
        if (size + entrySize > BAGGAGE_MAX_LENGTH) break;
        entries.set(parsed.key, parsed.entry);
        count++;
        size += entrySize;
      }
    }
    if (comma === -1) break;
    start = comma + 1;
  }
  // Object.fromEntries defines `__proto__` as an own key, and orders keys as the object literal
  // OpenTelemetry builds would: the same Baggage as OpenTelemetry's parser makes.
  return entries.size === 0 ? undefined : propagation.createBaggage(Object.fromEntries(entries));
}

/**
 * A key as a W3C token: `encodeURIComponent` (what OpenTelemetry writes, so its extract decodes
 * it back) leaves `(` and `)`, which a token cannot hold.
 */
function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/[()]/g, (bracket) => (bracket === '(' ? '%28' : '%29'));
}

/** One entry as a list-member, or `undefined` when it cannot be one (see {@link formatBaggage}). */
function formatMember(key: unknown, entry: unknown): string | undefined {
  if (typeof key !== 'string' || key === '' || typeof entry !== 'object' || entry === null) {
    return undefined;
  }
  const { value, metadata } = entry as Partial<BaggageEntry>;
  if (typeof value !== 'string') return undefined;
  let member: string;
  try {
    // Throws on a lone surrogate, which has no UTF-8 form.
    member = `${encodeKey(key)}=${encodeURIComponent(value)}`;
  } catch {
    return undefined;
  }
  let properties = '';
  try {
    properties = metadata === undefined ? '' : trimOptionalWhitespace(String(metadata.toString()));
  } catch {
    // Metadata whose toString throws is left out; the entry itself is still good.
  }
  if (properties === '') return member;
  const withProperties = `${member};${properties}`;
  // Metadata is opaque to OpenTelemetry, which writes it unchecked; a `,` or a space in it would
  // break the whole header for the next hop, so only properties that fit the grammar go on.
  return !withProperties.includes(',') && parseBaggage(withProperties) === withProperties
    ? withProperties
    : member;
}

/**
 * An OpenTelemetry `Baggage` as a `baggage` header value, or `undefined` when nothing is left to
 * write (an empty baggage writes no header).
 *
 * Each entry becomes `key=value` with key and value percent-encoded as OpenTelemetry does
 * (`encodeURIComponent`; `(` and `)` in keys too, so every key is a token) and its metadata after
 * `;` when it fits the property grammar (else the entry goes without it). OpenTelemetry's limits:
 * members over {@link BAGGAGE_MAX_MEMBER_LENGTH} bytes are skipped, the first
 * {@link BAGGAGE_MAX_MEMBERS} of the rest kept, and a member that would take the header past
 * {@link BAGGAGE_MAX_LENGTH} bytes is skipped while smaller ones after it still go. Entries that
 * cannot be written (empty key, a value that is not a string, a lone surrogate) are skipped. The
 * result is always a valid `baggage-string`. Never throws.
 *
 * Spec: W3C Baggage, "Header Content", "Limits"; OpenTelemetry JS `W3CBaggagePropagator.inject`.
 *
 * @example
 * ```ts
 * formatBaggage(propagation.createBaggage({ 'with/slash': { value: 'with spaces' } }));
 * // 'with%2Fslash=with%20spaces'
 * ```
 */
export function formatBaggage(baggage: Baggage): string | undefined {
  const members: string[] = [];
  try {
    const entries: unknown = baggage.getAllEntries();
    if (!Array.isArray(entries)) return undefined;
    for (const item of entries as unknown[]) {
      if (members.length === BAGGAGE_MAX_MEMBERS) break;
      if (!Array.isArray(item)) continue;
      const member = formatMember(item[0], item[1]);
      if (member !== undefined && member.length <= BAGGAGE_MAX_MEMBER_LENGTH) members.push(member);
    }
  } catch {
    // A Baggage implementation that throws: write what was read before.
  }
  let header = '';
  for (const member of members) {
    const longer = header === '' ? member : `${header},${member}`;
    if (longer.length <= BAGGAGE_MAX_LENGTH) header = longer;
  }
  return header === '' ? undefined : header;
}

/**
 * The Baggage each hoptrace context's extraction put into the OpenTelemetry context (`undefined`
 * when it put none). Weak: it lives as long as the request's hoptrace context.
 */
const extracted = new WeakMap<TraceContext, { readonly baggage: Baggage | undefined }>();

/**
 * Records that the extraction which made `hoptraceContext` set `baggage` (or none) in the
 * OpenTelemetry context, so {@link outboundBaggage} can tell an untouched baggage from one the
 * app changed.
 *
 * @example
 * ```ts
 * const baggage = hoptraceContext.baggage === undefined ? undefined : baggageFromHeader(hoptraceContext.baggage);
 * rememberExtractedBaggage(hoptraceContext, baggage);
 * ```
 */
export function rememberExtractedBaggage(
  hoptraceContext: TraceContext,
  baggage: Baggage | undefined,
): void {
  extracted.set(hoptraceContext, { baggage });
}

/**
 * The `baggage` header an outbound call made in `otelContext` carries, or `undefined` for none.
 *
 * - The Baggage in `otelContext` is the very one {@link HoptracePropagator}'s extract made for
 *   `hoptraceContext` (or both are absent): nothing changed it, so the incoming header goes on
 *   byte for byte (`hoptraceContext.baggage`).
 * - A hoptrace context no HoptracePropagator extracted (made by a hoptrace adapter) and no
 *   Baggage in `otelContext`: the incoming header too, as hoptrace forwards it without
 *   OpenTelemetry.
 * - Otherwise the app set, changed or removed baggage through OpenTelemetry's API: the Baggage in
 *   `otelContext`, serialized by {@link formatBaggage} (none, or an empty one, writes nothing).
 *
 * Spec: W3C Baggage, "Mutating baggage"; OpenTelemetry Baggage API (`propagation.getBaggage`).
 *
 * @example
 * ```ts
 * const changed = propagation.setBaggage(context, propagation.createBaggage({ tenant: { value: 'a' } }));
 * outboundBaggage(changed, hoptraceContext); // 'tenant=a'
 * ```
 */
export function outboundBaggage(
  otelContext: Context,
  hoptraceContext: TraceContext | undefined,
): string | undefined {
  const current = propagation.getBaggage(otelContext);
  const made = hoptraceContext === undefined ? undefined : extracted.get(hoptraceContext);
  const untouched = made === undefined ? current === undefined : current === made.baggage;
  if (untouched) return hoptraceContext?.baggage;
  return current === undefined ? undefined : formatBaggage(current);
}
