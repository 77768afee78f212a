import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { close, continuations, listen } from '@hoptrace/test-utils';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import Koa2 from 'koa2';
import { getContext, hoptrace, tryGetContext } from '../src/index.js';

/** The Koa constructor of either major (`koa2` is typed as `koa`, see koa2.d.ts). */
export type KoaClass = typeof Koa;

/** Both supported majors, for `describe.each`: [name, constructor, major]. */
export const KOA_MAJORS: readonly (readonly [string, KoaClass, 2 | 3])[] = [
  ['koa 3', Koa, 3],
  ['koa 2', Koa2, 2],
];

/** A UUID as `crypto.randomUUID()` makes them: what a request without a valid ID gets. */
export { FRESH_UUID } from '@hoptrace/test-utils';

/** The request ID in the current async context, or `undefined` when none is active. */
export const seenRequestId = (): string | undefined => tryGetContext()?.requestId;

/** Every kind of async continuation a handler may read the context from. */
export const CONTINUATIONS = continuations(seenRequestId);

/** One error object thrown by every request to `/shared-error`, as apps do with error constants. */
export const SHARED_ERROR = Object.assign(new Error('shared conflict'), {
  status: 409,
  expose: true,
  headers: { 'x-shared': 'yes' },
});

/** What an `app.on('error')` listener saw. */
export interface ErrorEvent {
  readonly error: Error;
  /** `getContext()` in the listener. */
  readonly seen: string | undefined;
  /** `ctx.state.requestId` of the context Koa passed. */
  readonly stateRequestId: unknown;
}

