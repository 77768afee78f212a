import type { HoptraceOptions } from '@hoptrace/core';

/**
 * Whether two options objects configure hoptrace the same way: the same keys (an `undefined`
 * value counts as absent), the same functions by reference, arrays and `forwardHeaders` entries
 * compared element by element. `hoptraceServerOptions` and the plugin each build an engine, and
 * the plugin reuses the context `genReqId` extracted, so the two must agree.
 */
export function sameOptions(left: HoptraceOptions, right: HoptraceOptions): boolean {
  return sameValue(left, right);
}

function sameValue(left: unknown, right: unknown): boolean {
  if (Object.is(left, right)) return true;
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => sameValue(item, right[index]))
    );
  }
  if (!isRecord(left) || !isRecord(right)) return false;
  const keys = new Set([...definedKeys(left), ...definedKeys(right)]);
  for (const key of keys) {
    if (!sameValue(left[key], right[key])) return false;
  }
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function definedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).filter((key) => record[key] !== undefined);
}
