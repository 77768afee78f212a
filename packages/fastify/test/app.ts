import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HoptraceOptions, tryGetContext } from '@hoptrace/core';
import { close, continuations, listen, type StartedApp } from '@hoptrace/test-utils';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import type { FastifyFactory } from './fastify-versions.js';

/** Where a probe request recorded the request ID it saw in the context. */
export type Probe =
  | 'onRequest'
  | 'preParsing'
  | 'preValidation'
  | 'preHandler'
  | 'handler'
  | 'preSerialization'
  | 'onSend'
  | 'onResponse'
  | 'onError'
  | 'errorHandler'
  | 'finish'
  | 'bodyData'
  | 'bodyEnd';

/** Per request ID (the one `request.hoptrace` holds): what each probe saw, `undefined` for none. */
export type SeenByProbe = Map<string, Partial<Record<Probe, string | undefined>>>;

/** A running test app. */
export interface TestApp {
  readonly app: FastifyInstance;
  readonly port: number;
  /** Filled for requests that send an `x-probe` header. */
  readonly seen: SeenByProbe;
  close(): Promise<void>;
}

/** What the test app is built with. */
export interface TestAppOptions {
  /** Core options, given to both `hoptraceServerOptions` and the plugin. */
  readonly hoptrace?: HoptraceOptions;
  /** Spread `hoptraceServerOptions()` into the server options. Default `true`. */
  readonly serverOptions?: boolean;
  /** Extra Fastify server options (a logger). */
  readonly fastify?: FastifyServerOptions;
  /**
   * Where the probe hooks go: on the app (default), on an encapsulated plugin that also holds the
   * routes, or nowhere, leaving the routes' own hooks as the only ones.
   */
  readonly probeHooks?: 'app' | 'plugin' | 'none';
}

/** The probes a route records itself, which an app without probe hooks still has. */
export const ROUTE_PROBES: ReadonlySet<Probe> = new Set([
  'handler',
  'finish',
  'bodyData',
  'bodyEnd',
  'errorHandler',
]);

/** The request ID in the current context: what every probe and route reports. */
const currentId = (): string | undefined => tryGetContext()?.requestId;

/**
 * An emitter made at start-up, like an app-wide event bus: its listeners run in the context of
 * whoever emits, which is what the emitter tests show.
 */
export const bus = new EventEmitter();
let lastSeenByStartupListener: string | undefined;
bus.on('startup-listener', () => {
  lastSeenByStartupListener = currentId();
});

/**
 * Runs a callback in the start-up context, the way a library that keeps its own async context
 * does (a connection pool created at start-up calling back from its socket's events). Bound here,
 * at module load, so it carries no request's context.
 */
export const fromStartup = AsyncResource.bind((callback: () => void) => {
  setImmediate(callback);
});

/**
 * Builds the app every integration test uses, on Fastify 4 or 5: hoptrace registered first,
 * then a probe hook in every lifecycle phase, then the routes.
 */
export async function startTestApp(
  factory: FastifyFactory,
  options: TestAppOptions = {},
): Promise<TestApp> {
  const app = factory({
    forceCloseConnections: true,
    ...options.fastify,
    ...(options.serverOptions === false ? {} : hoptraceServerOptions(options.hoptrace)),
  });
  await app.register(hoptrace, options.hoptrace ?? {});

  const seen: SeenByProbe = new Map();
  const record = (request: FastifyRequest, probe: Probe): void => {
    if (request.headers['x-probe'] === undefined) return;
    const key = request.hoptrace.requestId;
    seen.set(key, { ...seen.get(key), [probe]: currentId() });
  };
  const build = async (instance: FastifyInstance) => {
    if (options.probeHooks !== 'none') addProbeHooks(instance, record);
    addContentTypeParsers(instance);
    addRoutes(instance, record);
    await addHandledErrorRoutes(instance, record);
  };
  if (options.probeHooks === 'plugin') await app.register(build);
  else await build(app);

  await app.ready();
  const port = await listen(app.server);
  return {
    app,
    port,
    seen,
    async close() {
      await close(app.server);
      await app.close();
    },
  };
}

/**
 * Readies `app`, starts its server on 127.0.0.1 at a port the OS picks, runs `use(port)`, then
 * closes the server (keep-alive connections ended first) and the app, whether `use` passed or not.
 */
