import type { TraceContext } from '@hoptrace/core';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import Koa2 from 'koa2';
import { describe, expectTypeOf, it } from 'vitest';
import { type HoptraceOptions, type HoptraceState, hoptrace } from '../src/index.js';

describe('@hoptrace/koa public types', () => {
  it('hoptrace takes the core options and returns Koa middleware', () => {
    expectTypeOf(hoptrace).parameters.toEqualTypeOf<[options?: HoptraceOptions]>();
    expectTypeOf(hoptrace()).toExtend<Koa.Middleware<HoptraceState, object>>();
    // @ts-expect-error unknown mode
    hoptrace({ mode: 'sideways' });
    // @ts-expect-error the factory takes one options object
    hoptrace('x-request-id');
  });

  it('registers on Koa 3 and Koa 2 apps', () => {
    new Koa().use(hoptrace());
    new Koa2().use(hoptrace()).use(bodyParser());
  });

  it('augments DefaultState: ctx.state carries the request ID and context with no cast', () => {
    expectTypeOf<Koa.DefaultState['requestId']>().toEqualTypeOf<string>();
    expectTypeOf<Koa.DefaultState['hoptrace']>().toEqualTypeOf<TraceContext>();
    const app = new Koa();
    app.use(hoptrace());
    app.use((ctx) => {
      expectTypeOf(ctx.state.requestId).toEqualTypeOf<string>();
      expectTypeOf(ctx.state.hoptrace).toEqualTypeOf<TraceContext>();
      expectTypeOf(ctx.state.hoptrace.traceId).toEqualTypeOf<string | undefined>();
      // Koa's DefaultState extends `any`, so other state keys stay open, as before.
      ctx.state.user = 'ada';
    });
    const middleware: Koa.Middleware = (ctx) => {
      expectTypeOf(ctx.state.requestId).toEqualTypeOf<string>();
    };
    app.use(middleware);
  });

  it('adds HoptraceState to an app with its own state type', () => {
    interface AppState {
      user: string;
    }
    const app = new Koa<AppState>().use(hoptrace());
    expectTypeOf(app).toEqualTypeOf<Koa<AppState & HoptraceState, Koa.DefaultContext & object>>();
    app.use((ctx) => {
      expectTypeOf(ctx.state.user).toEqualTypeOf<string>();
      expectTypeOf(ctx.state.requestId).toEqualTypeOf<string>();
    });
    // Without hoptrace in the chain, a custom state type does not pretend to have it.
    new Koa<AppState>().use((ctx) => {
      // @ts-expect-error AppState replaces DefaultState, so the augmentation does not apply
      ctx.state.requestId;
    });
  });

  it('keeps a custom context type', () => {
    interface AppContext {
      db: { query(sql: string): Promise<unknown> };
    }
    const app = new Koa<Koa.DefaultState, AppContext>().use(hoptrace());
    app.use((ctx) => {
      expectTypeOf(ctx.db.query).toEqualTypeOf<(sql: string) => Promise<unknown>>();
      expectTypeOf(ctx.state.requestId).toEqualTypeOf<string>();
      // @ts-expect-error hoptrace does not widen the app's context with an index signature
      ctx.notThere;
    });
  });

  it('the state fields are HoptraceState', () => {
    expectTypeOf<HoptraceState>().toEqualTypeOf<{ requestId: string; hoptrace: TraceContext }>();
  });
});

describe('HoptraceOptionsError', () => {
  it("is core's class, exported here too", async () => {
    const core = await import('@hoptrace/core');
    const here = await import('../src/index.js');
    expectTypeOf(here.HoptraceOptionsError).toEqualTypeOf<typeof core.HoptraceOptionsError>();
  });
});
