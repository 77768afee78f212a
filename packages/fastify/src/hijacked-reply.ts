import type { FastifyInstance, FastifyReply } from 'fastify';

/** On a Fastify instance (and, by inheritance, its children): the request ID header's name. */
const REQUEST_ID_HEADER = Symbol.for('hoptrace.fastify.request-id-header');
/** On Fastify's root `Reply.prototype`: set once its `hijack` is wrapped. */
const WRAPPED = Symbol.for('hoptrace.fastify.hijack-wrapped');

type HijackableReply = FastifyReply & { hijack(): FastifyReply };
type MarkedInstance = FastifyInstance & { [REQUEST_ID_HEADER]?: string };
type ReplyPrototype = { hijack?: (this: FastifyReply) => FastifyReply; [WRAPPED]?: true };

/** The object in `reply`'s prototype chain that defines `hijack` (Fastify's own `Reply.prototype`). */
function replyPrototypeOf(reply: FastifyReply): ReplyPrototype | undefined {
  let prototype: unknown = Object.getPrototypeOf(reply);
  while (typeof prototype === 'object' && prototype !== null) {
    if (Object.hasOwn(prototype, 'hijack')) return prototype as ReplyPrototype;
    prototype = Object.getPrototypeOf(prototype);
  }
  return undefined;
}

/**
 * Keeps the request ID on responses written straight to `reply.raw` after `reply.hijack()`: names
 * the header for the instance that registered the plugin (and its children) and wraps `hijack` of
 * the Fastify copy `reply` comes from, once (call it with the first reply).
 *
 * Why: the plugin puts the header on the reply (`reply.header()`), not on the raw response,
 * because a header set on the raw response sends every Fastify reply down Node's slow `writeHead`
 * path (each of Fastify's headers re-set one by one): about four points of a hello-world's
 * throughput. Reply headers are not sent for a hijacked reply, so `hijack` (once per Fastify copy,
 * on its `Reply.prototype`) copies the request ID header onto the raw response first. The name
 * comes from the instance that registered the plugin, so apps with different names can share a
 * Fastify copy. Without the wrapper, `test/hijack.test.ts` "… hijacked replies > carry the
 * request ID under the header name of the app that answered" fails; setting the header on the
 * raw response of every request instead passes every test, at the four points above.
 *
 * @example
 * ```ts
 * keepRequestIdOnHijack(fastify, 'x-request-id', reply); // in onRequest, before the first hijack
 * ```
 */
export function keepRequestIdOnHijack(
  fastify: FastifyInstance,
  headerName: string,
  reply: FastifyReply,
): void {
  (fastify as MarkedInstance)[REQUEST_ID_HEADER] = headerName;
  const prototype = replyPrototypeOf(reply);
  const hijack = prototype?.hijack;
  if (prototype === undefined || typeof hijack !== 'function' || prototype[WRAPPED] === true) {
    return;
  }
  Object.defineProperty(prototype, WRAPPED, { value: true });
  prototype.hijack = function hoptraceHijack(this: FastifyReply): FastifyReply {
    const name = (this.server as MarkedInstance)[REQUEST_ID_HEADER];
    const value = name === undefined ? undefined : this.getHeader(name);
    const raw = this.raw;
    if (
      name !== undefined &&
      typeof value === 'string' &&
      !raw.headersSent &&
      !raw.hasHeader(name)
    ) {
      raw.setHeader(name, value);
    }
    return hijack.call(this as HijackableReply);
  };
}
