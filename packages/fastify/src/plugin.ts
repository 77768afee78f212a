import { type HoptraceOptions, HoptraceOptionsError } from '@hoptrace/core';
import {
  type ContextSlot,
  checkOptions,
  createHoptrace,
  extractServerRequest,
  handleDiagnosticsAndObservation,
  openedBefore,
} from '@hoptrace/core/adapter';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import { keepRequestIdOnHijack } from './hijacked-reply.js';
import {
  declareScope,
  hasScope,
  openScope,
  reenterScope,
  reenterScopeOnError,
  reenterScopeWithPayload,
} from './request-scope.js';
import { sameOptions } from './same-options.js';
import { hoptraceServerOptions, serverOptionsOf } from './server-options.js';

/**
 * The options of the {@link hoptrace} plugin: core's {@link HoptraceOptions} (defaults:
 * `x-request-id`, every format, `forward` mode), the same object `hoptraceServerOptions` gets.
 * Fastify's own register options (`prefix`, `logLevel`, `logSerializers`) may be passed
 * alongside and are left to Fastify.
 *
 * @example
 * ```ts
 * const options: FastifyHoptraceOptions = { requestIdHeader: 'x-correlation-id', mode: 'child' };
 * const app = Fastify(hoptraceServerOptions(options));
 * await app.register(hoptrace, options);
 * ```
 */
export type FastifyHoptraceOptions = HoptraceOptions;

/** The route pattern Fastify matched (`/orders/:id`), read when the response is done. */
function fastifyRoute(request: FastifyRequest): string | undefined {
  const url: unknown = request.routeOptions?.url;
  return typeof url === 'string' ? url : undefined;
}

/** Keys Fastify reads from the options of `register` itself; not hoptrace options. */
const REGISTER_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers']);

function hoptraceOptionsOf(options: Record<string, unknown>): HoptraceOptions {
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    if (!REGISTER_OPTIONS.has(key)) own[key] = options[key];
  }
  return own as HoptraceOptions;
}

/**
 * Throws when the server was built with {@link hoptraceServerOptions} given other options than
 * the plugin: its `genReqId` and the plugin would decide request IDs by different rules, and
 * `request.id` could differ from the ID on the response. Returns whether the server was built with
 * them (its `genReqId` then binds every raw request to its context before Fastify adds its own
 * response listeners).
 */
function checkServerOptions(fastify: FastifyInstance, options: HoptraceOptions): boolean {
  const serverOptions = serverOptionsOf((fastify as { genReqId?: unknown }).genReqId);
  if (serverOptions !== undefined && !sameOptions(serverOptions, options)) {
    throw new HoptraceOptionsError(
      'options',
      'differ from those given to hoptraceServerOptions(): give both the same options, so that request.id and the response header are the same ID',
    );
  }
  return serverOptions !== undefined;
}

function hoptracePlugin(
  fastify: FastifyInstance,
  pluginOptions: FastifyHoptraceOptions,
  done: (error?: Error) => void,
): void {
  // Everything that can throw (a bad option, a second registration's decorators) must reach
  // `done`: a throw out of a callback plugin leaves Fastify waiting for it until its timeout.
  try {
    // Before the copy that sets Fastify's register options aside: it would make `42` or `[]`
    // `{}` and a string its characters. (Fastify itself turns `null` into `{}`.)
    checkOptions(pluginOptions);
    const options = hoptraceOptionsOf((pluginOptions ?? {}) as Record<string, unknown>);
    if (!installedAlready(fastify, options)) install(fastify, options);
  } catch (error) {
    done(error as Error);
    return;
  }
  done();
}

/** The options the plugin was installed with, on the instance it decorated. */
const INSTALLED_OPTIONS = Symbol('hoptrace.installedOptions');

/**
 * A second registration (the app and a plugin that both register hoptrace, or one repeated in an
 * encapsulated context, which sees the first one's decorators and hooks) adds nothing: the
 * requests are already served. Given other options, it is refused, since one of the two would be
 * silently ignored.
 */
function installedAlready(fastify: FastifyInstance, options: HoptraceOptions): boolean {
  if (!fastify.hasDecorator(INSTALLED_OPTIONS)) return false;
  const installed = (fastify as unknown as Record<symbol, HoptraceOptions>)[INSTALLED_OPTIONS];
  if (installed !== undefined && sameOptions(installed, options)) return true;
  throw new HoptraceOptionsError(
    'options',
    'differ from those of the hoptrace plugin already registered on this app: register it once, or give every registration the same options',
  );
}

/**
 * The plugin registered without {@link hoptraceServerOptions}, on an app that kept Fastify's
 * default request IDs (Fastify 5's default, or `requestIdHeader: false` on Fastify 4): the plugin
 * installs the same `genReqId` itself with `setGenReqId`, so the plain registration costs what the
 * recommended one does and `request.id` is the request ID too. Raced against bare Fastify (Node
 * 24), the plugin alone kept 0.817 of bare's req/s where the plugin with the server options kept
 * 1.006: without `genReqId` binding the raw request first, the plugin must re-enter the request's
 * scope in `onResponse`. An app with its own `genReqId`, or a `requestIdHeader` (Fastify 4's
 * default), keeps it: it is told once, at registration, what the server options would give.
 */
