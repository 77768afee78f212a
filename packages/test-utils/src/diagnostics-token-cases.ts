import type { Server } from 'node:http';
import { afterEach, describe, it } from 'vitest';
import { expectTokenStripped } from './adapter-cases.js';
import { TEST_DIAGNOSTICS_TOKEN } from './bad-options.js';
import { serverPool } from './server-pool.js';

/**
 * One request carrying the diagnostics header: the case's name, the hoptrace options of the app
 * it reaches, and the token it sends.
 */
export type DiagnosticsTokenCase = readonly [
  name: string,
  options: { readonly diagnostics?: { readonly token: string } },
  sent: string,
];

/**
 * The requests whose diagnostics header must never reach the app, whatever hoptrace makes of it:
 * `token` accepted, a wrong token refused, and diagnostics off. For an `it.each` over every view
 * of the headers an app (or its logger) reads.
 *
 * @example
 * ```ts
 * it.each(diagnosticsTokenCases(TOKEN))('%s: gone from rawHeaders', async (_name, options, sent) => {});
 * ```
 */
export function diagnosticsTokenCases(token: string): readonly DiagnosticsTokenCase[] {
  return [
    ['accepted', { diagnostics: { token } }, token],
    ['refused', { diagnostics: { token } }, 'not-the-diagnostics-token'],
    ['without diagnostics', {}, token],
  ];
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
