// gateway → orders → inventory as real services on 127.0.0.1: core's hoptraceHandler and
// @hoptrace/fetch's wrapFetch, each given `observe` with its service's name, the records written
// as the services write them, then read by `hoptrace topology` with no flags.
import { createServer } from 'node:http';
import { type HoptraceOptions, hoptraceHandler } from '@hoptrace/core';
import { wrapFetch } from '@hoptrace/fetch';
import { serverPool } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { runTopologyCommand } from '../src/topology-command.js';
import { logFolder } from './log-folder.js';
import { memoryIo } from './memory-io.js';

const SERVICES = ['gateway', 'orders', 'inventory'] as const;
type Mode = NonNullable<HoptraceOptions['outboundRequestId']>;

const folder = logFolder('hoptrace-real-chain-');

/** Runs eight sequential requests through the chain and writes one log per service. */
async function recordChain(mode: Mode | undefined): Promise<string[]> {
  const lines = new Map<string, string[]>(SERVICES.map((service) => [service, []]));
  const servers = serverPool();
  const ports = new Map<string, number>();
  const optionsOf = (service: string): HoptraceOptions => ({
    ...(mode === undefined ? {} : { outboundRequestId: mode }),
    observe: {
      service,
      observer: (record: unknown) => lines.get(service)?.push(JSON.stringify(record)),
    },
  });
  const next: Record<string, string | undefined> = { gateway: 'orders', orders: 'inventory' };
  for (const service of [...SERVICES].reverse()) {
    const callee = next[service];
    const tracedFetch = wrapFetch(fetch, optionsOf(service));
    const server = createServer(
      hoptraceHandler(async (_request, response) => {
        let status = 200;
        if (callee !== undefined) {
          const answer = await tracedFetch(`http://127.0.0.1:${ports.get(callee)}/${callee}`);
          await answer.text();
          status = answer.status;
        }
        response.writeHead(status, { 'content-type': 'text/plain' }).end(service);
      }, optionsOf(service)),
    );
    ports.set(service, await servers.listen(server));
  }
  try {
    for (let index = 0; index < 8; index += 1) {
      const answer = await fetch(`http://127.0.0.1:${ports.get('gateway')}/`);
      expect(answer.status).toBe(200);
      await answer.text();
    }
    // Records are handed to the observer on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    await servers.closeAll();
  }
  const files: string[] = [];
  for (const service of SERVICES) {
    files.push(
      await folder.write(
        `${mode ?? 'default'}-${service}.log`,
        `${(lines.get(service) ?? []).join('\n')}\n`,
      ),
    );
  }
  return files;
}

async function topologyOf(args: readonly string[]) {
  const { io, stdout, stderr } = memoryIo();
  expect(await runTopologyCommand(['--format', 'json', ...args], io)).toBe(0);
  const document = JSON.parse(stdout()) as {
    edges: { from: string; to: string; calls: number }[];
    records: { client: number; server: number };
    mode: string;
  };
  return {
    edges: document.edges.map((edge) => `${edge.from}→${edge.to} ×${edge.calls}`),
    records: document.records,
    mode: document.mode,
    stderr: stderr(),
  };
}

describe('hoptrace topology on the records of three real services', () => {
  it('draws gateway→orders and orders→inventory with no flags and no warning (the services’ defaults)', async () => {
    const files = await recordChain(undefined);
    const result = await topologyOf(files);
    expect(result.records).toMatchObject({ client: 16, server: 24 });
    expect(result.edges).toEqual(['gateway→orders ×8', 'orders→inventory ×8']);
    expect(result.mode).toBe('forward');
    expect(result.stderr).toBe('');

    const forced = await topologyOf(['--mode', 'per-call', ...files]);
    expect(forced.stderr).toMatch(
      /warning: the records do not fit --mode per-call: .*use --mode forward/,
    );
  });

  it('reads per-call records the same way, and warns when --mode forward is forced on them', async () => {
    const files = await recordChain('per-call');
    const result = await topologyOf(files);
    expect(result.edges).toEqual(['gateway→orders ×8', 'orders→inventory ×8']);
    expect(result.mode).toBe('per-call');
    expect(result.stderr).toBe('');

    const forced = await topologyOf(['--mode', 'forward', ...files]);
    expect(forced.stderr).toMatch(
      /warning: the records do not fit --mode forward: .*use --mode per-call/,
    );
  });
});
