import { connect } from 'node:http2';
import { setTimeout as delay } from 'node:timers/promises';
import {
  Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import type { HoptraceOptions } from '@hoptrace/core';
import type { DiagnosticsRequest } from '@hoptrace/core/diagnostics';
import {
  DIAGNOSTICS_HEADER,
  readTrail,
  TRAIL_HEADER,
  type TrailHop,
} from '@hoptrace/core/diagnostics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type GrpcClientOptions,
  hoptraceClientInterceptor,
  hoptraceServerInterceptor,
} from '../src/index.js';
import { type CallResult, call, SHAPES } from './calls.js';
import {
  ECHO_SERVICE,
  type EchoClientInstance,
  type Message,
  type RunningServer,
  startServer,
} from './echo-service.js';

const TOKEN = 'grpc-diagnostics-token-for-tests';
const TRACEPARENT = '00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01';
const UNARY = ECHO_SERVICE.unary.path;

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

function diagnostics(service: string, extra: Partial<HoptraceOptions> = {}): HoptraceOptions {
  return { diagnostics: { token: TOKEN, service }, ...extra };
}

/** What each handler saw of the diagnostics header, in call order. */
const seenTokens: unknown[][] = [];

/**
 * An echo service of every shape (it answers with `{ n }` per message), through
 * hoptraceServerInterceptor(`options`); `downstream`, when given, is called (awaited) before the
 * answer, and what it returned is in the answer.
 */
async function echoServer(
  options: HoptraceOptions,
  downstream?: () => Promise<CallResult>,
): Promise<RunningServer> {
  const answer = async (request: Message): Promise<Message> => {
    const below = downstream === undefined ? null : await downstream();
    if (request.fail === true) throw Object.assign(new Error('none'), { code: status.NOT_FOUND });
    return { ...request, below: below?.error?.code ?? null };
  };
  const reply = (promise: Promise<Message>, callback: sendUnaryData<Message>): void => {
    promise.then(
      (message) => callback(null, message),
      (error: { code: number }) => callback({ code: error.code, details: 'failed' }),
    );
  };
  const server = await startServer(
    {
      unary(unary: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
        seenTokens.push(unary.metadata.get(DIAGNOSTICS_HEADER));
        reply(answer(unary.request), callback);
      },
      clientStream(
        stream: ServerReadableStream<Message, Message>,
        callback: sendUnaryData<Message>,
      ) {
        seenTokens.push(stream.metadata.get(DIAGNOSTICS_HEADER));
        const messages: Message[] = [];
        stream.on('data', (message: Message) => messages.push(message));
        stream.on('end', () => reply(answer(messages.at(-1) ?? {}), callback));
      },
      serverStream(stream: ServerWritableStream<Message, Message>) {
        seenTokens.push(stream.metadata.get(DIAGNOSTICS_HEADER));
        void answer(stream.request).then((message) => {
          stream.write(message);
          stream.end();
        });
      },
      bidi(stream: ServerDuplexStream<Message, Message>) {
        seenTokens.push(stream.metadata.get(DIAGNOSTICS_HEADER));
        stream.on('data', (message: Message) => stream.write(message));
        stream.on('end', () => void answer({}).then(() => stream.end()));
      },
    },
    [hoptraceServerInterceptor(options)],
  );
  running.push(server);
  return server;
}

function withToken(token: string | undefined, requestId = 'diag-grpc-1'): Metadata {
  const metadata = new Metadata();
  metadata.set('x-request-id', requestId);
  metadata.set('traceparent', TRACEPARENT);
  if (token !== undefined) metadata.set(DIAGNOSTICS_HEADER, token);
  return metadata;
}

function trailValue(result: CallResult): string | undefined {
  const values = result.trailers?.get(TRAIL_HEADER) ?? [];
  return typeof values[0] === 'string' ? values[0] : undefined;
}

