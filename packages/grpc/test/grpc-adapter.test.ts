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
import { extract, runWithContext, type TraceContext, tryGetContext } from '@hoptrace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getContext, hoptraceClientInterceptor, hoptraceServerInterceptor } from '../src/index.js';
import { call, SHAPES, type Shape } from './calls.js';
import { type Message, type RunningServer, startServer } from './echo-service.js';

const TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const SPAN = 'e457b5a2e4d86bd1';
const TRACEPARENT = `00-${TRACE}-${SPAN}-01`;

/** What a handler saw: the request ID at each point, and its context at the end. */
function view(context: TraceContext): Message {
  return {
    requestId: context.requestId,
    correlationId: context.correlationId ?? null,
    traceId: context.traceId ?? null,
    spanId: context.spanId ?? null,
    parentSpanId: context.parentSpanId ?? null,
  };
}

function seenId(): string {
  return tryGetContext()?.requestId ?? 'none';
}

/**
 * The echo service: every shape records the request ID it sees in the handler, after an await,
 * in every data/end callback, and answers with those and its context. `downstream` (when set)
 * is called (unary) after the last await, and its answer is reported too.
 */
function echoImplementation(downstream?: () => Promise<Message>) {
  const finish = async (seen: string[]): Promise<Message> => {
    await delay(1);
    seen.push(seenId());
    const below = downstream === undefined ? null : await downstream();
    seen.push(seenId());
    return { seen, context: view(getContext()), downstream: below };
  };
  return {
    unary(_call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
      const seen = [seenId()];
      void finish(seen).then((answer) => callback(null, answer));
    },
    clientStream(call: ServerReadableStream<Message, Message>, callback: sendUnaryData<Message>) {
      const seen = [seenId()];
      call.on('data', () => seen.push(seenId()));
      call.on('end', () => {
        seen.push(seenId());
        void finish(seen).then((answer) => callback(null, answer));
      });
    },
    serverStream(call: ServerWritableStream<Message, Message>) {
      const seen = [seenId()];
      void (async () => {
        call.write({ first: seenId() });
        const answer = await finish(seen);
        call.write(answer);
        call.end();
      })();
    },
    bidi(call: ServerDuplexStream<Message, Message>) {
      const seen = [seenId()];
      call.on('data', () => {
        seen.push(seenId());
        call.write({ echo: seenId() });
      });
      call.on('end', () => {
        seen.push(seenId());
        void finish(seen).then((answer) => {
          call.write(answer);
          call.end();
        });
      });
    },
  };
}

/** The last message of a call: the handler's answer. */
function answerOf(messages: Message[]): {
  seen: string[];
  context: Message;
  downstream: { context: Message; seen: string[] } | null;
} {
  return messages.at(-1) as never;
}

function incoming(requestId: string): Metadata {
  const metadata = new Metadata();
  metadata.set('x-request-id', requestId);
  metadata.set('traceparent', TRACEPARENT);
  return metadata;
}

