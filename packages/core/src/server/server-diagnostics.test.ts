import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { close, listen, send } from '@hoptrace/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { getContext } from '../context/context-storage.js';
import { diagnosticHopOf } from '../diagnostics/diagnostic-hop.js';
import { resolveDiagnostics } from '../diagnostics/diagnostics-options.js';
import {
  DIAGNOSTICS_HEADER,
  formatTrail,
  readTrail,
  TRAIL_HEADER,
  type TrailHop,
} from '../diagnostics/trail.js';
import { extract } from '../engine/extract.js';
import { injectHeaders } from '../engine/inject.js';
import type { HoptraceOptions } from '../engine/options.js';
import { hoptraceHandler } from './handler.js';
import { acceptsDiagnostics, openDiagnosticHop } from './server-diagnostics.js';

const TOKEN = 'diagnostics-token-for-tests';
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

type Listener = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

async function serve(listener: Listener, options?: HoptraceOptions): Promise<string> {
  const server = createServer(
    options === undefined ? listener : hoptraceHandler(listener, options),
  );
  servers.push(server);
  return `http://127.0.0.1:${await listen(server)}`;
}

/** What a downstream service saw of the diagnostics header, by request. */
const seen: (string | undefined)[] = [];

/** A hoptrace service that answers with the diagnostics header it got (hoptrace strips it). */
function back(): Promise<string> {
  return serve(
    (request, response) => {
      seen.push(request.headers[DIAGNOSTICS_HEADER] as string | undefined);
      response.end('back');
    },
    { diagnostics: { token: TOKEN, service: 'back' } },
  );
}

/**
 * A hoptrace service that calls `downstream` the way an outbound client of @hoptrace/fetch does:
 * hoptrace's headers (or `headers` when given), its call recorded on the diagnostic hop.
 */
function front(
  downstream: string,
  options: HoptraceOptions = { diagnostics: { token: TOKEN, service: 'front' } },
  headers?: () => Record<string, string>,
): Promise<string> {
  return serve(async (request, response) => {
    seen.push(request.headers[DIAGNOSTICS_HEADER] as string | undefined);
    const context = getContext();
    const sent = headers?.() ?? injectHeaders(context, {} as Record<string, string>, options);
    const call = diagnosticHopOf(context)?.startCall('GET', new URL(`${downstream}/next?q=1`), {
      requestId: sent['x-request-id'] ?? null,
      traceId: null,
      spanId: null,
    });
    const answer = await fetch(`${downstream}/next?q=1`, { headers: sent });
    call?.response(answer.status, answer.headers.get(TRAIL_HEADER) ?? undefined, null);
    response.end(await answer.text());
  }, options);
}

function trailOf(headers: Record<string, unknown>): TrailHop {
  const value = headers[TRAIL_HEADER];
  if (typeof value !== 'string') throw new Error('no trail');
  const read = readTrail(value, TOKEN);
  if (!('hop' in read)) throw new Error(`trail refused: ${read.rejected}`);
  return read.hop;
}

function port(url: string): number {
  return Number(new URL(url).port);
}

