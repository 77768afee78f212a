import type { SkipReason } from './skip-reason.js';

/**
 * A line the byte-level reader already knows to skip, in place of its text: over the line cap, or
 * not UTF-8 text. Carries only the reason, never the bytes.
 *
 * @example
 * ```ts
 * const line: InputLine = new SkippedLine('line-too-long');
 * ```
 */
export class SkippedLine {
  constructor(
    /** Why the line was dropped. */
    readonly reason: Extract<SkipReason, 'line-too-long' | 'binary'>,
  ) {}
}

/**
 * One input line for {@link buildTopology}: its text (without the line break), or a
 * {@link SkippedLine} marker from {@link readLines}.
 *
 * @example
 * ```ts
 * const lines: InputLine[] = ['{"hoptrace":"server", …}', new SkippedLine('binary')];
 * ```
 */
export type InputLine = string | SkippedLine;
