import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  DIAGNOSTICS_HEADER,
  formatTrailText,
  judgeTrail,
  TRAIL_HEADER,
  TRAIL_MAX_LENGTH_LIMIT,
  type TrailCall,
  trailAddress,
  trailBreaks,
} from '@hoptrace/core/diagnostics';
import { type CliIo, writeOut } from './cli-io.js';
import { parseCommandLine } from './parse-command-line.js';
import { parseDuration } from './parse-duration.js';
import { UsageError } from './usage-error.js';

/** `hoptrace trace --help`. */
export const TRACE_HELP = `Usage: hoptrace trace [options] <url>

Sends one diagnostic request (x-hoptrace-diag: <token>) to the URL and prints the trail the
services sent back: every hop with its service, instance, status, duration and the IDs it saw,
every outbound call nested under the hop that made it, and a mark where the trace broke or a
hop is not instrumented.

Options:
  -t, --token <token>     the services' diagnostics token (default: $HOPTRACE_DIAG_TOKEN)
  -H, --header <k:v>      a header to send, repeatable (e.g. -H "x-request-id: abc")
  -X, --method <method>   the method (default GET; TRACE also asks for l5d-add-context)
      --timeout <time>    give up after this long (default 10s; units ms, s, m)
      --json              print the trail as JSON instead of the tree
  -h, --help              this help

Exit codes: 0 the trace is unbroken, 1 it broke (or no trail came back, or the request
failed), 2 usage error.
`;

interface TraceArguments {
  readonly help: boolean;
  readonly url: URL | undefined;
  readonly token: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly method: string;
  readonly timeoutMs: number;
  readonly json: boolean;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const METHOD = /^[A-Z]{1,16}$/;

function parseTraceArguments(
  args: readonly string[],
  environment: NodeJS.ProcessEnv,
): TraceArguments {
  const { values, positionals } = parseCommandLine(args, {
    token: { type: 'string', short: 't' },
    header: { type: 'string', short: 'H', multiple: true },
    method: { type: 'string', short: 'X' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const help = values.help === true;
  if (help) {
    return {
      help,
      url: undefined,
      token: '',
      headers: {},
      method: 'GET',
      timeoutMs: 0,
      json: false,
    };
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one URL');
  let url: URL;
  try {
    url = new URL(positionals[0] as string);
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(positionals[0])}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError('the URL must be http: or https:');
  }
  const token = values.token ?? environment.HOPTRACE_DIAG_TOKEN;
  if (token === undefined || token === '') {
    throw new UsageError('no token: give --token or set HOPTRACE_DIAG_TOKEN');
  }
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    const name = colon > 0 ? header.slice(0, colon).trim().toLowerCase() : '';
    if (!HEADER_NAME.test(name))
      throw new UsageError(`--header must be "name: value", not ${JSON.stringify(header)}`);
    headers[name] = header.slice(colon + 1).trim();
  }
  const method = (values.method ?? 'GET').toUpperCase();
  if (!METHOD.test(method))
    throw new UsageError(`--method must be an HTTP method, not ${JSON.stringify(values.method)}`);
  return {
    help,
    url,
    token,
    headers,
    method,
    timeoutMs: values.timeout === undefined ? 10_000 : parseDuration(values.timeout, '--timeout'),
    json: values.json === true,
  };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly remote: string | null;
  readonly durationMs: number;
}

/** Sends the request and reads the response head; the body is read and dropped. */
function send(options: TraceArguments, url: URL, headers: Record<string, string>): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const call = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: options.method, headers, timeout: options.timeoutMs },
      (response) => {
        const remote = trailAddress(response.socket?.remoteAddress, response.socket?.remotePort);
        response.resume();
        response.on('error', () => {});
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          remote,
          durationMs: performance.now() - started,
        });
      },
    );
    call.on('timeout', () => call.destroy(new Error(`no response within ${options.timeoutMs} ms`)));
    call.on('error', reject);
    call.end();
  });
}