function adoptGenReqId(fastify: FastifyInstance, options: HoptraceOptions): boolean {
  const current = (fastify as { genReqId?: unknown }).genReqId;
  const setGenReqId = (fastify as { setGenReqId?: unknown }).setGenReqId;
  if (typeof current === 'function' && current.name === 'defaultGenReqId') {
    if (typeof setGenReqId === 'function') {
      setGenReqId.call(fastify, hoptraceServerOptions(options).genReqId);
      return true;
    }
  }
  fastify.log.info(
    'hoptrace: registered without hoptraceServerOptions(): Fastify({ ...hoptraceServerOptions() }) makes request.id the request ID and spares a hook per request',
  );
  return false;
}

function install(fastify: FastifyInstance, options: HoptraceOptions): void {
  const engine = createHoptrace(options);
  fastify.decorate(INSTALLED_OPTIONS, options);
  const boundByGenReqId = checkServerOptions(fastify, options) || adoptGenReqId(fastify, options);
  const headerName = engine.options.requestIdHeader;
  let hijackKept = false;

  declareScope(fastify);

  /**
   * Reads the request ID (or takes the scope genReqId opened) and sets the header (and, with
   * `observe`, records the pair when the response is done). `openScope` then makes the scope
   * `request.hoptrace`'s.
   */
  function begin(request: FastifyRequest, reply: FastifyReply): ContextSlot {
    const raw = request.raw;
    // The same core call on both paths (genReqId and here), so a trust decision cannot differ.
    const scope = openedBefore(raw) ?? extractServerRequest(engine, raw);
    // On the reply, not the raw response: Fastify merges reply headers into every writeHead (404s,
    // error handlers, replies sent by a later hook) on Node's fast path; hijacked replies get it
    // from keepRequestIdOnHijack.
    reply.header(headerName, scope.requestId);
    if (!hijackKept) {
      hijackKept = true;
      keepRequestIdOnHijack(fastify, headerName, reply);
    }
    handleDiagnosticsAndObservation(engine, scope, {
      request: raw,
      response: reply.raw,
      readRoute: fastifyRoute,
      routeSource: request,
    });
    return scope;
  }

  fastify.addHook('onRequest', function hoptraceOnRequest(request, reply, next) {
    openScope(reply, begin(request, reply), next);
  });
  fastify.addHook('preParsing', reenterScopeWithPayload);
  fastify.addHook('preValidation', reenterScope);
  fastify.addHook('preHandler', reenterScope);
  fastify.addHook('preSerialization', reenterScopeWithPayload);
  fastify.addHook('onSend', function hoptraceOnSend(request, reply, payload, next) {
    if (hasScope(request)) {
      reenterScopeWithPayload(request, reply, payload, next);
      return;
    }
    // hoptrace's onRequest never ran: an onRequest hook added before this plugin (an auth check
    // registered first) answered. The answer still gets the ID, and the rest of the response
    // (onSend, onResponse) runs in the context.
    openScope(reply, begin(request, reply), () => next(null, payload));
  });
  fastify.addHook('onError', reenterScopeOnError);
  // onResponse runs from the raw response's `finish`, through a listener Fastify adds right after
  // genReqId: with hoptraceServerOptions, genReqId has bound the request by then, so that listener
  // runs in the context on its own, and a hook here would only make Fastify set up its response
  // listeners for every request (about two points of a hello-world's throughput).
  if (!boundByGenReqId) fastify.addHook('onResponse', reenterScope);
}

/**
 * The hoptrace plugin for Fastify 4 and 5 (built with `fastify-plugin`, so it applies to the
 * whole app, not only to routes registered inside it). For every request it:
 *
 * - reads and validates the request ID and the B3 / W3C trace headers (or reuses what
 *   {@link hoptraceServerOptions}'s `genReqId` read), and sets `request.hoptrace`;
 * - puts the request ID on the response in `onRequest`, so every answer carries it: 404s, error
 *   responses, replies sent from a hook (also from an `onRequest` hook added before the plugin,
 *   through its `onSend` hook);
 * - makes the context current in every hook from `onRequest` to `onResponse` and in the handler:
 *   it re-enters the request's async scope at the start of every phase, so a step that resumed
 *   from elsewhere (body parsing, a callback from a pooled client, the response's `finish`
 *   event) does not lose it, and binds listeners added to `request.raw` and `reply.raw` (body
 *   `data`/`end`, `finish`) to it. `getContext()` returns this request's context there.
 *
 * Register it first, before the plugins and hooks that should see the context: Fastify runs
 * hooks in the order they were added. A second registration with the same options does nothing;
 * one with other options is refused (`HoptraceOptionsError`).
 *
 * Options are core's {@link HoptraceOptions}, validated when the plugin is registered (a bad one,
 * options that are not a plain object, or an unknown key at any depth, makes `register` reject
 * with `HoptraceOptionsError` naming it, never a request). With
 * {@link hoptraceServerOptions}, give both the same options.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { getContext, hoptrace, hoptraceServerOptions } from '@hoptrace/fastify';
 *
 * const app = Fastify({ logger: true, ...hoptraceServerOptions() });
 * await app.register(hoptrace);
 * app.post('/orders', async (request) => {
 *   await saveOrder(request.body);
 *   return { requestId: getContext().requestId }; // === request.id === request.hoptrace.requestId
 * });
 * ```
 */
export const hoptrace: FastifyPluginCallback<FastifyHoptraceOptions> = fastifyPlugin(
  hoptracePlugin,
  { name: 'hoptrace', fastify: '4.x || 5.x' },
);
