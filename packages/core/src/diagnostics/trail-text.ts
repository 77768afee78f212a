import type { FailureFlag } from './observation.js';
import type { TrailCall, TrailHop } from './trail.js';

const FAILURES: Readonly<Record<FailureFlag, string>> = {
  UF: 'connection failure',
  UT: 'no response in time',
  UC: 'connection reset or closed',
  DC: 'the caller went away',
};

/** Whether `call` is where the trace cannot be followed further: see {@link trailBreaks}. */
function breaks(call: TrailCall): boolean {
  return (
    call.mark === 'trace-broken' ||
    call.mark === 'not-instrumented' ||
    call.mark === 'trail-rejected'
  );
}

/**
 * The calls of a trail (at any depth) where the trace breaks: the downstream hop saw other IDs
 * (`trace-broken`), returned no trail (`not-instrumented`), or returned one that could not be
 * trusted (`trail-rejected`). `hoptrace trace` exits non-zero when there is one.
 *
 * @example
 * ```ts
 * trailBreaks(hop).map(({ call }) => call.url); // ['http://legacy.internal/quote']
 * ```
 */
export function trailBreaks(hop: TrailHop): { readonly hop: TrailHop; readonly call: TrailCall }[] {
  const found: { hop: TrailHop; call: TrailCall }[] = [];
  const visit = (node: TrailHop): void => {
    for (const call of node.calls) {
      if (breaks(call)) found.push({ hop: node, call });
      if (call.hop !== null) visit(call.hop);
    }
  };
  visit(hop);
  return found;
}

function milliseconds(value: number | null): string {
  return value === null ? '?' : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

function origin(id: string | null, arrived: boolean): string {
  return id === null ? 'none' : `${id} (${arrived ? 'arrived' : 'generated here'})`;
}

/** `host:port` of a URL when its host is an IP address (what a socket would report), else `null`. */
function ipTarget(url: string): string | null {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname;
    const ip = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.startsWith('[');
    if (!ip) return null;
    const port = parsed.port === '' ? (parsed.protocol === 'https:' ? '443' : '80') : parsed.port;
    return `${host}:${port}`;
  } catch {
    return null;
  }
}

function callLine(call: TrailCall): string {
  const outcome =
    call.status !== null
      ? `${call.status} in ${milliseconds(call.durationMs)}`
      : call.failure !== null
        ? `${call.failure} (${FAILURES[call.failure]}) after ${milliseconds(call.durationMs)}`
        : 'no answer yet';
  const via = call.remote === null ? '' : ` via ${call.remote}`;
  return `${call.method} ${call.url}${via} → ${outcome}`;
}

function markLine(call: TrailCall): string | undefined {
  switch (call.mark) {
    case 'trace-broken':
      return `✗ TRACE BROKEN HERE: ${call.reason ?? 'the downstream hop saw other IDs'}`;
    case 'not-instrumented':
      return '✗ NOT INSTRUMENTED: no trail came back, the trace cannot be followed past this call';
    case 'trail-rejected':
      return `✗ TRAIL REJECTED (${call.reason ?? 'invalid'}): not read`;
    case 'pending':
      return '… still running when this hop answered';
    default:
      return call.truncated === true
        ? '… its trail was dropped to keep the header short'
        : undefined;
  }
}

/** Where the request was answered, when that is not where it was sent: a proxy in between. */
function proxyLine(call: TrailCall): string | undefined {
  const answered = call.hop?.address;
  if (answered === undefined || answered === null) return undefined;
  const called = call.remote ?? ipTarget(call.url);
  if (called === null) return `answered on ${answered}`;
  return called === answered
    ? undefined
    : `through a proxy: sent to ${called}, answered on ${answered}`;
}

/**
 * A trail as text, one line per fact, the calls of each hop drawn as a tree: what `hoptrace trace`
 * prints, and what a `TRACE` request with `l5d-add-context: true` gets appended to its body.
 *
 * @example
 * ```ts
 * console.log(formatTrailText(hop));
 * // ● orders (web-1 pid 7) GET /orders → 200 in 12 ms
 * //   request id 9c3e… (arrived) · trace id 80f1… (arrived) · span id e457…
 * //   └─ GET http://inventory/stock → 200 in 3.1 ms
 * //      ● inventory …
 * ```
 */
export function formatTrailText(hop: TrailHop): string {
  const lines: string[] = [];
  const visit = (node: TrailHop, indent: string): void => {
    const name = node.service ?? '(unnamed service)';
    lines.push(
      `${indent}● ${name} (${node.host} pid ${node.pid}) ${node.method} ${node.route} → ${node.status} in ${milliseconds(node.durationMs)}`,
    );
    const span = node.spanId === null ? '' : ` · span id ${node.spanId}`;
    const parent = node.parentSpanId === null ? '' : ` · parent ${node.parentSpanId}`;
    lines.push(
      `${indent}  request id ${origin(node.requestId, node.requestIdArrived)} · trace id ${origin(node.traceId, node.traceIdArrived)}${span}${parent}`,
    );
    const count = node.calls.length;
    node.calls.forEach((call, index) => {
      const last = index === count - 1 && node.omittedCalls === 0;
      lines.push(`${indent}  ${last ? '└─' : '├─'} ${callLine(call)}`);
      const below = `${indent}  ${last ? '   ' : '│  '}`;
      for (const extra of [proxyLine(call), markLine(call)]) {
        if (extra !== undefined) lines.push(`${below}${extra}`);
      }
      if (call.hop !== null) visit(call.hop, below);
    });
    if (node.omittedCalls > 0) lines.push(`${indent}  └─ … ${node.omittedCalls} more calls`);
  };
  visit(hop, '');
  return `${lines.join('\n')}\n`;
}
