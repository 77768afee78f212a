import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { diagnosticsTokenCases, send, serverPool } from '@hoptrace/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTraceparent } from '../codec/traceparent.js';
import { getContext } from '../context/context-storage.js';
import { createHoptrace } from '../engine/create-hoptrace.js';
import { injectHeaders } from '../engine/inject.js';
import type { HoptraceOptions } from '../engine/options.js';
import { hoptraceHandler } from '../server/handler.js';
import {
  type DiagnosticCall,
  DiagnosticHop,
  diagnosticHopOf,
  type HopSummary,
} from './diagnostic-hop.js';
import {
  DIAGNOSTICS_HEADER,
  formatTrail,
  judgeTrail,
  readTrail,
  TRAIL_HEADER,
  type TrailHop,
  type TrailSent,
} from './trail.js';

const TOKEN = 'diagnostics-token-for-the-token-tests';
const servers = serverPool();

afterEach(() => servers.closeAll());

type Listener = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** Starts `listener` (in hoptrace when `options` are given) and returns its port. */
function serve(listener: Listener, options?: HoptraceOptions): Promise<number> {
  return servers.listen(
    createServer(options === undefined ? listener : hoptraceHandler(listener, options)),
  );
}

/** Every view of the request's headers Node gives, as the app (or its logger) reads them. */
interface HeaderViews {
  readonly headers: unknown;
  readonly distinct: unknown;
  readonly raw: readonly string[];
}

function views(request: IncomingMessage): HeaderViews {
  return {
    headers: request.headers[DIAGNOSTICS_HEADER],
    distinct: request.headersDistinct[DIAGNOSTICS_HEADER],
    raw: [...request.rawHeaders],
  };
}

describe('the diagnostics token stays in hoptrace', () => {
  it.each(diagnosticsTokenCases(TOKEN))(
    '%s: gone from headers, headersDistinct and rawHeaders',
    async (_name, options, token) => {
      let seen: HeaderViews | undefined;
      const port = await serve((request, response) => {
        seen = views(request);
        response.end('ok');
      }, options);
      // Mixed case and a second copy: rawHeaders keeps both as sent.
      const response = await send(port, {
        headers: { 'X-Hoptrace-Diag': [token, 'second-copy'], 'x-kept': 'yes' },
      });
      expect(response.status).toBe(200);
      expect(seen?.headers).toBeUndefined();
      expect(seen?.distinct).toBeUndefined();
      expect(seen?.raw.map((item) => item.toLowerCase())).not.toContain(DIAGNOSTICS_HEADER);
      expect(seen?.raw.join('\n')).not.toContain(token);
      expect(seen?.raw.join('\n')).not.toContain('second-copy');
      // The other headers are all still there, in pairs.
      expect(seen?.raw).toEqual(expect.arrayContaining(['x-kept', 'yes']));
      expect((seen?.raw.length ?? 1) % 2).toBe(0);
    },
  );

  it('leaves a request without the header as it came', async () => {
    let raw: string[] = [];
    const port = await serve(
      (request, response) => {
        raw = request.rawHeaders;
        response.end('ok');
      },
      { diagnostics: { token: TOKEN } },
    );
    await send(port, { headers: { 'x-a': '1', 'x-b': '2' } });
    expect(raw).toEqual(expect.arrayContaining(['x-a', '1', 'x-b', '2']));
  });

  it('forwards an accepted token with the outbound headers, and only hoptrace does', async () => {
    const port = await serve(
      (_request, response) => {
        const headers = injectHeaders(getContext(), {} as Record<string, string>);
        response.end(headers[DIAGNOSTICS_HEADER] ?? 'none');
      },
      { diagnostics: { token: TOKEN } },
    );
    expect((await send(port, { headers: { [DIAGNOSTICS_HEADER]: TOKEN } })).body).toBe(TOKEN);
    expect(
      (await send(port, { headers: { [DIAGNOSTICS_HEADER]: 'wrong-token-value' } })).body,
    ).toBe('none');
  });
});

/** How every hop in these tests answered. */
const ANSWERED: HopSummary = { method: 'GET', route: '/', status: 200, address: null, peer: null };

const REQUEST_ID = 'replay-test-request';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

function downstreamHop(spanId: string): TrailHop {
  return {
    service: 'back',
    host: 'web-1',
    pid: 1,
    address: null,
    peer: null,
    method: 'GET',
    route: '/next',
    status: 200,
    durationMs: 1,
    requestId: REQUEST_ID,
    requestIdArrived: true,
    traceId: TRACE_ID,
    traceIdArrived: true,
    spanId,
    parentSpanId: SPAN_ID,
    calls: [],
    omittedCalls: 0,
  };
}

function trailFor(spanId: string): string {
  const value = formatTrail(downstreamHop(spanId), TOKEN);
  if (value === undefined) throw new Error('trail too long');
  return value;
}

describe('judgeTrail: a trail that answers another call', () => {
  const sent: TrailSent = { requestId: REQUEST_ID, traceId: TRACE_ID, spanId: '1111111111111111' };

  it('is ok on request and trace ID alone by default', () => {
    expect(judgeTrail(sent, trailFor('2222222222222222'), TOKEN).mark).toBe('ok');
  });

  it('is trace-broken with the span ID checked and another span in the trail', () => {
    const judged = judgeTrail(sent, trailFor('2222222222222222'), TOKEN, undefined, {
      spanId: true,
    });
    expect(judged.mark).toBe('trace-broken');
    expect(judged.reason).toMatch(/span ID/);
    expect(
      judgeTrail(sent, trailFor('1111111111111111'), TOKEN, undefined, { spanId: true }).mark,
    ).toBe('ok');
  });
});