function trailOf(result: CallResult): TrailHop {
  const value = trailValue(result);
  if (value === undefined) throw new Error('no trail in the trailers');
  const read = readTrail(value, TOKEN);
  if (!('hop' in read)) throw new Error(`trail refused: ${read.rejected}`);
  return read.hop;
}

/** A client of `server` that calls from inside a request, as a handler's client does. */
function downstreamClient(
  server: RunningServer,
  options: GrpcClientOptions = { target: server.target },
): EchoClientInstance {
  return server.client([hoptraceClientInterceptor(options)]);
}

describe('diagnostic trail, server side', () => {
  it.each(SHAPES)(
    '%s: an accepted token gets a signed trail in the trailers; the handler never sees it',
    async (shape) => {
      seenTokens.length = 0;
      const server = await echoServer(diagnostics('grpc-b'));
      const result = await call(server.client(), shape, withToken(TOKEN));
      expect(result.error).toBeUndefined();
      expect(trailOf(result)).toMatchObject({
        service: 'grpc-b',
        pid: process.pid,
        method: 'POST',
        route: ECHO_SERVICE[shape].path,
        status: 200,
        address: server.target,
        requestId: 'diag-grpc-1',
        requestIdArrived: true,
        traceId: '80f198ee56343ba864fe8b2a57d3eff7',
        traceIdArrived: true,
        calls: [],
      });
      // Only in the trailers, where the status is known.
      expect(result.headers?.get(TRAIL_HEADER)).toEqual([]);
      expect(seenTokens).toEqual([[]]);
    },
  );

  it('a failed call: the HTTP equivalent of its code, in a trailers-only answer with the ID', async () => {
    const server = await echoServer(diagnostics('grpc-b'));
    const result = await call(server.client(), 'unary', withToken(TOKEN), [{ fail: true }]);
    expect(result.error?.code).toBe(status.NOT_FOUND);
    expect(result.trailers?.get('x-request-id')).toEqual(['diag-grpc-1']);
    expect(trailOf(result)).toMatchObject({ route: UNARY, status: 404 });
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', 'not-the-grpc-diagnostics-token'],
    ['a hostile value', `${TOKEN}<script>`],
  ])('%s: no trail, and the header stripped', async (_name, token) => {
    seenTokens.length = 0;
    const server = await echoServer(diagnostics('grpc-b'));
    const result = await call(server.client(), 'unary', withToken(token), [{}]);
    expect(result.error).toBeUndefined();
    expect(result.trailers?.get(TRAIL_HEADER)).toEqual([]);
    expect(result.headers?.get(TRAIL_HEADER)).toEqual([]);
    expect(seenTokens).toEqual([[]]);
  });

  it('the token twice: not the token (as Node joins a repeated HTTP header)', async () => {
    const server = await echoServer(diagnostics('grpc-b'));
    const metadata = withToken(TOKEN);
    metadata.add(DIAGNOSTICS_HEADER, TOKEN);
    const result = await call(server.client(), 'unary', metadata, [{}]);
    expect(trailValue(result)).toBeUndefined();
  });

  it('a server without the diagnostics option: no trail, even for the token', async () => {
    seenTokens.length = 0;
    const server = await echoServer({});
    const result = await call(server.client(), 'unary', withToken(TOKEN), [{}]);
    expect(trailValue(result)).toBeUndefined();
    expect(seenTokens).toEqual([[]]);
  });

  it('`allow` decides on a call without the token, given its metadata, peer and call', async () => {
    const asked: DiagnosticsRequest[] = [];
    const server = await echoServer({
      diagnostics: {
        token: TOKEN,
        service: 'grpc-b',
        allow: (request) => {
          asked.push(request);
          return (request.headers as Metadata).get('x-operator')[0] === 'yes';
        },
      },
    });
    const allowed = withToken(undefined);
    allowed.set('x-operator', 'yes');
    expect(trailOf(await call(server.client(), 'unary', allowed, [{}])).service).toBe('grpc-b');
    const refused = withToken(undefined);
    refused.set('x-operator', 'no');
    expect(trailValue(await call(server.client(), 'unary', refused, [{}]))).toBeUndefined();
    expect(asked).toHaveLength(2);
    expect(asked[0]?.remoteAddress).toBe('127.0.0.1');
    expect(asked[0]?.headers).toBeInstanceOf(Metadata);
  });
});

