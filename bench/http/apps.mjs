// The servers the HTTP benchmark compares, per framework: a bare hello-world, the same with
// hoptrace, with cls-rtracer, and with a hand-written AsyncLocalStorage middleware (the floor:
// open a store, echo the ID, nothing else). Every handler reads the request ID, as a real one would.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

const floorStorage = new AsyncLocalStorage();
const floorId = (headers) => {
  const id = headers['x-request-id'];
  return typeof id === 'string' && id !== '' ? id : randomUUID();
};
const rTracerOptions = { useHeader: true, headerName: 'x-request-id', echoHeader: true };

/**
 * hoptrace's options per variant: `hoptrace-observe` turns observations on with an observer that
 * only counts, to show what recording a ServerObservation per request costs (and, against
 * `hoptrace`, that with it off nothing is paid).
 */
let observed = 0;
function hoptraceOptions(variant) {
  return variant === 'hoptrace-observe' ? { observe: () => observed++ } : {};
}

const HOPTRACE_VARIANTS = new Set([
  'hoptrace',
  'hoptrace-observe',
  'hoptrace-trace',
  'hoptrace-plugin-only',
]);

/**
 * How a hoptrace handler reads the request: the request ID (which leaves the trace headers
 * unread: core's ContextSlot), or, for `hoptrace-trace`, the whole context, as a handler that
 * logs its trace ID or calls another service does (every trace header read and validated).
 */
async function hoptraceRead(variant) {
  const { getContext, getRequestId } = await import('@hoptrace/core');
  if (variant !== 'hoptrace-trace') return () => getRequestId();
  return () => {
    const context = getContext();
    return `${context.requestId} ${context.traceId}`;
  };
}

/**
 * The one middleware `variant` adds to an Express or Koa app, and how the handler then reads the
 * request ID; `undefined` for the bare app. `floor` is the framework's als-floor middleware.
 */
async function middlewareVariant(framework, variant, floor) {
  if (HOPTRACE_VARIANTS.has(variant)) {
    const { hoptrace } = await import(`@hoptrace/${framework}`);
    return { middleware: hoptrace(hoptraceOptions(variant)), read: await hoptraceRead(variant) };
  }
  if (variant === 'cls-rtracer') {
    const { default: rTracer } = await import('cls-rtracer');
    const middleware = rTracer[`${framework}Middleware`](rTracerOptions);
    return { middleware, read: () => rTracer.id() };
  }
  if (variant === 'als-floor') return { middleware: floor, read: () => floorStorage.getStore() };
  return undefined;
}

async function express(variant) {
  const { default: createApp } = await import('express');
  const app = createApp();
  app.set('etag', false);
  app.set('x-powered-by', false);
  const chosen = await middlewareVariant('express', variant, (request, response, next) => {
    const id = floorId(request.headers);
    response.setHeader('x-request-id', id);
    floorStorage.run(id, next);
  });
  if (chosen !== undefined) app.use(chosen.middleware);
  const read = chosen?.read ?? ((request) => request.headers['x-request-id'] ?? 'none');
  app.get('/', (request, response) => {
    response.end(`hello ${read(request)}`);
  });
  return (port) =>
    new Promise((resolve) => {
      const server = app.listen(port, '127.0.0.1', () => resolve(server));
    });
}

async function koa(variant) {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  const chosen = await middlewareVariant('koa', variant, (ctx, next) => {
    const id = floorId(ctx.req.headers);
    ctx.set('x-request-id', id);
    return floorStorage.run(id, next);
  });
  if (chosen !== undefined) app.use(chosen.middleware);
  const read = chosen?.read ?? ((ctx) => ctx.get('x-request-id') || 'none');
  app.use((ctx) => {
    ctx.body = `hello ${read(ctx)}`;
  });
  return (port) =>
    new Promise((resolve) => {
      const server = app.listen(port, '127.0.0.1', () => resolve(server));
    });
}

async function fastify(variant) {
  const { default: Fastify } = await import('fastify');
  let read = (request) => request.headers['x-request-id'] ?? 'none';
  let app;
  if (HOPTRACE_VARIANTS.has(variant)) {
    const { hoptrace, hoptraceServerOptions } = await import('@hoptrace/fastify');
    const options = hoptraceOptions(variant);
    // `hoptrace-plugin-only`: the plugin registered alone, the first thing a user tries.
    app = Fastify(variant === 'hoptrace-plugin-only' ? {} : { ...hoptraceServerOptions(options) });
    await app.register(hoptrace, options);
    read = await hoptraceRead(variant);
  } else if (variant === 'cls-rtracer') {
    const { default: rTracer } = await import('cls-rtracer');
    app = Fastify();
    await app.register(rTracer.fastifyPlugin, rTracerOptions);
    read = () => rTracer.id();
  } else if (variant === 'als-floor') {
    app = Fastify();
    app.addHook('onRequest', (request, reply, done) => {
      const id = floorId(request.headers);
      reply.header('x-request-id', id);
      floorStorage.run(id, done);
    });
    read = () => floorStorage.getStore();
  } else {
    app = Fastify();
  }
  app.get('/', (request, reply) => {
    reply.send(`hello ${read(request)}`);
  });
  await app.ready();
  return async (port) => {
    await app.listen({ port, host: '127.0.0.1' });
    return app.server;
  };
}

/** Builds the app for `framework` and `variant`; resolves to a function that listens on a port. */
export async function buildApp(framework, variant) {
  const builders = { express, koa, fastify };
  const build = builders[framework];
  if (build === undefined) throw new Error(`unknown framework ${framework}`);
  return build(variant === 'bare-control' ? 'bare' : variant);
}
