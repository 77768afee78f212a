import { createServer, type Server } from 'node:http';
import { DIAGNOSTICS_HEADER, type HoptraceOptions, HoptraceOptionsError } from '@hoptrace/core';
import { close, listen, send } from '@hoptrace/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { hoptrace } from '../src/index.js';
import { KOA_MAJORS } from './test-app.js';

const TOKEN = 'a-diagnostics-token-for-tests';

/** Bad options: what is given, the option the error must name, how it must describe the value. */
const BAD: readonly (readonly [given: unknown, option: string, described: RegExp])[] = [
  [null, 'options', /got null/],
  [42, 'options', /got the number 42/],
  [[], 'options', /got an array/],
  [() => ({ mode: 'child' }), 'options', /got a function/],
  ['child', 'options', /got the string "child"/],
  [{ requestIdHeadr: 'x-id' }, 'requestIdHeadr', /is not a hoptrace option/],
  [
    { forwardHeaders: [{ name: 'x-a', maxlength: 64 }] },
    'forwardHeaders[0].maxlength',
    /is not a member of forwardHeaders\[0\]/,
  ],
  [{ observe: { observer: () => {}, servce: 'a' } }, 'observe.servce', /is not a member/],
  [{ diagnostics: { token: TOKEN, servce: 'a' } }, 'diagnostics.servce', /is not a member/],
  [{ mode: 42 }, 'mode', /got the number 42/],
  [{ startTrace: 'yes' }, 'startTrace', /got the string "yes"/],
  [{ requestIdHeader: 'x-hoptrace-diag' }, 'requestIdHeader', /"x-hoptrace-diag"/],
  [{ requestIdHeader: '__proto__' }, 'requestIdHeader', /"__proto__"/],
  [{ correlationIdHeader: 'x-hoptrace-trail' }, 'correlationIdHeader', /"x-hoptrace-trail"/],
  [{ forwardHeaders: ['x-hoptrace-*'] }, 'forwardHeaders[0]', /"x-hoptrace-\*"/],
  [{ diagnostics: { token: TOKEN, service: 'a\r\nb' } }, 'diagnostics.service', /"a\\r\\nb"/],
];

function expectRefused(error: unknown, option: string, described: RegExp): void {
  expect(HoptraceOptionsError.isInstance(error), String(error)).toBe(true);
  expect((error as HoptraceOptionsError).option).toBe(option);
  expect((error as Error).message).toContain(`option "${option}"`);
  expect((error as Error).message).toMatch(described);
}

function thrownBy(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('hoptrace() refuses bad options at construction', () => {
  it.each(BAD)('%o: names %s', (given, option, described) => {
    expectRefused(
      thrownBy(() => hoptrace(given as HoptraceOptions)),
      option,
      described,
    );
  });
});

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

describe.each(KOA_MAJORS)('%s: the diagnostics token stays in hoptrace', (_name, KoaClass) => {
  it.each([
    ['accepted', { diagnostics: { token: TOKEN } }, TOKEN],
    ['refused', { diagnostics: { token: TOKEN } }, 'not-the-diagnostics-token'],
    ['without diagnostics', {}, TOKEN],
  ] as const)(
    '%s: not in ctx.headers, ctx.get(), headersDistinct or rawHeaders',
    async (_case, options, token) => {
      const app = new KoaClass();
      app.use(hoptrace(options));
      app.use((ctx) => {
        ctx.body = {
          header: ctx.headers[DIAGNOSTICS_HEADER] ?? null,
          requestHeader: ctx.request.headers[DIAGNOSTICS_HEADER] ?? null,
          get: ctx.get(DIAGNOSTICS_HEADER),
          distinct: ctx.req.headersDistinct[DIAGNOSTICS_HEADER] ?? null,
          raw: ctx.req.rawHeaders,
        };
      });
      const server = createServer(app.callback());
      servers.push(server);
      const port = await listen(server);
      const response = await send(port, {
        headers: { 'X-Hoptrace-Diag': token, 'x-kept': 'yes' },
      });
      expect(response.status).toBe(200);
      const seen = JSON.parse(response.body) as { raw: string[] };
      expect(seen).toMatchObject({ header: null, requestHeader: null, get: '', distinct: null });
      expect(seen.raw).toEqual(expect.arrayContaining(['x-kept', 'yes']));
      expect(JSON.stringify(seen)).not.toContain(token);
    },
  );
});
