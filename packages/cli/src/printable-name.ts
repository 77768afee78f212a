/**
 * Whether a UTF-16 code unit must not reach a terminal or diagram raw: C0 and C1 controls, DEL,
 * the line and paragraph separators, the bidirectional marks, overrides and isolates (which
 * reorder what a terminal shows: "Trojan Source", CVE-2021-42574).
 */
function unprintable(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * A name from the logs made safe to print: every control character, bidirectional control and
 * lone surrogate (not encodable as UTF-8) replaced by its `\u{…}` escape, so a service name can
 * neither break a line of the table, nor send terminal escape sequences, nor reorder the text
 * around it. Everything else, non-ASCII letters and emoji included, is kept.
 *
 * Spec: Unicode UAX #9 (bidirectional controls); CVE-2021-42574.
 *
 * @example
 * ```ts
 * printableName('orders\n\u001b[31mred'); // 'orders\\u{a}\\u{1b}[31mred'
 * ```
 */
export function printableName(name: string): string {
  let printable = '';
  let copiedUpTo = 0;
  for (let index = 0; index < name.length; index += 1) {
    const code = name.charCodeAt(index);
    if (isHighSurrogate(code) && isLowSurrogate(name.charCodeAt(index + 1))) {
      index += 1;
      continue;
    }
    if (unprintable(code) || isHighSurrogate(code) || isLowSurrogate(code)) {
      printable += `${name.slice(copiedUpTo, index)}\\u{${code.toString(16)}}`;
      copiedUpTo = index + 1;
    }
  }
  return copiedUpTo === 0 ? name : printable + name.slice(copiedUpTo);
}
