import { describe, expect, it } from 'vitest';
import {
  BAD_OPTION_CASES,
  type BadOptionCase,
  expectOptionsRefused,
  thrownBy,
} from './bad-options.js';
import { send } from './http-client.js';

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
    itRefusesEach(ADAPTER_BAD_OPTION_CASES, (given) => thrownBy(() => make(given)));
  });
}

/**
 * One test per row of `cases`, named "`%o`: names `%s`", in the enclosing `describe`: `thrown(given)`
 * resolves to what building with the row's options threw, which `check` (by default
 * {@link expectOptionsRefused}) must find names the row's option and describes its value.
 *
 * @example
 * ```ts
 * itRefusesEach(BAD, (given) => thrownBy(() => createOutbound(given as OutboundOptions)));
 * ```
 */
export function itRefusesEach(
  cases: readonly BadOptionCase[],
  thrown: (given: unknown) => unknown,
  check: (error: unknown, option: string, described: RegExp) => void = expectOptionsRefused,
): void {
  it.each(cases)('%o: names %s', (given, option, described) => {
    check(thrown(given), option, described);
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

/** A UUID as `crypto.randomUUID()` makes them: the ID hoptrace gives a request without a valid one. */
export const FRESH_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Sends `GET path` to `port` twice, once with request ID `id` and once without one: both answers
 * must have `status`, the first must carry `id` back in `x-request-id`, the second a
 * {@link FRESH_UUID}.
 *
 * @example
 * ```ts
 * await expectRequestIdOnAnswers(port, '/no-such-route', 404, 'client-id-1');
 * ```
 */
export async function expectRequestIdOnAnswers(
  port: number,
  path: string,
  status: number,
  id: string,
): Promise<void> {
  const echoed = await send(port, { path, headers: { 'x-request-id': id } });
  expect(echoed.status).toBe(status);
  expect(echoed.headers['x-request-id']).toBe(id);
  const fresh = await send(port, { path });
  expect(fresh.status).toBe(status);
  expect(fresh.headers['x-request-id']).toMatch(FRESH_UUID);
}
