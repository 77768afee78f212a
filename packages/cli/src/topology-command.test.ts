import { beforeAll, describe, expect, it } from 'vitest';
import { chainLogs } from '../test/chain-records.js';
import { logFolder } from '../test/log-folder.js';
import { chunksOf, memoryIo } from '../test/memory-io.js';
import { clientLine, serverLine, T0 } from '../test/records.js';
import { runTopologyCommand } from './topology-command.js';

const folder = logFolder('hoptrace-topology-');
let gateway = '';
let orders = '';

beforeAll(async () => {
  gateway = await folder.write(
    'gateway.log',
    `${clientLine({ requestId: 'a' })}\n${clientLine({ requestId: 'b', start: T0 + 1 })}\n`,
  );
  orders = await folder.write('orders.log', `${serverLine({ requestId: 'a' })}\n`);
  for (const mode of ['forward', 'per-call'] as const) {
    const logs = chainLogs(8, mode);
    for (const [service, lines] of Object.entries(logs)) {
      await folder.write(`${mode}-${service}.log`, `${lines.join('\n')}\n`);
    }
  }
});

function chainFiles(mode: 'forward' | 'per-call'): string[] {
  return ['gateway', 'orders', 'inventory'].map((service) => folder.file(`${mode}-${service}.log`));
}

async function edgesOf(args: readonly string[]) {
  const { io, stdout, stderr } = memoryIo();
  expect(await runTopologyCommand(['--format', 'json', ...args], io)).toBe(0);
  const document = JSON.parse(stdout()) as {
    edges: { from: string; to: string; calls: number }[];
    mode: string;
    modeFrom: string;
  };
  return {
    edges: document.edges.map((edge) => `${edge.from}→${edge.to} ×${edge.calls}`),
    mode: `${document.mode} (${document.modeFrom})`,
    stderr: stderr(),
  };
}

describe('runTopologyCommand', () => {
  it('reads files and prints the table by default', async () => {
    const { io, stdout, stderr } = memoryIo();
    expect(await runTopologyCommand([gateway, orders], io)).toBe(0);
    expect(stdout()).toMatch(/^FROM +TO +CALLS/);
    expect(stdout()).toMatch(/gateway +orders-1 +1/);
    expect(stdout()).toMatch(/gateway +unobserved orders:8081 +1/);
    expect(stderr()).toBe('');
  });

  it('reads standard input for -, beside files', async () => {
    const { io, stdout } = memoryIo(
      chunksOf(
        `${serverLine({ requestId: 'b' }).slice(0, 30)}`,
        `${serverLine({ requestId: 'b' }).slice(30)}\n`,
      ),
    );
    expect(await runTopologyCommand(['--format', 'json', gateway, '-'], io)).toBe(0);
    const document = JSON.parse(stdout());
    expect(document.records).toEqual({ client: 2, server: 1, joined: 1 });
  });

  it('takes --join-window, --mode and short options', async () => {
    const { io, stdout } = memoryIo();
    expect(
      await runTopologyCommand(['-f', 'json', '-w', '90s', '-m', 'forward', gateway], io),
    ).toBe(0);
    expect(JSON.parse(stdout())).toMatchObject({ joinWindowMs: 90_000, mode: 'forward' });
  });

  it.each(['forward', 'per-call'] as const)(
    'joins a %s chain right with no flags, reading the mode off the records, with no warning',
    async (mode) => {
      const result = await edgesOf(chainFiles(mode));
      expect(result.edges).toEqual(['gateway→orders ×8', 'orders→inventory ×8']);
      expect(result.mode).toBe(`${mode} (records)`);
      expect(result.stderr).toBe('');
    },
  );

  it('warns, and still prints the map, when --mode contradicts the records', async () => {
    const forced = await edgesOf(['--mode', 'per-call', ...chainFiles('forward')]);
    expect(forced.stderr).toMatch(
      /^hoptrace topology: warning: the records do not fit --mode per-call: 16 of 16 client records carry the request ID their own service received .*use --mode forward/,
    );
    expect(forced.mode).toBe('per-call (option)');
    const other = await edgesOf(['-m', 'forward', ...chainFiles('per-call')]);
    expect(other.stderr).toMatch(/do not fit --mode forward: .*use --mode per-call/);
    // A per-call chain has one server record per ID: forward joins it right all the same.
    expect(other.edges).toEqual(['gateway→orders ×8', 'orders→inventory ×8']);
  });

  it.each([
    [['--bogus', 'x.log'], /Unknown option '--bogus'/],
    [[], /no input/],
    [['--format', 'svg', 'x.log'], /--format must be one of table, json, mermaid, dot/],
    [['--mode', 'child', 'x.log'], /--mode must be forward or per-call, not "child"/],
    [['--join-window', '300', 'x.log'], /--join-window takes a positive duration with a unit/],
    [['-', '-'], /standard input \(-\) can be read only once/],
    [['/definitely/not/here.log'], /cannot open "\/definitely\/not\/here.log": no such file/],
  ])('exits 2 with a message for %j', async (args, message) => {
    const { io, stdout, stderr } = memoryIo();
    expect(await runTopologyCommand(args, io)).toBe(2);
    expect(stderr()).toMatch(message);
    expect(stderr()).toContain('hoptrace topology --help');
    expect(stdout()).toBe('');
  });

  it('exits 2 for a directory', async () => {
    const { io, stderr } = memoryIo();
    expect(await runTopologyCommand([folder.path], io)).toBe(2);
    expect(stderr()).toContain('is a directory');
  });

  it('exits 1 when standard input fails while being read', async () => {
    async function* failing(): AsyncGenerator<string> {
      yield `${clientLine()}\n`;
      throw new Error('read EIO');
    }
    const { io, stderr } = memoryIo(failing());
    expect(await runTopologyCommand(['-'], io)).toBe(1);
    expect(stderr()).toContain('cannot read the input: read EIO');
  });

  it('prints its help with exit 0', async () => {
    const { io, stdout } = memoryIo();
    expect(await runTopologyCommand(['--help'], io)).toBe(0);
    expect(stdout()).toContain('Usage: hoptrace topology');
  });
});
