import { Buffer } from 'node:buffer';
import { type InputLine, SkippedLine } from './input-line.js';
import type { LineCounts } from './line-counts.js';
import type { Observation } from './observation.js';
import { parseObservation } from './parse-observation.js';

/**
 * One input being read for the merge: its next record (`head`), parsed ahead, with every line
 * before it counted as ignored or skipped.
 *
 * Items of the input may be lines or arrays of lines (what `readLineBatches` yields); the cursor
 * walks a buffered array synchronously and awaits only to fetch the next item, so the merge pays
 * one await per chunk, not per line.
 *
 * @example
 * ```ts
 * const cursor = new RecordCursor(lines, counts, DEFAULT_MAX_LINE_BYTES);
 * await cursor.fill();
 * while (cursor.head !== undefined) {
 *   use(cursor.head);
 *   if (!cursor.next()) await cursor.fill();
 * }
 * ```
 */
export class RecordCursor {
  /** The next record, `undefined` once the input is exhausted (after {@link fill}). */
  head: Observation | undefined;
  private readonly iterator: AsyncIterator<InputLine | readonly InputLine[]>;
  private batch: readonly InputLine[] = [];
  private index = 0;
  private done = false;

  constructor(
    input: AsyncIterable<InputLine | readonly InputLine[]>,
    private readonly counts: LineCounts,
    private readonly maxLineBytes: number,
  ) {
    this.iterator = input[Symbol.asyncIterator]();
  }

  /**
   * Moves `head` to the next record from the lines already fetched; `false` when they ran out
   * and {@link fill} must be awaited.
   */
  next(): boolean {
    this.head = undefined;
    while (this.index < this.batch.length) {
      const line = this.batch[this.index];
      this.index += 1;
      if (line === undefined) continue;
      const observation = this.read(line);
      if (observation !== undefined) {
        this.head = observation;
        return true;
      }
    }
    return this.done;
  }

  /** Fetches lines until `head` is the next record or the input ended (`head` undefined). */
  async fill(): Promise<void> {
    while (!this.next()) {
      const item = await this.iterator.next();
      if (item.done === true) {
        this.done = true;
        this.batch = [];
      } else {
        this.batch = Array.isArray(item.value) ? item.value : [item.value];
      }
      this.index = 0;
    }
  }

  /** Stops reading early (closes a file stream being read). */
  async close(): Promise<void> {
    if (!this.done) await this.iterator.return?.();
  }

  private read(line: InputLine): Observation | undefined {
    if (line instanceof SkippedLine) {
      this.counts.skip(line.reason);
      return undefined;
    }
    // Strings handed in directly have not been through the byte-level cap.
    if (line.length * 3 > this.maxLineBytes && Buffer.byteLength(line) > this.maxLineBytes) {
      this.counts.skip('line-too-long');
      return undefined;
    }
    const result = parseObservation(line);
    if (result === undefined) {
      if (line.trim() !== '') this.counts.ignored += 1;
      return undefined;
    }
    if (typeof result === 'string') {
      this.counts.skip(result);
      return undefined;
    }
    if (result.side === 'client') this.counts.client += 1;
    else this.counts.server += 1;
    return result;
  }
}
