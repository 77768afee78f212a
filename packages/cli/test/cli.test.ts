// The `hoptrace` command end to end, through its bin file: a real process, real files and pipes, exit codes.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hoptraceHandler } from '@hoptrace/core';
import { close, listen } from '@hoptrace/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { logFolder } from './log-folder.js';
import { clientLine, pinoLine, serverLine, T0 } from './records.js';

// What npm links as the `hoptrace` command, which imports dist/cli.js.
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'hoptrace.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], stdin?: string | Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
    child.stdin.end(stdin);
  });
}

const folder = logFolder('hoptrace-cli-');
let gatewayLog = '';
let ordersLog = '';
let hostileLog = '';

beforeAll(async () => {
  gatewayLog = await folder.write(
    'gateway.log',
    [
      pinoLine(clientLine({ requestId: 'a', start: T0 })),
      pinoLine(
        clientLine({ requestId: 'b', start: T0 + 1, target: { host: 'legacy', port: 9000 } }),
      ),
      '',
    ].join('\n'),
  );
  ordersLog = await folder.write(
    'orders.log',
    `${pinoLine(serverLine({ requestId: 'a', start: T0 + 1 }))}\n`,
  );
  hostileLog = await folder.write(
    'hostile.log',
    Buffer.concat([
      Buffer.from(`${clientLine({ service: 'x"]-->y\n<b>', requestId: 'h' })}\n`),
      Buffer.from(`${serverLine({ requestId: 'h' })}\n`),
      Buffer.from([0xff, 0xfe, 0x00, 0x0a]),
      Buffer.from(`{"hoptrace":"client","pad":"${'p'.repeat(2 * 1024 * 1024)}"}\n`),
      Buffer.from(`${serverLine({ status: 'ok' })}\n`),
      Buffer.from(serverLine().slice(0, 25)),
    ]),
  );
});

describe('hoptrace (the built binary)', () => {
  it('prints the table for files, exit 0', async () => {
    const result = await run(['topology', gatewayLog, ordersLog]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/gateway +orders-1 +1 +0/);
    expect(result.stdout).toMatch(/gateway +unobserved legacy:9000 +1/);
    expect(result.stderr).toBe('');
  });

  it('reads standard input for -', async () => {
    const stdin = `${clientLine({ requestId: 's' })}\n${serverLine({ requestId: 's' })}\n`;
    const result = await run(['topology', '--format', 'json', '-'], stdin);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).edges).toEqual([
      expect.objectContaining({ from: 'gateway', to: 'orders-1', calls: 1 }),
    ]);
  });

  it.each(['mermaid', 'dot'])('writes %s', async (format) => {
    const result = await run(['topology', '-f', format, gatewayLog, ordersLog]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(
      format === 'mermaid' ? 'graph LR' : 'digraph hoptrace {',
    );
  });

  it('skips and counts hostile input, never crashing, and escapes names', async () => {
    const result = await run(['topology', '--format', 'json', hostileLog]);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.skipped).toMatchObject({
      binary: 1,
      'line-too-long': 1,
      'wrong-type': 1,
      'invalid-json': 1,
    });
    expect(document.edges[0].from).toBe('x"]-->y\n<b>');
    const mermaid = await run(['topology', '--format', 'mermaid', hostileLog]);
    expect(mermaid.stdout).toContain('n0["x#34;#93;--#62;y#92;u#123;a#125;#60;b#62;"]');
    const table = await run(['topology', hostileLog]);
    expect(table.stdout).toContain('x"]-->y\\u{a}<b>');
    expect(table.stdout).toContain(
      'skipped lines: 4 (line-too-long 1, binary 1, invalid-json 1, wrong-type 1)',
    );
  });

  it.each([
    [['topology'], /no input/],
    [['topology', '--nope', gatewayLog], /Unknown option '--nope'/],
    [['topology', join(tmpdir(), 'no-such-hoptrace.log')], /no such file/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /Usage: hoptrace <command>/],
  ])('exits 2 on usage errors: %j', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('prints help and version with exit 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('topology <file...|->');
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('traces a diagnostic request through a hoptrace server, exit 0', async () => {
    const token = 'binary-diagnostics-token';
    const server = createServer(
      hoptraceHandler(
        (_request, response) => {
          response.end('ok');
        },
        { diagnostics: { token, service: 'solo' } },
      ),
    );
    const port = await listen(server);
    try {
      const result = await run(['trace', `http://127.0.0.1:${port}/x`, '--token', token]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('● solo');
      expect(result.stdout).toContain('✓ the trace is unbroken');
    } finally {
      await close(server);
    }
  });
});
