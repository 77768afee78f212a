// Hand-written observation records for the tests, as services would log them, as lines.
import { clientRecord, type RecordFields, serverRecord, T0 } from './observation-records.mjs';

export { T0 } from './observation-records.mjs';

/** A server record line (the schema's fields), with `overrides` applied. */
export function serverLine(overrides: RecordFields = {}): string {
  return JSON.stringify(serverRecord(overrides));
}

/** A client record line, with `overrides` applied. */
export function clientLine(overrides: RecordFields = {}): string {
  return JSON.stringify(clientRecord(overrides));
}

/** The same record as pino writes it: its own fields first, `msg` last. */
export function pinoLine(recordLine: string, time = T0): string {
  const record = JSON.parse(recordLine) as RecordFields;
  return JSON.stringify({
    level: 30,
    time,
    pid: 4242,
    hostname: 'box',
    ...record,
    msg: 'hoptrace',
  });
}

/** The lines as an async iterable, as `buildTopology` takes them. */
export async function* linesOf(lines: readonly string[]): AsyncGenerator<string> {
  for (const line of lines) yield line;
}
