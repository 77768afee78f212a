import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { FASTIFY_VERSIONS } from '../test/fastify-versions.js';
import { hoptrace } from './plugin.js';

type Hooks = Record<string, readonly string[]>;

/**
 * The hooks Fastify runs for `GET <path>`, by phase, as `printRoutes` lists them (its public view
 * of a route's hooks once the app is ready). The plugin's own re-entry hooks are listed by name.
 */
async function hooksOf(app: FastifyInstance, path: string): Promise<Hooks> {
  await app.ready();
  const lines = app.printRoutes({ includeHooks: true, commonPrefix: false }).split('\n');
  const start = lines.findIndex((line) => line.includes(`${path} (GET`));
  if (start === -1) throw new Error(`no route GET ${path}`);
  const hooks: Record<string, string[]> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /• \((\w+)\) (\[.*\])$/.exec(line);
    if (match === null) break;
    const [, phase = '', names = '[]'] = match;
    hooks[phase] = (JSON.parse(names) as string[]).map((name) => name.replace(/\(\)$/, ''));
  }
  return hooks;
}

/** The hooks of the phases between `onRequest` and `onSend`, where re-entry is added on demand. */
function middlePhases(hooks: Hooks): Hooks {
  const middle: Record<string, readonly string[]> = {};
  for (const phase of ['preParsing', 'preValidation', 'preHandler', 'preSerialization']) {
    const names = hooks[phase];
    if (names !== undefined) middle[phase] = names;
  }
  return middle;
}

const reentry = {
  preParsing: ['reenterScopeWithPayload'],
  preValidation: ['reenterScope'],
  preHandler: ['reenterScope'],
};

describe.each(FASTIFY_VERSIONS)(
  '%s: re-entry hooks only where the context can be lost',
  (_name, factory) => {
    async function appWith(build: (app: FastifyInstance) => void | Promise<void>) {
      const app = factory();
      await app.register(hoptrace);
      await build(app);
      return app;
    }
    const nothing = () => {};

    it('adds none before the handler or in preSerialization for an app without hooks', async () => {
      const app = await appWith((app) => {
        app.get('/plain', () => 'ok');
      });
      const hooks = await hooksOf(app, '/plain');
      expect(middlePhases(hooks)).toEqual({});
      expect(hooks.onRequest).toEqual(['hoptraceOnRequest']);
      expect(hooks.onSend).toEqual(['hoptraceOnSend']);
      expect(hooks.onError).toEqual(['reenterScopeOnError']);
    });

    it.each(['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const)(
      'puts one in front of every phase up to the handler once the app adds a %s hook',
      async (phase) => {
        const app = await appWith((app) => {
          app.addHook(phase, function appHook(
            _request: unknown,
            _reply: unknown,
            ...rest: unknown[]
          ) {
            const done = rest.at(-1) as (error: null, payload?: unknown) => void;
            done(null, rest.length === 2 ? rest[0] : undefined);
          } as never);
          app.addHook('preHandler', function secondHook(_request, _reply, done) {
            done();
          });
          app.get('/route', () => 'ok');
        });
        const expected: Record<string, string[]> = {
          preParsing: ['reenterScopeWithPayload'],
          preValidation: ['reenterScope'],
          preHandler: ['reenterScope'],
        };
        if (phase !== 'onRequest') expected[phase]?.push('appHook');
        expected.preHandler?.push('secondHook');
        const hooks = await hooksOf(app, '/route');
        expect(middlePhases(hooks)).toEqual(expected);
        if (phase === 'onRequest')
          expect(hooks.onRequest).toEqual(['hoptraceOnRequest', 'appHook']);
      },
    );

    it('puts one in front of preSerialization only when the app has hooks there', async () => {
      const app = await appWith((app) => {
        app.addHook('preSerialization', function appHook(_request, _reply, payload, done) {
          done(null, payload);
        });
        app.get('/route', () => ({ ok: true }));
      });
      expect(middlePhases(await hooksOf(app, '/route'))).toEqual({
        preSerialization: ['reenterScopeWithPayload', 'appHook'],
      });
    });

    it('adds them to an encapsulated plugin that has hooks, not to its siblings', async () => {
      const app = await appWith(async (app) => {
        await app.register(async (child) => {
          child.addHook('preValidation', function childHook(_request, _reply, done) {
            done();
          });
          child.get('/child', () => 'ok');
        });
        await app.register(async (sibling) => {
          sibling.get('/sibling', () => 'ok');
        });
        app.get('/root', () => 'ok');
      });
      expect(middlePhases(await hooksOf(app, '/child'))).toEqual({
        ...reentry,
        preValidation: ['reenterScope', 'childHook'],
      });
      expect(middlePhases(await hooksOf(app, '/sibling'))).toEqual({});
      expect(middlePhases(await hooksOf(app, '/root'))).toEqual({});
    });

    it("adds them to a route that has hooks in its options, ahead of the route's own", async () => {
      const app = await appWith((app) => {
        app.get(
          '/hooked',
          {
            onRequest: function routeHook(_request, _reply, done) {
              done();
            },
            preSerialization: [
              function routeSerialization(_request, _reply, payload, done) {
                done(null, payload);
              },
            ],
          },
          () => ({ ok: true }),
        );
        app.get('/plain', () => 'ok');
      });
      expect(middlePhases(await hooksOf(app, '/hooked'))).toEqual({
        ...reentry,
        preSerialization: ['reenterScopeWithPayload', 'routeSerialization'],
      });
      expect(middlePhases(await hooksOf(app, '/plain'))).toEqual({});
    });

    it('leaves addHook as Fastify made it otherwise: chaining, other kinds of hook', async () => {
      const app = factory();
      await app.register(hoptrace);
      expect(app.addHook('onReady', nothing as never)).toBe(app);
      expect(app.addHook('onClose', nothing as never)).toBe(app);
      app.get('/plain', () => 'ok');
      expect(middlePhases(await hooksOf(app, '/plain'))).toEqual({});
    });

    it('lets Fastify refuse a missing hook, and adds nothing for it', async () => {
      const app = factory();
      await app.register(hoptrace);
      expect(() => app.addHook('preHandler', null as never)).toThrow(
        expect.objectContaining({ code: 'FST_ERR_HOOK_INVALID_HANDLER' }),
      );
      app.get('/plain', () => 'ok');
      expect(middlePhases(await hooksOf(app, '/plain'))).toEqual({});
    });
  },
);
