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
