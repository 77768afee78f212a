import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BAD_OPTION_CASES,
  type BadOptionCase,
  expectOptionsRefused,
  TEST_DIAGNOSTICS_TOKEN,
  thrownBy,
} from './bad-options.js';
import { type DiagnosticsTokenCase, diagnosticsTokenCases } from './diagnostics-token-cases.js';
import { send } from './http-client.js';
import { serverPool } from './server-pool.js';

/**
 * The bad options every server adapter (Express, Koa, Fastify) must refuse at construction: the
 * shared {@link BAD_OPTION_CASES} and the rows of the options the adapters take beside them.
 */
export const ADAPTER_BAD_OPTION_CASES: readonly BadOptionCase[] = [
  ...BAD_OPTION_CASES,
  [{ requestIdHeadr: 'x-id' }, 'requestIdHeadr', /is not a hoptrace option/],
  [{ startTrace: 'yes' }, 'startTrace', /got the string "yes"/],
  [{ correlationIdHeader: 'x-hoptrace-trail' }, 'correlationIdHeader', /"x-hoptrace-trail"/],
];

/**
 * A `describe` block "`factory` refuses bad options at construction" with one test per row of
 * {@link ADAPTER_BAD_OPTION_CASES}: `make(given)` must throw `HoptraceOptionsError` naming the
 * row's option and describing its value.
 *
 * @example
 * ```ts
 * describeAdapterBadOptions('hoptrace()', (given) => hoptrace(given as HoptraceOptions));
 * ```
 */
export function describeAdapterBadOptions(
  factory: string,
  make: (given: unknown) => unknown,
): void {
  describe(`${factory} refuses bad options at construction`, () => {
    it.each(ADAPTER_BAD_OPTION_CASES)('%o: names %s', (given, option, described) => {
      expectOptionsRefused(
        thrownBy(() => make(given)),
        option,
        described,
      );
    });
  });
}

/**
 * Sends `token` in `X-Hoptrace-Diag` (beside an `x-kept: yes` header) to an app on `port` whose
 * route answers with what it saw of the request's headers as JSON, the request's `rawHeaders`
 * under `rawKey`. Checks that the answer is a 200, that the raw headers kept `x-kept` and that
 * the token appears nowhere in it, then returns the parsed answer for the adapter's own checks.
 * For the rows of `diagnosticsTokenCases`.
 *
 * @example
 * ```ts
 * const seen = await expectTokenStripped(port, token, 'raw');
 * expect(seen).toMatchObject({ header: null });
 * ```
 */
export async function expectTokenStripped(
  port: number,
  token: string,
  rawKey: string,
): Promise<Record<string, unknown>> {
  const response = await send(port, { headers: { 'X-Hoptrace-Diag': token, 'x-kept': 'yes' } });
  expect(response.status).toBe(200);
  const seen = JSON.parse(response.body) as Record<string, unknown>;
  expect(seen[rawKey]).toEqual(expect.arrayContaining(['x-kept', 'yes']));
  expect(JSON.stringify(seen)).not.toContain(token);
  return seen;
}

/**
 * A `describe.each(versions)` block "`%s`: the diagnostics token stays in hoptrace" with one test
 * per row of `diagnosticsTokenCases`, named "`%s`: `where`": `serve(version, options)` builds the
 * app of that version with hoptrace on those options, whose route answers with what it saw of the
 * request's headers as JSON (its `rawHeaders` under `raw`); the test starts it at port 0, runs
 * {@link expectTokenStripped} against it and passes the answer to `check`.
 *
 * @example
 * ```ts
 * describeTokenStaysInHoptrace(KOA_MAJORS, 'not in ctx.headers or rawHeaders', ([, Koa], options) => …, (seen) => …);
 * ```
 */
export function describeTokenStaysInHoptrace<Version extends readonly [name: string, ...unknown[]]>(
  versions: readonly Version[],
  where: string,
  serve: (version: Version, options: DiagnosticsTokenCase[1]) => Server,
  check: (seen: Record<string, unknown>, token: string) => void,
): void {
  const servers = serverPool();
  afterEach(() => servers.closeAll());

  describe.each(versions.map((version) => [version[0], version] as const))(
    '%s: the diagnostics token stays in hoptrace',
    (_name, version) => {
      it.each(diagnosticsTokenCases(TEST_DIAGNOSTICS_TOKEN))(
        `%s: ${where}`,
        async (_case, options, token) => {
          const port = await servers.listen(serve(version, options));
          check(await expectTokenStripped(port, token, 'raw'), token);
        },
      );
    },
  );
}