describe.each(['forward', 'child'] as const)('%s mode', (mode) => {
  let second: RunningServer;
  let first: RunningServer;
  beforeAll(async () => {
    second = await startServer(echoImplementation(), [hoptraceServerInterceptor()]);
    const downstreamClient = second.client([hoptraceClientInterceptor()]);
    first = await startServer(
      echoImplementation(async () => {
        const result = await call(downstreamClient, 'unary', new Metadata());
        return answerOf(result.messages) as unknown as Message;
      }),
      [hoptraceServerInterceptor({ mode })],
    );
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it.each(SHAPES)(
    '%s: the context in the handler, every callback, after await, and downstream',
    async (shape: Shape) => {
      const requestId = `${mode}-${shape}`;
      const result = await call(first.client(), shape, incoming(requestId));
      expect(result.error).toBeUndefined();
      expect(result.headers?.get('x-request-id')).toEqual([requestId]);
      const answer = answerOf(result.messages);
      expect(answer.seen.length).toBeGreaterThanOrEqual(3);
      expect(new Set(answer.seen)).toEqual(new Set([requestId]));
      expect(answer.context).toMatchObject({ requestId, traceId: TRACE, spanId: SPAN });
      if (shape === 'bidi')
        expect(result.messages.slice(0, 2)).toEqual([{ echo: requestId }, { echo: requestId }]);
      if (shape === 'serverStream') expect(result.messages[0]).toEqual({ first: requestId });
      // The chain: a grpc client inside the handler carries the request ID and the trace.
      const below = answer.downstream?.context;
      expect(below).toMatchObject({ requestId, traceId: TRACE });
      if (mode === 'forward') expect(below).toMatchObject({ spanId: SPAN });
      else {
        expect(below?.parentSpanId).toBe(SPAN);
        expect(below?.spanId).not.toBe(SPAN);
        expect(below?.spanId).toMatch(/^[0-9a-f]{16}$/);
      }
    },
  );
});

describe('the client interceptor', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(echoImplementation(), [hoptraceServerInterceptor()]);
  });
  afterAll(() => server.close());

  it.each(SHAPES)(
    '%s: writes the metadata of the current context, in both modes',
    async (shape) => {
      const context = extract({ 'x-request-id': `client-${shape}`, traceparent: TRACEPARENT });
      for (const mode of ['forward', 'child'] as const) {
        const client = server.client([hoptraceClientInterceptor({ mode })]);
        const result = await runWithContext(context, () => call(client, shape, new Metadata()));
        const seen = answerOf(result.messages).context;
        expect(seen).toMatchObject({ requestId: `client-${shape}`, traceId: TRACE });
        if (mode === 'forward') expect(seen.spanId).toBe(SPAN);
        else expect(seen.parentSpanId).toBe(SPAN);
      }
    },
  );

  it('per-call IDs: a fresh request ID per call, the chain ID in x-correlation-id', async () => {
    const client = server.client([hoptraceClientInterceptor({ outboundRequestId: 'per-call' })]);
    const context = extract({ 'x-request-id': 'chain-1', traceparent: TRACEPARENT });
    const [one, two] = await runWithContext(context, () =>
      Promise.all([call(client, 'unary', new Metadata()), call(client, 'bidi', new Metadata())]),
    );
    const first = answerOf(one?.messages ?? []).context;
    const second = answerOf(two?.messages ?? []).context;
    expect(first.correlationId).toBe('chain-1');
    expect(second.correlationId).toBe('chain-1');
    expect(first.requestId).not.toBe('chain-1');
    expect(first.requestId).not.toBe(second.requestId);
    expect(first.traceId).toBe(TRACE);
  });

  it("outside a request: nothing by default, the client's own options with new-trace", async () => {
    const skip = await call(server.client([hoptraceClientInterceptor()]), 'unary', new Metadata());
    expect(answerOf(skip.messages).context.traceId).not.toBe(TRACE);
    const own = await startServer(echoImplementation(), [
      hoptraceServerInterceptor({ requestIdHeader: 'x-job-id' }),
    ]);
    try {
      const client = own.client([
        hoptraceClientInterceptor({ outsideContext: 'new-trace', requestIdHeader: 'x-job-id' }),
      ]);
      const [a, b] = await Promise.all([
        call(client, 'unary', new Metadata()),
        call(client, 'unary', new Metadata()),
      ]);
      const seenA = answerOf(a?.messages ?? []).context;
      const seenB = answerOf(b?.messages ?? []).context;
      expect(a?.headers?.get('x-job-id')).toEqual([seenA.requestId]);
      expect(seenA.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(seenA.traceId).not.toBe(seenB.traceId);
    } finally {
      await own.close();
    }
  });

  it('keeps metadata the caller set, and never writes or reads -bin keys', async () => {
    const client = server.client([hoptraceClientInterceptor()]);
    const metadata = new Metadata();
    metadata.set('x-request-id', 'callers-own');
    metadata.set('x-request-id-bin', Buffer.from('not-an-id'));
    const context = extract({ 'x-request-id': 'chain-2' });
    const result = await runWithContext(context, () => call(client, 'unary', metadata));
    expect(answerOf(result.messages).context.requestId).toBe('callers-own');
  });

  it('runs the callbacks of a call in the caller context, not the connection opener', async () => {
    const client = server.client([hoptraceClientInterceptor()]);
    await runWithContext(extract({ 'x-request-id': 'opener' }), () =>
      call(client, 'unary', new Metadata()),
    );
    const seen = await runWithContext(
      extract({ 'x-request-id': 'second' }),
      () =>
        new Promise<string[]>((resolve) => {
          const ids: string[] = [];
          const stream = (
            client as unknown as { serverStream(r: Message, m: Metadata): NodeJS.EventEmitter }
          ).serverStream({}, new Metadata());
          stream.on('metadata', () => ids.push(seenId()));
          stream.on('data', () => ids.push(seenId()));
          stream.on('status', () => ids.push(seenId()));
          stream.on('end', () => resolve(ids));
        }),
    );
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen)).toEqual(new Set(['second']));
    // Outside any request: no context leaks into the callbacks either.
    const outside = await new Promise<string>((resolve) => {
      (client as unknown as { unary(r: Message, m: Metadata, cb: () => void): void }).unary(
        {},
        new Metadata(),
        () => resolve(seenId()),
      );
    });
    expect(outside).toBe('none');
  });
});

