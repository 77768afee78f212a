import { tryGetContext } from '@hoptrace/core';

/**
 * The Envoy response flags (UF, UT, UC, DC: see `failureFlag` in @hoptrace/fetch) of the calls a
 * request made that got no answer, kept per request so its one `request` log line can list them,
 * as Envoy's access log does with %RESPONSE_FLAGS%.
 */
const flagsByRequest = new WeakMap();

/** Notes `flag` for the current request. */
export function noteResponseFlag(flag) {
  const context = tryGetContext();
  if (context === undefined) return;
  const flags = flagsByRequest.get(context) ?? [];
  if (!flags.includes(flag)) flags.push(flag);
  flagsByRequest.set(context, flags);
}

/** The flags noted for the current request, or `undefined` when there are none. */
export function responseFlags() {
  const context = tryGetContext();
  return context === undefined ? undefined : flagsByRequest.get(context);
}