/** A started test app. */
export interface TestApp {
  readonly app: Koa;
  readonly server: Server;
  readonly port: number;
  /** What listeners saw, keyed `<what>:<request ID>`. */
  readonly recorded: Map<string, string | undefined>;
  readonly errorEvents: ErrorEvent[];
  /** An emitter made at startup, before any request. */
  readonly bus: EventEmitter;
  /** TCP connections the server accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Options of {@link startTestApp}. */
export interface TestAppOptions {
  /** The first middleware. Default `hoptrace()`. */
  readonly first?: Koa.Middleware;
  /** Koa's own AsyncLocalStorage of `ctx` (`app.currentContext`). Default off. */
  readonly asyncLocalStorage?: boolean;
}

/** What routes may use besides `ctx`. */
type RouteTools = Pick<TestApp, 'app' | 'bus' | 'recorded'>;
type Route = (ctx: Koa.Context, tools: RouteTools) => unknown;

/** Koa's own 404 is the answer to any path not listed here. */
const ROUTES: Readonly<Record<string, Route>> = {
  '/': (ctx) => {
    ctx.body = { requestId: getContext().requestId, stateRequestId: ctx.state.requestId };
  },
  '/leak': async (ctx) => {
    await sleep(Number(ctx.query.delay ?? 0));
    if (ctx.method === 'POST' && (ctx.request.body as { a?: number } | undefined)?.a !== 1) {
      ctx.throw(400, 'the body was not parsed');
    }
    const { requestId, traceId, spanId } = getContext();
    ctx.body = { requestId, traceId, spanId };
  },
  '/continuations': async (ctx) => {
    const entries = Object.entries(CONTINUATIONS);
    const seen = await Promise.all(entries.map(([, continuation]) => continuation()));
    ctx.body = Object.fromEntries(entries.map(([kind], index) => [kind, seen[index]]));
  },
  '/body': (ctx) => {
    ctx.body = { seen: seenRequestId(), body: ctx.request.body };
  },
  '/stream': async (ctx) => {
    const seen = new Set<string | undefined>();
    let bytes = 0;
    for await (const chunk of ctx.req) {
      seen.add(seenRequestId());
      bytes += (chunk as Buffer).length;
    }
    await sleep(1);
    ctx.body = { whileReading: [...seen], after: seenRequestId(), bytes };
  },
  '/finish': (ctx, { recorded }) => {
    const requestId = ctx.state.requestId;
    ctx.res.on('finish', () => recorded.set(`finish:${requestId}`, seenRequestId()));
    ctx.body = 'ok';
  },
  '/throw': () => {
    throw new Error('thrown on purpose');
  },
  '/reject': async () => {
    await sleep(5);
    throw new Error('rejected after await');
  },
  '/throw-404': (ctx) => ctx.throw(404),
  '/throw-headers': (ctx) => {
    ctx.set('x-before-throw', 'dropped by koa');
    ctx.throw(500, { headers: { 'x-custom': 'kept' } });
  },
  '/throw-own-id': (ctx) => ctx.throw(502, { headers: { 'X-Request-ID': 'set-by-the-app' } }),
  '/shared-error': () => {
    throw SHARED_ERROR;
  },
  '/frozen-error': () => {
    throw Object.freeze(Object.assign(new Error('frozen'), { status: 503 }));
  },
  '/non-error': () => Promise.reject('a plain string'),
  '/stream-error': (ctx) => {
    ctx.body = createReadStream('/nonexistent/hoptrace-koa-test');
  },
  '/emit': (ctx, { bus }) => {
    bus.emit('ping', ctx.state.requestId);
    ctx.body = 'ok';
  },
  '/subscribe': (ctx, { bus, recorded }) => {
    const requestId = ctx.state.requestId;
    const key = ctx.query.bound === undefined ? 'later' : 'later-bound';
    const listener = () => recorded.set(`${key}:${requestId}`, seenRequestId());
    bus.once('later', ctx.query.bound === undefined ? listener : AsyncResource.bind(listener));
    ctx.body = 'subscribed';
  },
  '/emit-later': (ctx, { bus }) => {
    bus.emit('later');
    ctx.body = 'ok';
  },
  '/current-context': (ctx, { app }) => {
    ctx.body = { koaCurrentContext: app.currentContext === ctx, seen: seenRequestId() };
  },
};

/**
 * Starts a Koa app on 127.0.0.1, port 0, with `first` (default `hoptrace()`) registered first
 * and then what a real app has: a middleware that answers some requests itself, an error-handling
 * middleware for `/handled/*`, koa-bodyparser, and the routes above.
 */
export async function startTestApp(
  KoaClass: KoaClass,
  options: TestAppOptions = {},
): Promise<TestApp> {
  const app = new KoaClass<Koa.DefaultState, Koa.DefaultContext>({
    asyncLocalStorage: options.asyncLocalStorage ?? false,
  });
  const tools: RouteTools = { app, bus: new EventEmitter(), recorded: new Map() };
  const errorEvents: ErrorEvent[] = [];
  const { bus, recorded } = tools;

  bus.on('ping', (emittedFor: string) => recorded.set(`ping:${emittedFor}`, seenRequestId()));
  app.on('error', (error: Error, ctx: Koa.Context) => {
    errorEvents.push({ error, seen: seenRequestId(), stateRequestId: ctx.state.requestId });
  });

  app.use(options.first ?? hoptrace());
  app.use(async (ctx, next) => {
    // Another middleware answering before any route.
    if (ctx.path === '/early') ctx.body = 'answered early';
    else if (ctx.path === '/respond-false') {
      ctx.respond = false;
      ctx.res.statusCode = 200;
      ctx.res.end('raw');
    } else await next();
  });
  app.use(async (ctx, next) => {
    // The app's own error handler, registered after hoptrace, answering with its own body.
    if (!ctx.path.startsWith('/handled/')) return next();
    try {
      await next();
    } catch (error) {
      ctx.status = 422;
      ctx.body = { handledBy: 'app', message: (error as Error).message, seen: seenRequestId() };
    }
  });
  app.use(bodyParser());
  app.use(async (ctx) => {
    const route = ROUTES[ctx.path.replace(/^\/handled/, '')];
    if (route !== undefined) await route(ctx, tools);
  });

  // Koa composes its middleware when `callback()` is called, so the server is made last.
  const server = createServer(app.callback());
  let connections = 0;
  server.on('connection', () => connections++);
  return {
    ...tools,
    server,
    port: await listen(server),
    errorEvents,
    connections: () => connections,
    close: () => close(server),
  };
}
