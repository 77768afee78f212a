import axios from 'axios';
import { Agent, type Dispatcher, fetch as undiciFetch } from 'undici';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createOutbound,
  hoptraceInterceptor,
  instrumentAxios,
  instrumentOutbound,
  type OutboundOptions,
  type PropagateTo,
  wrapFetch,
} from '../src/index.js';

describe('@hoptrace/fetch public types', () => {
  it('wrapFetch keeps the type of the fetch it wraps', () => {
    expectTypeOf(wrapFetch()).toEqualTypeOf<typeof globalThis.fetch>();
    expectTypeOf(wrapFetch(undefined, { mode: 'child' })).toEqualTypeOf<typeof globalThis.fetch>();
    expectTypeOf(wrapFetch(fetch)).toEqualTypeOf<typeof fetch>();
    expectTypeOf(wrapFetch(undiciFetch)).toEqualTypeOf<typeof undiciFetch>();
    // @ts-expect-error not a fetch function
    wrapFetch('https://example.com');
  });

  it('hoptraceInterceptor composes onto an undici dispatcher', () => {
    expectTypeOf(hoptraceInterceptor()).toExtend<Dispatcher.DispatcherComposeInterceptor>();
    expectTypeOf(new Agent().compose(hoptraceInterceptor())).toExtend<Dispatcher>();
  });

  it('instrumentAxios takes the default instance and created ones, returns eject', () => {
    expectTypeOf(instrumentAxios(axios)).toEqualTypeOf<() => void>();
    expectTypeOf(instrumentAxios(axios.create(), { propagateTo: ['*.internal'] })).toEqualTypeOf<
      () => void
    >();
    // @ts-expect-error not an axios instance
    instrumentAxios({});
  });

  it('instrumentOutbound returns uninstall', () => {
    expectTypeOf(instrumentOutbound).returns.toEqualTypeOf<() => void>();
  });

  it('options extend the core options with where and when to write', () => {
    expectTypeOf<OutboundOptions['propagateTo']>().toEqualTypeOf<PropagateTo | undefined>();
    expectTypeOf<OutboundOptions['outsideContext']>().toEqualTypeOf<
      'skip' | 'new-trace' | undefined
    >();
    expectTypeOf<OutboundOptions['callerHeaders']>().toEqualTypeOf<
      'keep' | 'replace' | undefined
    >();
    const options: OutboundOptions = {
      mode: 'child',
      requestIdHeader: 'x-correlation-id',
      propagateTo: ['localhost', /\.svc\.cluster\.local$/],
    };
    createOutbound(options);
    // @ts-expect-error unknown choice
    createOutbound({ outsideContext: 'always' });
    // @ts-expect-error hosts are strings or regexes
    createOutbound({ propagateTo: [42] });
  });
});

describe('HoptraceOptionsError', () => {
  it("is core's class, exported here too", async () => {
    const core = await import('@hoptrace/core');
    const here = await import('../src/index.js');
    expectTypeOf(here.HoptraceOptionsError).toEqualTypeOf<typeof core.HoptraceOptionsError>();
  });
});