export async function usingApp<Result>(
  app: FastifyInstance,
  use: (port: number) => Promise<Result>,
): Promise<Result> {
  await app.ready();
  const port = await listen(app.server);
  try {
    return await use(port);
  } finally {
    await close(app.server);
    await app.close();
  }
}

/**
 * Starts `app` listening on 127.0.0.1 at a port the OS picks; resolves to its port and a `close`
 * that closes the app.
 */
export async function listenApp(app: FastifyInstance): Promise<StartedApp> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    async close() {
      await app.close();
    },
  };
}

/** `/handled/sync` and `/handled/async`, answered by a custom error handler. */
async function addHandledErrorRoutes(
  app: FastifyInstance,
  record: (request: FastifyRequest, probe: Probe) => void,
): Promise<void> {
  await app.register(
    async (scope) => {
      scope.setErrorHandler((error, request, reply) => {
        record(request, 'errorHandler');
        reply.code(500).send({ handled: (error as Error).message, requestId: currentId() });
      });
      scope.get('/sync', () => {
        throw new Error('thrown');
      });
      scope.get('/async', async () => {
        await sleep(2);
        throw new Error('rejected');
      });
    },
    { prefix: '/handled' },
  );
}

/**
 * Starts the test app before the tests of the enclosing `describe` and closes it after them.
 * Returns an accessor, since the app exists only once `beforeAll` ran.
 */
export function useTestApp(factory: FastifyFactory, options: TestAppOptions = {}): () => TestApp {
  let server: TestApp | undefined;
  beforeAll(async () => {
    server = await startTestApp(factory, options);
  });
  afterAll(() => server?.close());
  return () => {
    if (server === undefined) throw new Error('the test app is not started yet');
    return server;
  };
}

function addProbeHooks(
  app: FastifyInstance,
  record: (request: FastifyRequest, probe: Probe) => void,
): void {
  // Callback and async hooks mixed, as apps mix them; the async ones also await first.
  app.addHook('onRequest', (request, _reply, done) => {
    record(request, 'onRequest');
    done();
  });
  app.addHook('preParsing', async (request, _reply, payload) => {
    await sleep(1);
    record(request, 'preParsing');
    return payload;
  });
  app.addHook('preValidation', (request, _reply, done) => {
    record(request, 'preValidation');
    done();
  });
  app.addHook('preHandler', async (request) => {
    await sleep(1);
    record(request, 'preHandler');
  });
  app.addHook('preSerialization', async (request, _reply, payload) => {
    record(request, 'preSerialization');
    return payload;
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    record(request, 'onSend');
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    record(request, 'onResponse');
    done();
  });
  app.addHook('onError', (request, _reply, _error, done) => {
    record(request, 'onError');
    done();
  });
}

function addContentTypeParsers(app: FastifyInstance): void {
  // @fastify/formbody is not installed: a minimal urlencoded parser on Fastify's own body reader
  // (`parseAs: 'string'`), which reads the body the way the JSON parser does.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );
  // The body as a stream, read by the handler itself.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => {
    done(null, payload);
  });
}