describe('diagnostic trail across hops', () => {
  it.each(['forward', 'child'] as const)(
    '%s mode: client → A → B shows both hops, the gRPC call judged ok',
    async (mode) => {
      seenTokens.length = 0;
      const b = await echoServer(diagnostics('grpc-b', { mode }));
      const toB = downstreamClient(b);
      const a = await echoServer(diagnostics('grpc-a', { mode }), () =>
        call(toB, 'unary', new Metadata(), [{}]),
      );
      const result = await call(a.client(), 'unary', withToken(TOKEN, `chain-${mode}`), [{}]);
      expect(result.error).toBeUndefined();
      const trail = trailOf(result);
      expect(trail).toMatchObject({ service: 'grpc-a', route: UNARY, status: 200 });
      expect(trail.calls).toHaveLength(1);
      const [toBCall] = trail.calls;
      expect(toBCall).toMatchObject({
        method: 'POST',
        url: `grpc://${b.target}${UNARY}`,
        remote: b.target,
        status: 200,
        failure: null,
        mark: 'ok',
      });
      expect(toBCall?.hop).toMatchObject({
        service: 'grpc-b',
        route: UNARY,
        requestId: `chain-${mode}`,
        requestIdArrived: true,
        traceId: trail.traceId,
        traceIdArrived: true,
      });
      if (mode === 'child') expect(toBCall?.hop?.parentSpanId).toBe(trail.spanId);
      // Neither handler saw the token; A's client carried it to B itself.
      expect(seenTokens).toEqual([[], []]);
    },
  );

  it('a call to B outside any diagnostic request carries no token and writes no trail', async () => {
    const b = await echoServer(diagnostics('grpc-b'));
    const toB = downstreamClient(b);
    const a = await echoServer(diagnostics('grpc-a'), () =>
      call(toB, 'unary', new Metadata(), [{}]),
    );
    const result = await call(a.client(), 'unary', withToken(undefined), [{}]);
    expect(result.error).toBeUndefined();
    expect(trailValue(result)).toBeUndefined();
  });

  /** A plain grpc-js server (no hoptrace) that records the diagnostics header it was sent. */
  async function sink(): Promise<{ server: RunningServer; got: unknown[][] }> {
    const got: unknown[][] = [];
    const server = await startServer(
      {
        unary(unary: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
          got.push(unary.metadata.get(DIAGNOSTICS_HEADER));
          callback(null, {});
        },
      },
      [],
    );
    running.push(server);
    return { server, got };
  }

  it('forwards the token only to a channel propagateTo allows, judged on the target', async () => {
    const outside = await sink();
    const inside = await sink();
    const toOutside = downstreamClient(outside.server, {
      target: outside.server.target,
      propagateTo: ['inventory.internal'],
    });
    const toInside = downstreamClient(inside.server, {
      target: inside.server.target,
      propagateTo: ['127.0.0.1'],
    });
    const a = await echoServer(diagnostics('grpc-a'), async () => {
      await call(toOutside, 'unary', new Metadata(), [{}]);
      return call(toInside, 'unary', new Metadata(), [{}]);
    });
    const result = await call(a.client(), 'unary', withToken(TOKEN), [{}]);
    expect(outside.got).toEqual([[]]);
    expect(inside.got).toEqual([[TOKEN]]);
    // The call outside propagateTo carried nothing of hoptrace's, so the trail leaves it out (as
    // @hoptrace/fetch does); the one inside reached a server without hoptrace.
    const calls = trailOf(result).calls;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      url: `grpc://${inside.server.target}${UNARY}`,
      status: 200,
      mark: 'not-instrumented',
    });
  });

  it('a downstream that is not there: the call failed, UF', async () => {
    const gone = await echoServer({});
    const target = gone.target;
    await gone.close();
    running.splice(running.indexOf(gone), 1);
    const toGone = downstreamClient(gone, { target });
    const a = await echoServer(diagnostics('grpc-a'), () =>
      call(toGone, 'unary', new Metadata(), [{}], { deadline: Date.now() + 5000 }),
    );
    const result = await call(a.client(), 'unary', withToken(TOKEN), [{}]);
    expect(result.messages[0]?.below).toBe(status.UNAVAILABLE);
    expect(trailOf(result).calls[0]).toMatchObject({
      url: `grpc://${target}${UNARY}`,
      status: null,
      failure: 'UF',
      mark: 'failed',
    });
  });

  it('a downstream past its deadline: UT; a cancelled call: DC', async () => {
    const slow = await startServer(
      {
        unary(_unary: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
          setTimeout(() => callback(null, {}), 400);
        },
      },
      [],
    );
    running.push(slow);
    const toSlow = downstreamClient(slow);
    const a = await echoServer(diagnostics('grpc-a'), async () => {
      await call(toSlow, 'unary', new Metadata(), [{}], { deadline: Date.now() + 50 });
      return new Promise<CallResult>((resolve) => {
        const made = toSlow.makeUnaryRequest(
          UNARY,
          (value: Message) => Buffer.from(JSON.stringify(value)),
          (bytes: Buffer) => JSON.parse(bytes.toString()) as Message,
          {},
          new Metadata(),
          (error) =>
            resolve({
              messages: [],
              headers: undefined,
              trailers: undefined,
              error: error ?? undefined,
            }),
        );
        setTimeout(() => made.cancel(), 20);
      });
    });
    const result = await call(a.client(), 'unary', withToken(TOKEN), [{}]);
    expect(result.messages[0]?.below).toBe(status.CANCELLED);
    const [timedOut, cancelled] = trailOf(result).calls;
    expect(timedOut).toMatchObject({ failure: 'UT', mark: 'failed', status: null });
    expect(cancelled).toMatchObject({ failure: 'DC', mark: 'failed', status: null });
  });
});

