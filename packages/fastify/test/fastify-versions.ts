import fastify from 'fastify';
import fastify4 from 'fastify4';

/** Builds a Fastify app: Fastify 5's factory, or Fastify 4's seen through Fastify 5's types. */
export type FastifyFactory = typeof fastify;

/**
 * Both supported majors, for `describe.each`. Fastify 4 is installed under the npm alias
 * `fastify4`; its types are Fastify 4's own, and the tests use one set of types for both, so it is
 * cast to Fastify 5's factory. The runtime is Fastify 4's.
 */
export const FASTIFY_VERSIONS: readonly (readonly [string, FastifyFactory])[] = [
  ['Fastify 5', fastify],
  ['Fastify 4', fastify4 as unknown as FastifyFactory],
];