describe('diagnostic tracing on a node:http server', () => {
  it('returns a signed trail of every hop, calls nested, with the IDs each saw', async () => {
    seen.length = 0;
    const url = await front(await back());
    const response = await send(port(url), {
      path: '/checkout?secret=1',
      headers: { [DIAGNOSTICS_HEADER]: TOKEN, 'x-request-id': 'diag-1' },
    });
    expect(response.status).toBe(200);
    const trail = trailOf(response.headers);
    expect(trail).toMatchObject({
      service: 'front',
      pid: process.pid,
      method: 'GET',
      route: '/checkout',
      status: 200,
      requestId: 'diag-1',
      requestIdArrived: true,
      traceIdArrived: false,
    });
    const [call] = trail.calls;
    expect(call).toMatchObject({ url: expect.stringMatching(/\/next$/), status: 200, mark: 'ok' });
    expect(call?.hop).toMatchObject({ service: 'back', requestId: 'diag-1', traceIdArrived: true });
    expect(call?.hop?.traceId).toBe(trail.traceId);
    // Durations nest: the hop outlasts its call, the call outlasts the hop it reached.
    expect(trail.durationMs).toBeGreaterThanOrEqual(call?.durationMs ?? Infinity);
    expect(call?.durationMs).toBeGreaterThanOrEqual(call?.hop?.durationMs ?? Infinity);
    // Neither app saw the header (stripped); hoptrace forwarded it to the next hop itself.
    expect(seen).toEqual([undefined, undefined]);
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', 'not-the-diagnostics-token'],
    ['a hostile value', `${TOKEN}\u00ff<script>`],
    ['the token repeated', `${TOKEN}, ${TOKEN}`],
  ])('with %s: no trail, nothing forwarded, the header stripped', async (_name, value) => {
    let forwarded: string | undefined = 'unset';
    const sink = await serve((request, response) => {
      forwarded = request.headers[DIAGNOSTICS_HEADER] as string | undefined;
      response.end('sink');
    });
    seen.length = 0;
    const url = await front(sink);
    const response = await send(port(url), {
      headers: value === undefined ? {} : { [DIAGNOSTICS_HEADER]: value },
    });
    expect(response.status).toBe(200);
    expect(response.headers[TRAIL_HEADER]).toBeUndefined();
    expect(forwarded).toBeUndefined();
    expect(seen).toEqual([undefined]);
    if (value !== undefined) expect(JSON.stringify(response)).not.toContain(value);
  });

  it('strips the header in a service without diagnostics, and forwards nothing', async () => {
    let forwarded: string | undefined = 'unset';
    const sink = await serve((request, response) => {
      forwarded = request.headers[DIAGNOSTICS_HEADER] as string | undefined;
      response.end('sink');
    });
    seen.length = 0;
    const url = await front(sink, {});
    const response = await send(port(url), { headers: { [DIAGNOSTICS_HEADER]: TOKEN } });
    expect(response.headers[TRAIL_HEADER]).toBeUndefined();
    expect(forwarded).toBeUndefined();
    expect(seen).toEqual([undefined]);
  });

  it('accepts a request `allow` says yes to, and forwards the configured token', async () => {
    seen.length = 0;
    const url = await front(await back(), {
      diagnostics: {
        token: TOKEN,
        service: 'front',
        allow: ({ headers }) => (headers as Record<string, unknown>)['x-operator'] === 'yes',
      },
    });
    const allowed = await send(port(url), { headers: { 'x-operator': 'yes' } });
    expect(trailOf(allowed.headers).calls[0]?.hop?.service).toBe('back');
    const refused = await send(port(url), { headers: { 'x-operator': 'no' } });
    expect(refused.headers[TRAIL_HEADER]).toBeUndefined();
  });

  it('counts an `allow` that throws as no', async () => {
    const url = await front(await back(), {
      diagnostics: {
        token: TOKEN,
        allow: () => {
          throw new Error('boom');
        },
      },
    });
    const response = await send(port(url));
    expect(response.status).toBe(200);
    expect(response.headers[TRAIL_HEADER]).toBeUndefined();
  });

  it('marks a downstream without hoptrace as not instrumented', async () => {
    const plain = await serve((_request, response) => {
      response.end('plain');
    });
    const url = await front(plain);
    const response = await send(port(url), { headers: { [DIAGNOSTICS_HEADER]: TOKEN } });
    expect(trailOf(response.headers).calls[0]).toMatchObject({
      mark: 'not-instrumented',
      hop: null,
    });
  });

  it('marks the hop where the request ID was lost as the break', async () => {
    // The call carries the diagnostics header but none of the IDs, as a proxy that rebuilds the
    // request with only some headers would send it.
    const url = await front(await back(), undefined, () => ({ [DIAGNOSTICS_HEADER]: TOKEN }));
    const response = await send(port(url), {
      headers: { [DIAGNOSTICS_HEADER]: TOKEN, 'x-request-id': 'diag-2' },
    });
    const [call] = trailOf(response.headers).calls;
    expect(call?.mark).toBe('trace-broken');
    expect(call?.hop?.requestIdArrived).toBe(false);
  });

  const someHop: TrailHop = {
    service: 'evil',
    host: 'x',
    pid: 1,
    address: null,
    peer: null,
    method: 'GET',
    route: '/',
    status: 200,
    durationMs: 1,
    requestId: 'forged',
    requestIdArrived: true,
    traceId: null,
    traceIdArrived: false,
    spanId: null,
    parentSpanId: null,
    calls: [],
    omittedCalls: 0,
  };

  it.each([
    ['forged', () => formatTrail(someHop, 'a-token-nobody-shares') as string, 'bad-signature'],
    ['oversized', () => `v1.${'A'.repeat(9000)}.AAAA`, 'too-long'],
    ['malformed', () => 'not a trail', 'malformed'],
  ])('rejects a %s trail from downstream without reading it', async (_name, trail, reason) => {
    const liar = await serve((_request, response) => {
      response.setHeader(TRAIL_HEADER, trail());
      response.end('liar');
    });
    const url = await front(liar);
    const response = await send(port(url), { headers: { [DIAGNOSTICS_HEADER]: TOKEN } });
    expect(trailOf(response.headers).calls[0]).toMatchObject({
      mark: 'trail-rejected',
      reason,
      hop: null,
    });
  });

  it('lists a call still running when the response head went out as pending', async () => {
    const url = await serve(
      (_request, response) => {
        diagnosticHopOf(getContext())?.startCall('GET', new URL('http://127.0.0.1:1/slow'), {
          requestId: null,
          traceId: null,
          spanId: null,
        });
        response.end('early');
      },
      { diagnostics: { token: TOKEN } },
    );
    const response = await send(port(url), { headers: { [DIAGNOSTICS_HEADER]: TOKEN } });
    expect(trailOf(response.headers).calls[0]).toMatchObject({ mark: 'pending', status: null });
  });

  it('answers TRACE with l5d-add-context: true with the trail appended as text', async () => {
    const url = await serve(
      (_request, response) => {
        // As Fastify does: the length in writeHead's headers, which the text would make wrong.
        response.writeHead(200, { 'content-type': 'message/http', 'content-length': '4' });
        response.end('echo');
      },
      { diagnostics: { token: TOKEN, service: 'traced' } },
    );
    const response = await send(port(url), {
      method: 'TRACE',
      headers: { [DIAGNOSTICS_HEADER]: TOKEN, 'l5d-add-context': 'true' },
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBeUndefined();
    expect(response.body).toMatch(/^echo\n● traced \(.+ pid \d+\) TRACE \/ → 200 in /);
    expect(response.body).toContain('request id');
    expect(trailOf(response.headers).service).toBe('traced');

    const refused = await send(port(url), {
      method: 'TRACE',
      headers: { 'l5d-add-context': 'true' },
    });
    expect(refused.body).toBe('echo');
  });

  it('appends the text after a body set with setHeader content-length and end(chunk)', async () => {
    const url = await serve(
      (_request, response) => {
        response.setHeader('content-length', '5');
        response.end(Buffer.from('hello'));
      },
      { diagnostics: { token: TOKEN } },
    );
    const response = await send(port(url), {
      method: 'TRACE',
      headers: { [DIAGNOSTICS_HEADER]: TOKEN, 'l5d-add-context': 'true' },
    });
    expect(response.body).toMatch(/^hello\n● \(unnamed service\)/);
  });
});

describe('acceptsDiagnostics and openDiagnosticHop: the decision without a Node request', () => {
  const resolved = (allow?: () => boolean) => {
    const diagnostics = resolveDiagnostics(
      allow === undefined ? { token: TOKEN } : { token: TOKEN, allow },
      undefined,
    );
    if (diagnostics === undefined) throw new Error('no diagnostics');
    return diagnostics;
  };
  const request = () => ({ headers: {}, remoteAddress: undefined, request: undefined });

  it.each([
    ['the token', TOKEN, true],
    ['a wrong token', 'not-the-diagnostics-token', false],
    ['the token repeated', `${TOKEN}, ${TOKEN}`, false],
    ['no value', undefined, false],
    ['a list', [TOKEN], false],
  ])('takes %s as %s', (_name, given, accepted) => {
    expect(acceptsDiagnostics(resolved(), given, request)).toBe(accepted);
  });

  it('asks `allow` only without the token, builds its request only then, and a throw is a no', () => {
    let built = 0;
    const counted = () => {
      built++;
      return request();
    };
    expect(
      acceptsDiagnostics(
        resolved(() => true),
        TOKEN,
        counted,
      ),
    ).toBe(true);
    expect(acceptsDiagnostics(resolved(), 'wrong-but-long-enough', counted)).toBe(false);
    expect(built).toBe(0);
    expect(
      acceptsDiagnostics(
        resolved(() => true),
        undefined,
        counted,
      ),
    ).toBe(true);
    expect(built).toBe(1);
    const throws = () => {
      throw new Error('boom');
    };
    expect(acceptsDiagnostics(resolved(throws), undefined, request)).toBe(false);
  });

  it('registers the hop on the context, where outbound clients find it', () => {
    const context = extract({ 'x-request-id': 'diag-kit' });
    expect(diagnosticHopOf(context)).toBeUndefined();
    const hop = openDiagnosticHop(resolved(), context);
    expect(diagnosticHopOf(context)).toBe(hop);
    expect(hop.token).toBe(TOKEN);
    // A scheme the URL standard does not know (origin "null") keeps its host in the trail.
    hop.startCall('POST', new URL('grpc://127.0.0.1:50051/shop.Stock/Reserve'), {
      requestId: 'diag-kit',
      traceId: null,
      spanId: null,
    });
    const summary = { method: 'GET', route: '/', status: 200, address: null, peer: null };
    expect(hop.summarize(summary).calls[0]?.url).toBe('grpc://127.0.0.1:50051/shop.Stock/Reserve');
  });
});
