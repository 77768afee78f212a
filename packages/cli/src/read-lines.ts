import { Buffer, isUtf8 } from 'node:buffer';
import { type InputLine, SkippedLine } from './input-line.js';

/** Default line cap, in bytes: 1 MiB. A record is a few hundred bytes; longer lines are not ours. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * Options of {@link readLines} and {@link readLineBatches}.
 *
 * @example
 * ```ts
 * const options: ReadLinesOptions = { maxLineBytes: 64 * 1024 };
 * ```
 */
export interface ReadLinesOptions {
  /**
   * Longest line kept, in bytes without the line break; a longer one is replaced by a
   * `SkippedLine('line-too-long')` and never held whole. Default {@link DEFAULT_MAX_LINE_BYTES}.
   */
  readonly maxLineBytes?: number;
}

const TOO_LONG = new SkippedLine('line-too-long');
const BINARY = new SkippedLine('binary');
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

function decode(bytes: Buffer, first: boolean): InputLine | undefined {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === CARRIAGE_RETURN) end -= 1;
  // A UTF-8 byte order mark opens some files written on Windows; JSON.parse would refuse it.
  const start = first && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (end <= start) return undefined;
  const line = bytes.subarray(start, end);
  if (line.includes(0) || !isUtf8(line)) return BINARY;
  return line.toString('utf8');
}

/**
 * Splits a byte stream (a file or standard input read as `Buffer` chunks) into lines, one array
 * of lines per chunk read: the fast path {@link buildTopology} takes.
 *
 * Works on bytes, not text: a line break is byte 0x0A (a trailing CR is dropped), and a line is
 * decoded only once it is complete and known to fit under `maxLineBytes`. A longer line is
 * dropped as its bytes arrive and yields `SkippedLine('line-too-long')`, so memory stays within
 * one cap plus one chunk whatever the input (node:readline would buffer the whole line first).
 * A line that is not valid UTF-8 or holds a NUL byte yields `SkippedLine('binary')`. Blank lines
 * yield nothing; a last line without a line break is yielded as is.
 *
 * Spec: RFC 3629 (UTF-8), via `buffer.isUtf8`; JSON Lines (jsonlines.org).
 *
 * @example
 * ```ts
 * for await (const lines of readLineBatches(createReadStream('orders.log'))) {
 *   for (const line of lines) console.log(typeof line === 'string' ? line : line.reason);
 * }
 * ```
 */
export async function* readLineBatches(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<InputLine[], void, undefined> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let discarding = false;
  let first = true;
  for await (const chunk of source) {
    const bytes = toBuffer(chunk);
    const batch: InputLine[] = [];
    let from = 0;
    while (from < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, from);
      if (newline === -1) {
        const rest = bytes.length - from;
        if (discarding) break;
        if (partialBytes + rest > maxLineBytes + 1) {
          // +1 leaves room for a CR that the line break will show to be part of it.
          discarding = true;
          partial = [];
          partialBytes = 0;
        } else {
          // Copied: the caller's stream may reuse its chunk buffer once we return to it.
          partial.push(Buffer.from(bytes.subarray(from)));
          partialBytes += rest;
        }
        break;
      }
      if (discarding) {
        discarding = false;
        batch.push(TOO_LONG);
      } else {
        const piece = bytes.subarray(from, newline);
        const whole = partialBytes === 0 ? piece : Buffer.concat([...partial, piece]);
        const length = whole.length - (whole[whole.length - 1] === CARRIAGE_RETURN ? 1 : 0);
        if (length > maxLineBytes) batch.push(TOO_LONG);
        else {
          const line = decode(whole, first);
          if (line !== undefined) batch.push(line);
        }
        partial = [];
        partialBytes = 0;
      }
      first = false;
      from = newline + 1;
    }
    if (batch.length > 0) yield batch;
  }
  if (discarding) yield [TOO_LONG];
  else if (partialBytes > 0) {
    const whole = Buffer.concat(partial);
    const length = whole.length - (whole[whole.length - 1] === CARRIAGE_RETURN ? 1 : 0);
    const line = length > maxLineBytes ? TOO_LONG : decode(whole, first);
    if (line !== undefined) yield [line];
  }
}

/**
 * {@link readLineBatches} one line at a time: the same splitting, cap and markers.
 *
 * @example
 * ```ts
 * for await (const line of readLines(process.stdin)) {
 *   if (typeof line === 'string') console.log(line.length);
 * }
 * ```
 */
export async function* readLines(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<InputLine, void, undefined> {
  for await (const batch of readLineBatches(source, options)) yield* batch;
}
