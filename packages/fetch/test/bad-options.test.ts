import {
  BAD_OPTION_CASES,
  type BadOptionCase,
  expectOptionsRefused,
  itRefusesEach,
  TEST_DIAGNOSTICS_TOKEN,
} from '@hoptrace/test-utils';
import axios from 'axios';
import { describe, expect, it } from 'vitest';
import {
  createOutbound,
  hoptraceInterceptor,
  instrumentAxios,
  instrumentOutbound,
  type OutboundOptions,
  wrapFetch,
} from '../src/index.js';

/** The shared table, and the rows of the options only the outbound clients take. */
const BAD: readonly BadOptionCase[] = [
  ...BAD_OPTION_CASES,
  [{ propagateTp: ['*.internal'] }, 'propagateTp', /is not a hoptrace option/],
  [{ outsideContext: 42 }, 'outsideContext', /got the number 42/],
  [{ outsideContext: () => 'skip' }, 'outsideContext', /got a function/],
  [{ callerHeaders: 'both' }, 'callerHeaders', /got the string "both"/],
  [
    { diagnostics: { token: TEST_DIAGNOSTICS_TOKEN, service: 'café' } },
    'diagnostics.service',
    /"café"/,
  ],
];

const noFetch = (() => Promise.resolve(new Response('ok'))) as typeof fetch;

/** Every outbound factory, made with `options`; returns its undo, where it has one. */
const FACTORIES: readonly (readonly [name: string, make: (options: unknown) => unknown])[] = [
  ['createOutbound', (options) => void createOutbound(options as OutboundOptions)],
  ['wrapFetch', (options) => void wrapFetch(noFetch, options as OutboundOptions)],
  ['wrapFetch (default fetch)', (options) => void wrapFetch(undefined, options as OutboundOptions)],
  ['hoptraceInterceptor', (options) => void hoptraceInterceptor(options as OutboundOptions)],
  ['instrumentOutbound', (options) => instrumentOutbound(options as OutboundOptions)],
  ['instrumentAxios', (options) => instrumentAxios(axios.create(), options as OutboundOptions)],
];

function thrownBy(make: () => unknown): unknown {
  try {
    const undo = make();
    // A row that passed must not leave hooks installed for the next.
    if (typeof undo === 'function') (undo as () => void)();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each(FACTORIES)('%s refuses bad options at construction', (_name, make) => {
  itRefusesEach(BAD, (given) => thrownBy(() => make(given)));

  it('accepts undefined and {}', () => {
    expect(thrownBy(() => make(undefined))).toBeUndefined();
    expect(thrownBy(() => make({ mode: 'child', outsideContext: 'new-trace' }))).toBeUndefined();
  });
});

describe('the arguments that are not options', () => {
  it.each([
    [42, /got the number 42/],
    [null, /got null/],
    ['https://example.com', /got the string/],
    [{ fetch: noFetch }, /got an object/],
  ])('wrapFetch(%o) names fetch', (given, described) => {
    expectOptionsRefused(
      thrownBy(() => wrapFetch(given as never)),
      'fetch',
      described,
    );
  });

  it.each([
    [undefined, /got undefined/],
    [null, /got null/],
    [42, /got the number 42/],
    [{}, /got an object/],
    [{ interceptors: { request: {} }, getUri: () => '' }, /got an object/],
    [{ baseURL: 'http://orders.internal' }, /got an object/],
  ])('instrumentAxios(%o) names instance', (given, described) => {
    expectOptionsRefused(
      thrownBy(() => instrumentAxios(given as never)),
      'instance',
      described,
    );
  });

  it('instrumentAxios takes axios itself and instances from axios.create()', () => {
    expect(thrownBy(() => instrumentAxios(axios))).toBeUndefined();
    expect(thrownBy(() => instrumentAxios(axios.create()))).toBeUndefined();
  });
});
