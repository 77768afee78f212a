// Reading what went over the wire in the OpenTelemetry tests: the propagation header lines of a
// request, and whether they state exactly one trace identity.
import { parseB3Single, parseTraceparent } from '@hoptrace/core';
import { TRACE_HEADER_NAMES } from '@hoptrace/test-utils';
import { expect } from 'vitest';

/** The headers hoptrace and OTel's propagators write. */
const PROPAGATION = new Set(TRACE_HEADER_NAMES);

/** The propagation header lines of a request, `name: value` with the name lower-cased, in order. */
export function propagationLines(rawHeaders: readonly string[]): string[] {
  const lines: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    if (PROPAGATION.has(name)) lines.push(`${name}: ${rawHeaders[index + 1] as string}`);
  }
  return lines;
}

/** Lower-case name → every value received under it. */
function grouped(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    headers[name] = [...(headers[name] ?? []), rawHeaders[index + 1] as string];
  }
  return headers;
}

/**
 * Asserts that a request carried the request ID once and exactly one trace identity, naming
 * `traceId` and `spanId` in every format present (`traceparent`, `b3`, `x-b3-*`), each header
 * once. Returns the formats present.
 */
export function expectOneIdentity(
  rawHeaders: readonly string[],
  expected: { readonly requestId: string; readonly traceId: string; readonly spanId: string },
): string[] {
  const headers = grouped(rawHeaders);
  const lines = propagationLines(rawHeaders);
  for (const name of PROPAGATION) {
    expect(headers[name]?.length ?? 0, `${name} once in\n${lines.join('\n')}`).toBeLessThan(2);
  }
  expect(headers['x-request-id']).toEqual([expected.requestId]);

  const formats: string[] = [];
  const traceparent = headers.traceparent?.[0];
  if (traceparent !== undefined) {
    formats.push('traceparent');
    expect(parseTraceparent(traceparent)).toMatchObject({
      traceId: expected.traceId,
      parentId: expected.spanId,
    });
  }
  const single = headers.b3?.[0];
  if (single !== undefined) {
    formats.push('b3');
    expect(parseB3Single(single)).toMatchObject({
      traceId: expected.traceId,
      spanId: expected.spanId,
    });
  }
  if (headers['x-b3-traceid'] !== undefined || headers['x-b3-spanid'] !== undefined) {
    formats.push('x-b3');
    expect(headers['x-b3-traceid']).toEqual([expected.traceId]);
    expect(headers['x-b3-spanid']).toEqual([expected.spanId]);
  }
  expect(formats.length, `a trace identity in\n${lines.join('\n')}`).toBeGreaterThan(0);
  return formats;
}
