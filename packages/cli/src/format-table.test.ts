import { describe, expect, it } from 'vitest';
import { HOSTILE_NAMES, hostileTopology, plainTopology } from '../test/sample-topology.js';
import { formatTable } from './format-table.js';

describe('formatTable', () => {
  it('prints a header, one row per edge, and the summary footer', async () => {
    const output = formatTable(await plainTopology());
    const [header, ...rest] = output.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'FROM',
      'TO',
      'CALLS',
      'ERRORS',
      'P50 MS',
      'P99 MS',
      'NOTES',
    ]);
    const rows = rest.slice(0, rest.indexOf(''));
    expect(rows.map((row) => row.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['gateway', 'orders-1', '2', '1'],
      ['gateway', 'orders-2', '1', '0'],
      ['gateway', 'unobserved legacy:9000', '1', '0'],
    ]);
    expect(rows[1]).toContain('ID rewritten by an intermediary: 1');
    expect(rows[2]).toContain('no server record');
    const footer = rest.slice(rest.indexOf('') + 1);
    expect(footer).toEqual([
      'records: 4 client, 4 server; 3 calls joined',
      'requests with no observed client: 1 (gateway 1)',
      'skipped lines: 1 (invalid-json 1)',
      'join: forward (default: the records do not tell), window 5m',
    ]);
  });

  it('lines the columns up', async () => {
    const lines = formatTable(await plainTopology())
      .split('\n')
      .slice(0, 4);
    const callsEnd = (lines[0] ?? '').indexOf('CALLS') + 'CALLS'.length;
    for (const line of lines.slice(1)) expect(line.slice(0, callsEnd)).toMatch(/\d$/);
  });

  it('keeps every hostile name on its row, with no control or bidi character', async () => {
    const topology = await hostileTopology();
    const output = formatTable(topology);
    const lines = output.trimEnd().split('\n');
    // header + one row per edge + blank + footer lines: no name added a line.
    expect(lines.indexOf('')).toBe(topology.edges.length + 1);
    // Nothing a terminal would act on: controls (the line feeds between rows aside) or bidi.
    const acted = [...output].filter((character) => {
      const code = character.codePointAt(0) ?? 0;
      return (
        (code <= 0x1f && code !== 0x0a) ||
        (code >= 0x7f && code <= 0x9f) ||
        (code >= 0x202a && code <= 0x202e) ||
        (code >= 0x2066 && code <= 0x2069)
      );
    });
    expect(acted).toEqual([]);
    expect(output).toContain('new\\u{a}line');
    expect(output).toContain('\\u{1b}[31mred');
    expect(output).toContain('\\u{202e}evil');
    expect(output).toContain(HOSTILE_NAMES[HOSTILE_NAMES.length - 1]);
  });

  it('says so when there are no edges', async () => {
    const { buildTopology } = await import('./build-topology.js');
    const output = formatTable(await buildTopology((async function* () {})()));
    expect(output).toContain('(no calls between services found)');
    expect(output).toContain('records: 0 client, 0 server; 0 calls joined');
  });
});
