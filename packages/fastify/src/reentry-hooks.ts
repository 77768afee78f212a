import type { FastifyInstance, RouteOptions } from 'fastify';
import { reenterScope, reenterScopeWithPayload } from './request-scope.js';

/**
 * The phases whose hooks can continue from a callback that lost the request's context, which
 * every step up to the handler then inherits. hoptrace's own `onRequest` runs first and calls
 * `next` inside the scope, so only hooks after it count.
 */
const BEFORE_HANDLER_HOOKS: ReadonlySet<string> = new Set([
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
]);

/**
 * Where hoptrace re-enters once something before the handler may have lost the context: the start
 * of every phase from there to the handler, so each later hook, the body parser and the handler
 * (also a 404 handler, which no route option reaches) run in it.
 */
const BEFORE_HANDLER_REENTRY = [
  ['preParsing', reenterScopeWithPayload],
  ['preValidation', reenterScope],
  ['preHandler', reenterScope],
] as const;

type AddHook = (this: FastifyInstance, name: string, hook: unknown) => FastifyInstance;

/** A route option's hooks of one phase (a function, an array or nothing) as a list. */
function hookList(hooks: unknown): readonly unknown[] {
  if (hooks === undefined || hooks === null) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/** `hooks` with `reenter` in front, once (Fastify builds a HEAD route from its GET's options). */
function withReentryFirst(reenter: unknown, hooks: unknown): unknown[] {
  const list = hookList(hooks);
  return list[0] === reenter ? [...list] : [reenter, ...list];
}

/**
 * Adds hoptrace's re-entry hooks only where the context can have been lost, so that a route
 * without hooks of its own pays for none of them. Fastify skips a phase that has no hooks, and
 * a hook in each of `preParsing`, `preValidation` and `preHandler` was about 1.3% of a
 * hello-world's instructions on Node 20 for a GET that never left the scope (`bench/README.md`).
 *
 * Without app hooks, nothing between hoptrace's `onRequest` and the handler can lose the context:
 * the rest of the lifecycle runs inside the scope `onRequest` opened, and the body parser's
 * callback is bound by Fastify itself (an `AsyncResource` made when parsing starts, fastify#3571).
 * What can lose it is application code calling back from elsewhere, so hoptrace re-enters:
 *
 * - in `preParsing`, `preValidation` and `preHandler` of an instance (and its children) once a hook
 *   is added to it in any of `onRequest`, `preParsing`, `preValidation` or `preHandler`: seen
 *   through `addHook`, which this wraps on the instance the plugin is registered on, so every
 *   encapsulated child inherits the wrapper. The re-entry is added before the app's hook, in the
 *   order Fastify runs them;
 * - in `preSerialization` of an instance once a hook is added to it in that phase (the handler may
 *   have called `reply.send()` from a callback);
 * - in the same phases of one route, ahead of its own hooks, when its route options carry hooks
 *   (`onRoute`).
 *
 * `onSend` and `onError` keep their hooks on every route (see the plugin).
 *
 * @example
 * ```ts
 * reenterWhereContextCanBeLost(fastify); // after the plugin's own hooks
 * ```
 */
export function reenterWhereContextCanBeLost(fastify: FastifyInstance): void {
  const addHook = fastify.addHook as unknown as AddHook;
  // Per instance, own: a child copies its parent's hooks when it is created, which may be before
  // the parent's re-entry is added, so a child adds its own (a second one costs one store read).
  const beforeHandler = new WeakSet<FastifyInstance>();
  const beforeSerialization = new WeakSet<FastifyInstance>();

  function addHookAfterReentry(this: FastifyInstance, name: string, hook: unknown) {
    if (typeof hook === 'function') {
      if (BEFORE_HANDLER_HOOKS.has(name) && !beforeHandler.has(this)) {
        beforeHandler.add(this);
        for (const [phase, reenter] of BEFORE_HANDLER_REENTRY) addHook.call(this, phase, reenter);
      } else if (name === 'preSerialization' && !beforeSerialization.has(this)) {
        beforeSerialization.add(this);
        addHook.call(this, 'preSerialization', reenterScopeWithPayload);
      }
    }
    return addHook.call(this, name, hook);
  }
  (fastify as unknown as { addHook: AddHook }).addHook = addHookAfterReentry;

  addHook.call(fastify, 'onRoute', function hoptraceOnRoute(route: RouteOptions) {
    const options = route as unknown as Record<string, unknown>;
    const hasHooks = (phase: string) => hookList(options[phase]).length > 0;
    if ([...BEFORE_HANDLER_HOOKS].some(hasHooks)) {
      for (const [phase, reenter] of BEFORE_HANDLER_REENTRY) {
        options[phase] = withReentryFirst(reenter, options[phase]);
      }
    }
    if (hasHooks('preSerialization')) {
      options.preSerialization = withReentryFirst(
        reenterScopeWithPayload,
        options.preSerialization,
      );
    }
  });
}