function addRoutes(
  app: FastifyInstance,
  record: (request: FastifyRequest, probe: Probe) => void,
): void {
  /** Waits `?delay=` ms, then answers the IDs in the context: the leak test's route. */
  async function leakRoute(request: FastifyRequest) {
    const { delay } = request.query as { delay?: string };
    await sleep(Number(delay ?? 0));
    const context = tryGetContext();
    return { requestId: context?.requestId, traceId: context?.traceId, spanId: context?.spanId };
  }
  app.route({ method: ['GET', 'POST'], url: '/leak', handler: leakRoute });

  /** The request ID three ways: `request.id`, `request.hoptrace` and the context (`requestId`). */
  app.get('/ids', (request) => ({
    id: request.id,
    hoptrace: request.hoptrace.requestId,
    requestId: currentId(),
  }));

  /**
   * Every probe route: reads a streamed body if there is one (`?read=events` with `data`/`end`
   * listeners, otherwise `for await`), waits `?delay=`, records, answers.
   */
  async function probeRoute(request: FastifyRequest, reply: FastifyReply) {
    const { delay, read } = request.query as { delay?: string; read?: 'events' };
    let body = request.body;
    if (isReadable(body)) {
      const stream = body;
      body = {
        bytes:
          read === 'events'
            ? await readWithEvents(stream, (probe) => record(request, probe))
            : await readWithForAwait(stream),
      };
    }
    await sleep(Number(delay ?? 0));
    reply.raw.on('finish', () => record(request, 'finish'));
    record(request, 'handler');
    return { body, requestId: currentId() };
  }
  app.route({ method: ['GET', 'POST'], url: '/probe', handler: probeRoute });

  app.get('/fail/sync', () => {
    throw new Error('thrown');
  });
  app.get('/fail/async', async () => {
    await sleep(2);
    throw new Error('rejected');
  });
  app.get('/fail/reply', (_request, reply) => {
    setImmediate(() => reply.send(new Error('sent as an error')));
  });
  app.get('/fail/hook', { preHandler: (_request, _reply, done) => done(new Error('hook')) }, () => {
    return 'unreachable';
  });
  app.get(
    '/early/on-request',
    {
      onRequest: (_request, reply) => {
        reply.code(401).send({ early: 'onRequest' });
      },
    },
    () => 'unreachable',
  );
  app.get(
    '/early/pre-handler',
    {
      preHandler: async (_request, reply) => {
        await sleep(1);
        return reply.code(403).send({ early: 'preHandler' });
      },
    },
    () => 'unreachable',
  );
  app.get('/hijack', (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(202, { 'content-type': 'text/plain' });
    reply.raw.end('hijacked');
  });

  // One after the other, each continuing from where the last one left off.
  app.get('/continuations', async () => {
    const seen: Record<string, string | undefined> = {};
    for (const [kind, continuation] of Object.entries(continuations(currentId, 2))) {
      seen[kind] = await continuation();
    }
    return seen;
  });

  // Steps that continue from a pooled client's callback, in the start-up context (see
  // `fromStartup`): hoptrace re-enters the request's scope at the next phase.
  app.get(
    '/foreign/request',
    { onRequest: (_request, _reply, done) => fromStartup(() => done()) },
    probeRoute,
  );
  app.post(
    '/foreign/parsing',
    { preParsing: (_request, _reply, payload, done) => fromStartup(() => done(null, payload)) },
    probeRoute,
  );
  app.get(
    '/foreign/validation',
    { preValidation: (_request, _reply, done) => fromStartup(() => done()) },
    probeRoute,
  );
  app.get('/foreign/send', (request, reply) => {
    reply.raw.on('finish', () => record(request, 'finish'));
    const { as } = request.query as { as?: 'text' };
    fromStartup(() =>
      reply.send(as === 'text' ? 'sent from a callback' : { sent: 'from a callback' }),
    );
  });
  app.get('/foreign/error', (_request, reply) => {
    fromStartup(() => reply.send(new Error('from a callback')));
  });
  app.get('/foreign/stream', (request, reply) => {
    reply.raw.on('finish', () => record(request, 'finish'));
    const stream = new Readable({ read() {} });
    fromStartup(() => {
      stream.push('streamed');
      stream.push(null);
    });
    return reply.type('text/plain').send(stream);
  });

  // Emitters made at start-up (see `bus`).
  app.get('/emit', () => {
    bus.emit('startup-listener');
    return { requestId: currentId(), listenerSaw: lastSeenByStartupListener };
  });
  app.get('/listen', async (request) => {
    const { trigger } = request.query as { trigger: 'request' | 'startup' };
    const plain = new Promise((resolve) => bus.once('later', () => resolve(currentId())));
    const bound = new Promise((resolve) =>
      bus.once(
        'later',
        AsyncResource.bind(() => resolve(currentId())),
      ),
    );
    if (trigger === 'startup') fromStartup(() => bus.emit('later'));
    else bus.emit('listening');
    return { requestId: currentId(), plain: await plain, bound: await bound };
  });
  app.get('/fire', () => {
    bus.emit('later');
    return { requestId: currentId() };
  });
}

async function readWithForAwait(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}

function readWithEvents(stream: Readable, record: (probe: Probe) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      record('bodyData');
      bytes += chunk.length;
    });
    stream.on('end', () => {
      record('bodyEnd');
      resolve(bytes);
    });
    stream.on('error', reject);
  });
}

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