describe('DiagnosticHop: child-mode calls are checked by their own span ID', () => {
  function hopFor(mode: 'child' | 'forward'): DiagnosticHop {
    const context = createHoptrace({ mode }).extract({
      'x-request-id': REQUEST_ID,
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
    return new DiagnosticHop(context, TOKEN, 'front', 8192);
  }

  function answer(call: DiagnosticCall | undefined, trail: string): void {
    call?.response(200, trail, null);
  }

  it('marks a replayed trail of the same request as trace-broken, the genuine one ok', () => {
    const hop = hopFor('child');
    const url = new URL('http://back.internal/next');
    const first = hop.startCall('GET', url, {
      requestId: REQUEST_ID,
      traceId: TRACE_ID,
      spanId: 'aaaaaaaaaaaaaaaa',
    });
    const second = hop.startCall('GET', url, {
      requestId: REQUEST_ID,
      traceId: TRACE_ID,
      spanId: 'bbbbbbbbbbbbbbbb',
    });
    const genuine = trailFor('aaaaaaaaaaaaaaaa');
    answer(first, genuine);
    answer(second, genuine); // replayed: the first call's trail, returned to the second
    const { calls } = hop.summarize(ANSWERED);
    expect(calls.map((call) => call.mark)).toEqual(['ok', 'trace-broken']);
    expect(calls[1]?.reason).toMatch(/span ID/);
  });

  it('does not check a forwarded span ID (the same on every call of the request)', () => {
    const hop = hopFor('forward');
    const call = hop.startCall('GET', new URL('http://back.internal/next'), {
      requestId: REQUEST_ID,
      traceId: TRACE_ID,
      spanId: SPAN_ID,
    });
    answer(call, trailFor('cccccccccccccccc'));
    const [judged] = hop.summarize(ANSWERED).calls;
    expect(judged?.mark).toBe('ok');
  });
});

describe('child mode on real servers: a downstream that replays another call’s trail', () => {
  it('judges the genuine call ok and the replayed one trace-broken', async () => {
    let replay: string | undefined;
    const back = await serve(
      (_request, response) => {
        response.end('back');
      },
      { diagnostics: { token: TOKEN, service: 'back' } },
    );
    // Answers with the trail the genuine downstream gave the first call, as a cache would.
    const replaying = await serve((_request, response) => {
      if (replay !== undefined) response.setHeader(TRAIL_HEADER, replay);
      response.end('cached');
    });
    const options: HoptraceOptions = { mode: 'child', diagnostics: { token: TOKEN } };
    const front = await serve(async (_request, response) => {
      const context = getContext();
      for (const port of [back, replaying]) {
        const headers = injectHeaders(context, {} as Record<string, string>, options);
        const traceparent = parseTraceparent(headers.traceparent ?? '');
        const call = diagnosticHopOf(context)?.startCall(
          'GET',
          new URL(`http://127.0.0.1:${port}/next`),
          {
            requestId: headers['x-request-id'] ?? null,
            traceId: traceparent?.traceId ?? null,
            spanId: traceparent?.parentId ?? null,
          },
        );
        const answer = await send(port, { headers });
        const trail = answer.headers[TRAIL_HEADER];
        replay ??= typeof trail === 'string' ? trail : undefined;
        call?.response(answer.status, typeof trail === 'string' ? trail : undefined, null);
      }
      response.end('front');
    }, options);

    const response = await send(front, {
      headers: {
        [DIAGNOSTICS_HEADER]: TOKEN,
        'x-request-id': REQUEST_ID,
        traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      },
    });
    const value = response.headers[TRAIL_HEADER];
    const read = readTrail(typeof value === 'string' ? value : '', TOKEN);
    if (!('hop' in read)) throw new Error(`trail refused: ${read.rejected}`);
    expect(read.hop.calls.map((call) => call.mark)).toEqual(['ok', 'trace-broken']);
    // The genuine trail carries the span the first call sent; the replay another call's.
    expect(read.hop.calls[0]?.hop?.spanId).toBe(read.hop.calls[0]?.sent.spanId);
    expect(read.hop.calls[1]?.sent.spanId).not.toBe(read.hop.calls[1]?.hop?.spanId);
  });
});

describe('diagnostics.service: what the hop writes, its readers accept', () => {
  it.each(['orders', 'orders-v2 (eu-west-1)', 'x'.repeat(256)])(
    '%s is accepted and round-trips',
    (service) => {
      const hop = new DiagnosticHop(
        createHoptrace().extract({}),
        TOKEN,
        createHoptrace({ diagnostics: { token: TOKEN, service } }).options.diagnostics?.service ??
          null,
        8192,
      );
      const value = formatTrail(hop.summarize(ANSWERED), TOKEN);
      const read = readTrail(value ?? '', TOKEN);
      expect('hop' in read && read.hop.service).toBe(service);
    },
  );

  it.each(['café', 'a\r\nb', 'tab\there', '', 'x'.repeat(257)])(
    '%j is refused at construction',
    (service) => {
      expect(() => createHoptrace({ diagnostics: { token: TOKEN, service } })).toThrow(
        /option "diagnostics.service"/,
      );
    },
  );
});