describe('a deadline grpc-js enforces on the server (a README limit)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      {
        serverStream() {
          // Never answers: the server's own deadline timer ends the call.
        },
      },
      [hoptraceServerInterceptor(diagnostics('grpc-b'))],
    );
  });
  afterAll(() => server.close());

  it('answers DEADLINE_EXCEEDED past every interceptor: no request ID, no trail', async () => {
    // Raw HTTP/2, so that only the server's deadline (grpc-timeout) can end the call: a grpc-js
    // client would race it with its own deadline timer. grpc-js's BaseServerInterceptingCall
    // calls its own sendStatus from that timer, below the interceptors' responders.
    const session = connect(`http://${server.target}`);
    try {
      const message = Buffer.from(JSON.stringify({}));
      const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
      const stream = session.request({
        ':method': 'POST',
        ':path': ECHO_SERVICE.serverStream.path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': '100m',
        'x-request-id': 'deadline-raw-1',
        traceparent: TRACEPARENT,
        [DIAGNOSTICS_HEADER]: TOKEN,
      });
      stream.end(frame);
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        stream.on('response', (received) => resolve(received));
        stream.on('error', reject);
      });
      stream.resume();
      await delay(10);
      // A trailers-only answer: the status is in the response headers.
      expect(headers['grpc-status']).toBe(String(status.DEADLINE_EXCEEDED));
      expect(headers['x-request-id']).toBeUndefined();
      expect(headers[TRAIL_HEADER]).toBeUndefined();
    } finally {
      session.close();
    }
  });
});