describe('response metadata', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      {
        unary(call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
          if (call.request.fail === true)
            callback({ code: status.NOT_FOUND, details: 'no such item' });
          else if (call.request.own === true) {
            const own = new Metadata();
            own.set('x-request-id', 'handlers-choice');
            call.sendMetadata(own);
            callback(null, {});
          } else callback(null, {});
        },
        clientStream(
          _call: ServerReadableStream<Message, Message>,
          callback: sendUnaryData<Message>,
        ) {
          callback({ code: status.INVALID_ARGUMENT, details: 'refused at once' });
        },
        serverStream(call: ServerWritableStream<Message, Message>) {
          call.write({ one: 1 });
          call.emit('error', { code: status.INTERNAL, details: 'midway' });
        },
        bidi(call: ServerDuplexStream<Message, Message>) {
          call.end();
        },
      },
      [hoptraceServerInterceptor()],
    );
  });
  afterAll(() => server.close());

  it('carries the request ID in the initial metadata of a call that succeeds', async () => {
    const result = await call(server.client(), 'unary', incoming('ok-1'), [{}]);
    expect(result.headers?.get('x-request-id')).toEqual(['ok-1']);
  });

  it('leaves a request ID the handler sent itself', async () => {
    const result = await call(server.client(), 'unary', incoming('ok-2'), [{ own: true }]);
    expect(result.headers?.get('x-request-id')).toEqual(['handlers-choice']);
  });

  it.each([
    ['unary', [{ fail: true }], status.NOT_FOUND],
    ['clientStream', [{}], status.INVALID_ARGUMENT],
  ] as const)(
    'puts it in the trailers of a %s call that fails before headers',
    async (shape, requests, code) => {
      const result = await call(server.client(), shape, incoming(`fail-${shape}`), [...requests]);
      expect(result.error?.code).toBe(code);
      expect(result.error?.metadata.get('x-request-id')).toEqual([`fail-${shape}`]);
    },
  );

  it('a call that fails after its headers has the ID in those headers', async () => {
    const result = await call(server.client(), 'serverStream', incoming('midway-1'), [{}]);
    expect(result.error?.code).toBe(status.INTERNAL);
    expect(result.headers?.get('x-request-id')).toEqual(['midway-1']);
  });

  it('generates an ID for a call that brought none, and answers with it (trailers-only OK)', async () => {
    const result = await call(server.client(), 'bidi', new Metadata(), []);
    expect(result.error).toBeUndefined();
    expect(result.headers).toBeUndefined();
    const [id] = result.trailers?.get('x-request-id') ?? [];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('extract(call.metadata) reads a grpc-js Metadata without the interceptor', () => {
    const context = extract(incoming('read-direct'));
    expect(context.requestId).toBe('read-direct');
    expect(context.traceId).toBe(TRACE);
  });
});