function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * Runs `hoptrace trace`: sends one diagnostic request to the URL with the token and a fresh
 * request ID (unless `--header x-request-id: …` gives one), checks the trail that comes back with
 * the token, and prints it as a tree (`formatTrailText`) or, with `--json`, as JSON: the first
 * call (the one this command made) with the whole trail under `hop`.
 *
 * @returns 0 when the trace is unbroken, 1 when it broke somewhere, no (valid) trail came back or
 *   the request failed, 2 for a usage error.
 *
 * @example
 * ```ts
 * process.exitCode = await runTraceCommand(['http://gateway:8080/checkout', '--token', token], io);
 * ```
 */
export async function runTraceCommand(
  args: readonly string[],
  io: CliIo,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let options: TraceArguments;
  try {
    options = parseTraceArguments(args, environment);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`hoptrace trace: ${error.message}\nTry "hoptrace trace --help".\n`);
    return 2;
  }
  if (options.help || options.url === undefined) {
    await writeOut(io.stdout, TRACE_HELP);
    return 0;
  }
  const url = options.url;
  const requestId = options.headers['x-request-id'] ?? `hoptrace-trace-${randomUUID()}`;
  const headers: Record<string, string> = {
    ...options.headers,
    'x-request-id': requestId,
    [DIAGNOSTICS_HEADER]: options.token,
  };
  if (options.method === 'TRACE') headers['l5d-add-context'] ??= 'true';

  let answer: Answer;
  try {
    answer = await send(options, url, headers);
  } catch (error) {
    io.stderr.write(
      `hoptrace trace: ${options.method} ${url.href} failed: ${describeError(error)}\n`,
    );
    return 1;
  }
  const value = answer.headers[TRAIL_HEADER];
  const judged = judgeTrail(
    { requestId, traceId: null, spanId: null },
    typeof value === 'string' ? value : undefined,
    options.token,
    // Read whatever a hop may be configured to write: only the signature decides.
    TRAIL_MAX_LENGTH_LIMIT,
  );
  const first: TrailCall = {
    method: options.method,
    url: `${url.origin}${url.pathname}`,
    remote: answer.remote,
    status: answer.status,
    failure: null,
    durationMs: answer.durationMs,
    sent: { requestId, traceId: null, spanId: null },
    ...judged,
  };
  if (options.json) {
    await writeOut(io.stdout, `${JSON.stringify(first, null, 2)}\n`);
  } else {
    await writeOut(io.stdout, report(first));
  }
  return first.hop === null || first.mark !== 'ok' || trailBreaks(first.hop).length > 0 ? 1 : 0;
}

/** The tree, with a first line for the request this command sent and a last line that concludes. */
function report(first: TrailCall): string {
  const head = `${first.method} ${first.url}${first.remote === null ? '' : ` via ${first.remote}`} → ${first.status} (request id ${first.sent.requestId})\n`;
  if (first.hop === null) {
    const why =
      first.mark === 'trail-rejected'
        ? `a trail came back but was refused (${first.reason}): a wrong --token, or not from a hoptrace service`
        : 'no trail came back: the service does not run hoptrace with diagnostics on, or refused the token';
    return `${head}✗ ${why}\n`;
  }
  const lines = [head, formatTrailText(first.hop)];
  if (first.mark === 'trace-broken')
    lines.push(`✗ TRACE BROKEN before the first hop: ${first.reason}\n`);
  const breaks = trailBreaks(first.hop);
  if (breaks.length === 0 && first.mark === 'ok') {
    lines.push('✓ the trace is unbroken across every hop\n');
  }
  for (const { hop, call } of breaks) {
    const where = `${hop.service ?? '(unnamed service)'} → ${call.method} ${call.url}`;
    const what =
      call.mark === 'not-instrumented'
        ? 'not instrumented'
        : call.mark === 'trail-rejected'
          ? `trail rejected (${call.reason})`
          : `trace broken: ${call.reason}`;
    lines.push(`✗ ${where}: ${what}\n`);
  }
  return lines.join('');
}
