import { connect } from 'node:http2';
import { setTimeout as delay } from 'node:timers/promises';
import {
  Metadata,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { extract, type Observation, runWithContext, tryGetContext } from '@hoptrace/core';
import {
  BAD_OPTION_CASES,
  expectOptionsRefused,
  HOSTILE_HEADER_CASES,
  holdRefusedPort,
  thrownBy,
} from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoptraceClientInterceptor, hoptraceServerInterceptor } from '../src/index.js';
import { call } from './calls.js';
import {
  EchoClient,
  type EchoClientInstance,
  type Message,
  type RunningServer,
  startServer,
} from './echo-service.js';

const seenId = (): string => tryGetContext()?.requestId ?? 'none';

describe('many calls at once', () => {
  let downstream: RunningServer;
  let server: RunningServer;
  beforeAll(async () => {
    downstream = await startServer(
      {
        async unary(_call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
          await delay(Math.random() * 3);
          callback(null, { seen: seenId() });
        },
      },
      [hoptraceServerInterceptor()],
    );
    const client = downstream.client([hoptraceClientInterceptor()]) as unknown as {
      unary(request: Message, callback: (error: unknown, response?: Message) => void): void;
    };
    server = await startServer(
      {
        async unary(_call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
          const before = seenId();
          await delay(Math.random() * 5);
          // Callback style: the callback must run in this call's context too.
          client.unary({}, (error, response) => {
            callback(null, {
              before,
              after: seenId(),
              downstream: error === null ? response?.seen : 'error',
            });
          });
        },
      },
      [hoptraceServerInterceptor()],
    );
  });
  afterAll(async () => {
    await server.close();
    await downstream.close();
  });

  it('2,000 calls, 100 at a time, random delays: each handler sees its own ID, and so does the next hop', async () => {
    const client = server.client();
    const wrong: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 2000) {
        const id = `leak-${next++}`;
        const metadata = new Metadata();
        metadata.set('x-request-id', id);
        const result = await call(client, 'unary', metadata, [{}]);
        const answer = result.messages[0] ?? {};
        if (
          answer.before !== id ||
          answer.after !== id ||
          answer.downstream !== id ||
          result.headers?.get('x-request-id')[0] !== id
        ) {
          wrong.push(`${id}: ${JSON.stringify(answer)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    expect(wrong.slice(0, 5)).toEqual([]);
  }, 120_000);
});

/** The name and value of a raw header line of the hostile table (continuations kept raw). */
function entriesOf(lines: readonly string[]): [string, string][] {
  const entries: [string, string][] = [];
  for (const line of lines) {
    const last = entries.at(-1);
    if (/^[ \t]/.test(line) && last !== undefined) {
      last[1] += `\r\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    entries.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return entries;
}

/** Sends a unary call of the echo service over bare HTTP/2, with `headers` as they are. */
function rawCall(
  port: number,
  headers: [string, string][],
): Promise<{ text: string } | { refused: string }> {
  return new Promise((resolve) => {
    const session = connect(`http://127.0.0.1:${port}`);
    session.on('error', (error: Error) => resolve({ refused: error.message }));
    const outgoing: Record<string, string | string[]> = {};
    for (const [name, value] of headers) {
      const had = outgoing[name];
      outgoing[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
    }
    let request: ReturnType<typeof session.request>;
    try {
      request = session.request({
        ':method': 'POST',
        ':path': '/hoptrace.test.Echo/Unary',
        'content-type': 'application/grpc',
        te: 'trailers',
        ...outgoing,
      });
    } catch (error) {
      session.close();
      resolve({ refused: (error as Error).message });
      return;
    }
    const chunks: string[] = [];
    request.on('response', (head) => chunks.push(JSON.stringify(head)));
    request.on('trailers', (trailers) => chunks.push(JSON.stringify(trailers)));
    request.on('data', (data: Buffer) => chunks.push(data.subarray(5).toString('latin1')));
    request.on('error', (error: Error) => resolve({ refused: error.message }));
    request.on('close', () => {
      session.close();
      resolve({ text: chunks.join('\n') });
    });
    const body = Buffer.from('{}');
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    request.end(frame);
  });
}

describe('hostile metadata', () => {
  let server: RunningServer;
  let downstream: RunningServer;
  const forwarded: string[][] = [];
  beforeAll(async () => {
    downstream = await startServer(
      {
        unary(call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
          forwarded.push(Object.keys(call.metadata.getMap()));
          callback(null, {});
        },
      },
      [],
    );
    const client = downstream.client([hoptraceClientInterceptor()]) as unknown as {
      unary(request: Message, callback: (error: unknown) => void): void;
    };
    server = await startServer(
      {
        unary(_call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
          const requestId = seenId();
          client.unary({}, () =>
            callback(null, { requestId, context: JSON.stringify(tryGetContext()) }),
          );
        },
      },
      [hoptraceServerInterceptor({ forwardHeaders: ['x-fwd-*'] })],
    );
  });
  afterAll(async () => {
    await server.close();
    await downstream.close();
  });

  it.each(HOSTILE_HEADER_CASES.map((one) => [one.name, one] as const))(
    '%s: answered, never echoed',
    async (_name, hostile) => {
      const entries = entriesOf(hostile.lines);
      const metadata = new Metadata();
      let legal = true;
      try {
        for (const [name, value] of entries) metadata.add(name, value);
      } catch {
        legal = false;
      }
      if (legal) {
        const result = await call(server.client(), 'unary', metadata, [{}]);
        // Past grpc-js's metadata size limit (8 KiB by default) the transport answers
        // RESOURCE_EXHAUSTED before any handler runs, as Node's parser answers 431.
        if (result.error !== undefined) expect(result.error.code).toBe(status.RESOURCE_EXHAUSTED);
        const answer = result.messages[0] ?? { requestId: 'refused-by-the-transport' };
        expect(String(answer.requestId)).toMatch(/^[\w.~:;=+/@-]{1,200}$/);
        const everything = `${JSON.stringify(answer)}${JSON.stringify(result.headers?.toJSON())}${JSON.stringify(result.trailers?.toJSON())}`;
        expect(everything).not.toContain(hostile.mustNotEcho);
      } else {
        // What grpc-js's own Metadata refuses, sent over bare HTTP/2 (Node may refuse it too).
        const result = await rawCall(server.port, entries);
        if ('text' in result) expect(result.text).not.toContain(hostile.mustNotEcho);
      }
    },
  );

  it('-bin keys are never read as ours, nor forwarded by a forwardHeaders prefix', async () => {
    const metadata = new Metadata();
    metadata.set('x-request-id-bin', Buffer.from('bin-id'));
    metadata.set(
      'traceparent-bin',
      Buffer.from('00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01'),
    );
    metadata.set('x-fwd-secret-bin', Buffer.from('secret'));
    metadata.set('x-fwd-plain', 'kept');
    forwarded.length = 0;
    const result = await call(server.client(), 'unary', metadata, [{}]);
    const answer = result.messages[0] ?? {};
    expect(answer.requestId).not.toBe('bin-id');
    expect(String(answer.context)).not.toContain('80f198ee56343ba864fe8b2a57d3eff7');
    expect(forwarded[0]).toContain('x-fwd-plain');
    expect(forwarded[0]).not.toContain('x-fwd-secret-bin');
  });

  it('1,000 repeated keys: refused by the transport or answered, never a crash; read alone, a fresh ID', async () => {
    const metadata = new Metadata();
    for (let index = 0; index < 1000; index++) {
      metadata.add('x-request-id', `id${index}`);
      metadata.add('tracestate', `k${index}=v`);
    }
    // Node's HTTP/2 takes 128 header pairs by default (maxHeaderListPairs): the session refuses
    // the rest before grpc-js or hoptrace see them, and the client gets RESOURCE_EXHAUSTED.
    const result = await call(server.client(), 'unary', metadata, [{}]);
    if (result.error !== undefined) expect(result.error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(JSON.stringify(result.error?.metadata.toJSON() ?? {})).not.toContain('id1');
    // What hoptrace does with them when they do arrive (a Metadata made in process).
    const context = extract(metadata);
    expect(context.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.rejected).toContainEqual(expect.objectContaining({ header: 'x-request-id' }));
    // And the server still answers.
    const after = await call(server.client(), 'unary', new Metadata(), [{}]);
    expect(after.error).toBeUndefined();
  });
});

describe('deadlines, cancellations and observations', () => {
  const records: Observation[] = [];
  const cancelledIn: string[] = [];
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      {
        unary(call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
          if (call.request.fail === true) callback({ code: status.NOT_FOUND, details: 'none' });
          else callback(null, {});
        },
        serverStream(call: ServerWritableStream<Message, Message>) {
          // Never answers: the deadline or the client ends it.
          call.on('cancelled', () => cancelledIn.push(seenId()));
        },
        bidi(call: ServerDuplexStream<Message, Message>) {
          call.on('data', () => call.write({}));
          call.on('cancelled', () => cancelledIn.push(seenId()));
        },
      },
      [
        hoptraceServerInterceptor({
          observe: { observer: (record) => records.push(record), service: 'grpc-server' },
        }),
      ],
    );
  });
  afterAll(() => server.close());

  const observing = (): EchoClientInstance =>
    server.client([
      hoptraceClientInterceptor({
        target: server.target,
        observe: { observer: (record) => records.push(record), service: 'grpc-client' },
      }),
    ]);

  it('a deadline: the server cancelled event and the client callback are in their contexts; UT and 504', async () => {
    records.length = 0;
    cancelledIn.length = 0;
    const client = observing();
    const result = await runWithContext(extract({ 'x-request-id': 'deadline-1' }), async () => {
      const done = await call(client, 'serverStream', new Metadata(), [{}], {
        deadline: Date.now() + 150,
      });
      return { done, after: seenId() };
    });
    expect(result.done.error?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(result.after).toBe('deadline-1');
    await delay(200);
    expect(cancelledIn).toEqual(['deadline-1']);
    const server = records.find((record) => record.hoptrace === 'server');
    const client_ = records.find((record) => record.hoptrace === 'client');
    expect(server).toMatchObject({
      requestId: 'deadline-1',
      grpcStatus: status.DEADLINE_EXCEEDED,
      status: 504,
      route: '/hoptrace.test.Echo/ServerStream',
      httpVersion: '2.0',
      service: 'grpc-server',
    });
    expect(client_).toMatchObject({
      requestId: 'deadline-1',
      grpcStatus: status.DEADLINE_EXCEEDED,
      failure: 'UT',
      status: null,
    });
  });

  it('a cancellation: the server cancelled event in its context; DC on the client', async () => {
    records.length = 0;
    cancelledIn.length = 0;
    const client = observing() as unknown as {
      bidi(metadata: Metadata): NodeJS.EventEmitter & { write(m: Message): void; cancel(): void };
    };
    const seenOnError = await runWithContext(
      extract({ 'x-request-id': 'cancel-1' }),
      () =>
        new Promise<string>((resolve) => {
          const stream = client.bidi(new Metadata());
          stream.on('data', () => stream.cancel());
          stream.on('error', () => resolve(seenId()));
          stream.write({});
        }),
    );
    expect(seenOnError).toBe('cancel-1');
    await delay(200);
    expect(cancelledIn).toEqual(['cancel-1']);
    expect(records.find((record) => record.hoptrace === 'client')).toMatchObject({
      failure: 'DC',
      grpcStatus: status.CANCELLED,
    });
    expect(records.find((record) => record.hoptrace === 'server')).toMatchObject({
      requestId: 'cancel-1',
      grpcStatus: status.CANCELLED,
      status: 0,
    });
  });

  it('answered calls: OK and NOT_FOUND, the echoed ID matched, the peer, the target', async () => {
    records.length = 0;
    const client = observing();
    await runWithContext(extract({ 'x-request-id': 'observed-1' }), async () => {
      await call(client, 'unary', new Metadata(), [{}]);
      await call(client, 'unary', new Metadata(), [{ fail: true }]);
    });
    await delay(20);
    const clients = records.filter((record) => record.hoptrace === 'client');
    const servers = records.filter((record) => record.hoptrace === 'server');
    expect(clients).toMatchObject([
      {
        requestId: 'observed-1',
        echoedRequestId: 'observed-1',
        matched: true,
        status: 200,
        grpcStatus: 0,
        failure: null,
        target: { host: '127.0.0.1', port: server.port },
        remote: { address: '127.0.0.1', port: server.port },
        service: 'grpc-client',
      },
      {
        requestId: 'observed-1',
        echoedRequestId: 'observed-1',
        matched: true,
        status: 404,
        grpcStatus: status.NOT_FOUND,
        failure: null,
      },
    ]);
    expect(servers).toMatchObject([
      {
        requestId: 'observed-1',
        status: 200,
        grpcStatus: 0,
        method: 'POST',
        route: '/hoptrace.test.Echo/Unary',
        local: { address: '127.0.0.1', port: server.port },
      },
      { requestId: 'observed-1', status: 404, grpcStatus: status.NOT_FOUND, reusedSocket: true },
    ]);
  });

  it('a server that is not there: UF on the client', async () => {
    const refused = await holdRefusedPort();
    try {
      records.length = 0;
      const target = `127.0.0.1:${refused.port}`;
      const client = new EchoClient(
        target,
        (await import('@grpc/grpc-js')).credentials.createInsecure(),
        {
          interceptors: [
            hoptraceClientInterceptor({ target, observe: (record) => records.push(record) }),
          ],
        },
      ) as EchoClientInstance;
      const result = await runWithContext(extract({ 'x-request-id': 'refused-1' }), () =>
        call(client, 'unary', new Metadata(), [{}], { deadline: Date.now() + 5000 }),
      );
      client.close();
      expect(result.error?.code).toBe(status.UNAVAILABLE);
      await delay(20);
      expect(records).toMatchObject([
        {
          hoptrace: 'client',
          requestId: 'refused-1',
          failure: 'UF',
          status: null,
          echoedRequestId: null,
          matched: false,
        },
      ]);
    } finally {
      await refused.release();
    }
  });
});

describe('propagateTo and options', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      {
        unary(call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) {
          callback(null, { got: call.metadata.get('x-request-id')[0] ?? null });
        },
      },
      [],
    );
  });
  afterAll(() => server.close());

  it.each([
    [['127.0.0.1'], true],
    [[`127.0.0.1:${0}`.replace(':0', ':1')], false],
    [['*.svc.cluster.local'], false],
    [[/^127\./], true],
    [(target: { host: string }) => target.host === '127.0.0.1', true],
  ] as const)('propagateTo %o on the channel target: %s', async (propagateTo, sent) => {
    const client = server.client([
      hoptraceClientInterceptor({ target: server.target, propagateTo: propagateTo as never }),
    ]);
    const result = await runWithContext(extract({ 'x-request-id': 'judged-1' }), () =>
      call(client, 'unary', new Metadata(), [{}]),
    );
    expect(result.messages[0]?.got ?? null).toBe(sent ? 'judged-1' : null);
  });

  it('refuses bad options when the interceptor is made, naming the option', () => {
    for (const [given, option, described] of BAD_OPTION_CASES) {
      expectOptionsRefused(
        thrownBy(() => hoptraceServerInterceptor(given as never)),
        option,
        described,
      );
      expectOptionsRefused(
        thrownBy(() => hoptraceClientInterceptor(given as never)),
        option,
        described,
      );
    }
    expectOptionsRefused(
      thrownBy(() => hoptraceClientInterceptor({ propagateTo: ['*.internal'] })),
      'target',
      /target/,
    );
    expectOptionsRefused(
      thrownBy(() => hoptraceClientInterceptor({ target: 'a:1', propagateTo: ['*.'] })),
      'propagateTo',
      /\*\./,
    );
    expectOptionsRefused(
      thrownBy(() => hoptraceClientInterceptor({ outsideContext: 'always' as never })),
      'outsideContext',
      /skip/,
    );
  });
});
