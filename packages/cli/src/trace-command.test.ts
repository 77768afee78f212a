import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  extract,
  getContext,
  type HoptraceOptions,
  hoptraceHandler,
  injectHeaders,
} from '@hoptrace/core';
import {
  DiagnosticHop,
  diagnosticHopOf,
  formatTrail,
  TRAIL_HEADER,
  type TrailCall,
} from '@hoptrace/core/diagnostics';
import { holdRefusedPort, serverPool } from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../test/memory-io.js';
import { runTraceCommand } from './trace-command.js';

const TOKEN = 'cli-diagnostics-token';
const servers = serverPool();

/** Starts `listener` (in hoptrace when `options` are given) and returns its origin. */
async function serve(
  listener: (request: IncomingMessage, response: ServerResponse) => void | Promise<void>,
  options?: HoptraceOptions,
): Promise<string> {
  const handler = options === undefined ? listener : hoptraceHandler(listener, options);
  return `http://127.0.0.1:${await servers.listen(createServer(handler))}`;
}

/** A hoptrace service with diagnostics that calls each of `downstreams` in turn. */
function service(name: string, downstreams: string[] = []): Promise<string> {
  const options: HoptraceOptions = { diagnostics: { token: TOKEN, service: name } };
  return serve(async (_request, response) => {
    const context = getContext();
    for (const downstream of downstreams) {
      const sent = injectHeaders(context, {} as Record<string, string>);
      const call = diagnosticHopOf(context)?.startCall('GET', new URL(downstream), {
        requestId: sent['x-request-id'] ?? null,
        traceId: null,
        spanId: null,
      });
      const answer = await fetch(downstream, { headers: sent });
      await answer.text();
      call?.response(answer.status, answer.headers.get(TRAIL_HEADER) ?? undefined, null);
    }
    response.end(name);
  }, options);
}

let unbroken = '';
let broken = '';
let forging = '';

beforeAll(async () => {
  const leaf = await service('inventory');
  const plain = await serve((_request, response) => {
    response.end('legacy');
  });
  unbroken = await service('gateway', [`${await service('orders', [`${leaf}/stock`])}/orders`]);
  broken = await service('gateway', [`${await service('pricing', [`${plain}/quote`])}/price`]);
  forging = await serve((_request, response) => {
    // A genuine hop summary of a service named evil, signed with a token nobody shares.
    const evil = new DiagnosticHop(extract({}), 'a-token-nobody-shares', 'evil', 8192);
    const fake = formatTrail(
      evil.summarize({ method: 'GET', route: '/', status: 200, address: null, peer: null }),
      'a-token-nobody-shares',
    );
    response.setHeader(TRAIL_HEADER, fake ?? '');
    response.end('forged');
  });
});

afterAll(() => servers.closeAll());

describe('hoptrace trace', () => {
  it('prints every hop and exits 0 when the trace is unbroken', async () => {
    const { io, stdout, stderr } = memoryIo();
    const code = await runTraceCommand([`${unbroken}/checkout`, '--token', TOKEN], io);
    expect(stderr()).toBe('');
    expect(code).toBe(0);
    const text = stdout();
    expect(text).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/checkout via 127\.0\.0\.1:\d+ → 200/);
    expect(text).toContain('● gateway');
    expect(text).toContain('● orders');
    expect(text).toContain('● inventory');
    expect(text).toContain('✓ the trace is unbroken across every hop');
    // The request ID it sent reached every hop.
    const id = /request id (hoptrace-trace-[0-9a-f-]+)\)/.exec(text)?.[1];
    expect(id).toBeDefined();
    expect(text.split(`request id ${id} (arrived)`).length - 1).toBe(3);
  });

  it('marks the hop that is not instrumented and exits 1', async () => {
    const { io, stdout } = memoryIo();
    const code = await runTraceCommand([`${broken}/checkout`], io, {
      HOPTRACE_DIAG_TOKEN: TOKEN,
    });
    expect(code).toBe(1);
    expect(stdout()).toContain('✗ NOT INSTRUMENTED');
    expect(stdout()).toMatch(/✗ pricing → GET http:\/\/127\.0\.0\.1:\d+\/quote: not instrumented/);
  });

  it('prints the trail as JSON with --json', async () => {
    const { io, stdout } = memoryIo();
    const code = await runTraceCommand(
      [`${unbroken}/checkout`, '-t', TOKEN, '--json', '-H', 'x-request-id: my-id'],
      io,
    );
    expect(code).toBe(0);
    const first = JSON.parse(stdout()) as TrailCall;
    expect(first.mark).toBe('ok');
    expect(first.sent.requestId).toBe('my-id');
    expect(first.hop?.service).toBe('gateway');
    expect(first.hop?.calls[0]?.hop?.service).toBe('orders');
  });

  it('says so, and exits 1, when no trail comes back (a wrong token)', async () => {
    const { io, stdout } = memoryIo();
    const code = await runTraceCommand([`${unbroken}/`, '--token', 'not-the-right-token'], io);
    expect(code).toBe(1);
    expect(stdout()).toContain('no trail came back');
  });

  it('refuses a trail that is not signed with the token', async () => {
    const { io, stdout } = memoryIo();
    const code = await runTraceCommand([`${forging}/`, '--token', TOKEN], io);
    expect(code).toBe(1);
    expect(stdout()).toContain('refused (bad-signature)');
    expect(stdout()).not.toContain('evil');
  });

  it('exits 1 with the reason when the request fails', async () => {
    const refused = await holdRefusedPort();
    const { io, stderr } = memoryIo();
    let code: number;
    try {
      code = await runTraceCommand([`${refused.origin}/`, '--token', TOKEN], io);
    } finally {
      await refused.release();
    }
    expect(code).toBe(1);
    expect(stderr()).toContain('ECONNREFUSED');
  });

  it.each([
    [[], 'give exactly one URL'],
    [['http://127.0.0.1:1/'], 'no token'],
    [['ftp://x/', '--token', TOKEN], 'http: or https:'],
    [['nope', '--token', TOKEN], 'not a URL'],
    [['http://x/', '--token', TOKEN, '-H', 'no colon'], '--header must be'],
    [['http://x/', '--token', TOKEN, '-X', 'GET /'], '--method must be'],
    [['http://x/', '--token', TOKEN, '--timeout', 'soon'], '--timeout'],
    [['http://x/', '--bogus'], 'bogus'],
  ])('exits 2 on %j', async (args, message) => {
    const { io, stderr } = memoryIo();
    expect(await runTraceCommand(args as string[], io, {})).toBe(2);
    expect(stderr()).toContain(message);
  });

  it('prints its help', async () => {
    const { io, stdout } = memoryIo();
    expect(await runTraceCommand(['--help'], io, {})).toBe(0);
    expect(stdout()).toContain('Usage: hoptrace trace');
  });
});
