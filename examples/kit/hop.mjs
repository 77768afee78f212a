import { getContext } from '@hoptrace/core';
import { failureFlag } from '@hoptrace/fetch';
import { noteResponseFlag } from './response-flags.mjs';

/** How long a service waits for a downstream answer before it answers 502 itself. */
export const DOWNSTREAM_TIMEOUT_MS = 10_000;

/**
 * This hop of the request tree: who answered, the IDs hoptrace gave the request here, and the
 * hops of its downstream calls. Every service answers with one, so the gateway's answer is the
 * whole tree of a user request.
 */
export function hop(config, calls = [], error = undefined) {
  const context = getContext();
  const body = {
    service: config.service,
    instance: config.instance,
    requestId: context.requestId,
    traceId: context.traceId ?? null,
    spanId: context.spanId ?? null,
    parentSpanId: context.parentSpanId ?? null,
    calls,
  };
  if (error !== undefined) body.error = error;
  return body;
}

/**
 * Makes one downstream call and reads the hop it answers with. `send` is the service's own client
 * call, resolving to `{ status, text }`. Never rejects: a failure (no connection, a timeout, an
 * answer that is not a 200 hop) is logged as "downstream failed" and comes back as `error`, so
 * calls made in parallel all finish and the service can answer with what it did get.
 *
 * @param {import('pino').Logger} logger
 * @param {string} target the downstream's name, for the log and the tree
 * @param {() => Promise<{ status: number, text: string }>} send
 * @returns {Promise<{ target: string, hop: object, error?: string }>}
 */
export async function callDownstream(logger, target, send) {
  let answer;
  let error;
  let responseFlag;
  try {
    const { status, text } = await send();
    answer = parseHop(text);
    if (status !== 200) error = `${target} answered ${status}`;
    else if (answer === undefined) error = `${target} answered something other than a hop`;
  } catch (thrown) {
    error = describeError(thrown);
    // No answer at all: classified as Envoy would (UF refused, UT timeout, UC reset, DC aborted).
    // A gRPC client names its flag itself (@hoptrace/grpc's failureOf).
    responseFlag = thrown?.responseFlag ?? failureFlag(thrown);
    noteResponseFlag(responseFlag);
  }
  if (error !== undefined) logger.error({ target, error, responseFlag }, 'downstream failed');
  // A failed call still has its place in the tree: the downstream's own hop when it sent one
  // (its error says what went wrong further down), otherwise a stand-in naming the target.
  return { target, hop: answer ?? { service: target, error }, error };
}

/**
 * The status and body of a service whose downstream calls (`results` of callDownstream) are done:
 * 200, or 502 naming the first failure.
 */
export function answerWith(config, results) {
  const failed = results.find((result) => result.error !== undefined);
  const calls = results.map((result) => result.hop);
  if (failed === undefined) return { status: 200, body: hop(config, calls) };
  return { status: 502, body: hop(config, calls, `${failed.target}: ${failed.error}`) };
}

function parseHop(text) {
  try {
    const value = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A readable message for a client error. fetch hides the reason in `cause` ("fetch failed"), and a
 * refused connection to a name with several addresses is an AggregateError with an empty message.
 */
function describeError(error) {
  const text = (value) => value?.message || value?.code || String(value);
  const cause = error?.cause;
  return cause === undefined ? text(error) : `${text(error)}: ${text(cause)}`;
}
