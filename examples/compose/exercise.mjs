// The requests of `npm run demo`, sent to the compose topology's gateway (check.sh runs this once
// every container is healthy), and the checks: every answer's hop tree, every hop's log line, the
// raw CR LF refused, and one diagnostic trace (`hoptrace trace`) that breaks at legacy.
//
//   node examples/compose/exercise.mjs <gateway base URL>
//
// Environment: HOPTRACE_DIAG_TOKEN (the token the services run with), HOPTRACE_COMPOSE (the compose
// command: "docker compose" or "docker-compose"), COMPOSE_PROJECT_NAME and COMPOSE_FILE (read by
// compose itself, for `logs`). Exits 0 when every check passed, 1 naming each that failed.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { runTraceCommand } from 'hoptrace';
import { brokenHops, walk } from '../kit/hop-tree.mjs';
import { samples } from '../kit/samples.mjs';
import { RESERVE_PATH } from '../kit/stock-grpc.mjs';

const run = promisify(execFile);
const REQUEST_TIMEOUT_MS = 20_000;
const LOG_WAIT_MS = 20_000;
const VALID_ID = /^[A-Za-z0-9._~:;=+/@-]{1,200}$/;

const gatewayUrl = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
// Set by check.sh, which runs this outside turbo.
const environment = process.env;
const token = environment.HOPTRACE_DIAG_TOKEN;
const composeCommand = (environment.HOPTRACE_COMPOSE ?? 'docker-compose').split(' ');

const failures = [];
const fail = (message) => {
  failures.push(message);
  console.log(`  ✗ ${message}`);
};
const check = (ok, message) => {
  if (!ok) fail(message);
  return ok;
};

async function send(headers) {
  const response = await fetch(`${gatewayUrl}/checkout`, {
    headers,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let tree;
  try {
    tree = JSON.parse(text);
  } catch {
    tree = undefined;
  }
  return { status: response.status, requestId: response.headers.get('x-request-id'), tree, text };
}

/**
 * The path each hop answered: pricing /price to orders, /cost to inventory and legacy; inventory
 * /stock, or Stock/Reserve for its gRPC hop (which names its `route`).
 */
function pathOf(hop, parent) {
  if (hop.route === 'gRPC Reserve') return RESERVE_PATH;
  const routes = { gateway: '/checkout', orders: '/orders', inventory: '/stock', legacy: '/quote' };
  if (hop.service === 'pricing') return parent?.service === 'orders' ? '/price' : '/cost';
  return routes[hop.service];
}

/**
 * The answer's tree must be the whole topology: gateway → orders-N → inventory → pricing /cost,
 * orders-N → inventory over gRPC (Stock/Reserve), orders-N → pricing /price → legacy → pricing
 * /cost, one request ID and one trace ID on every
 * hop, each hop's parent span its caller's span, and exactly one broken hop: pricing behind
 * legacy. Returns the hops to find in the logs.
 */
function checkTree(sample, answer) {
  const { tree } = answer;
  if (!check(answer.status === 200, `answered ${answer.status}: ${answer.text.slice(0, 300)}`))
    return [];
  if (!check(tree?.service === 'gateway', 'the answer is not the gateway hop')) return [];
  const sent = sample.headers['x-request-id'];
  const { requestId, traceId } = tree;
  check(
    answer.requestId === requestId,
    `X-Request-ID ${answer.requestId} ≠ the tree's ${requestId}`,
  );
  if (sample.expect.requestId === 'fresh') {
    check(VALID_ID.test(requestId ?? ''), `request ID ${JSON.stringify(requestId)} is not valid`);
    check(requestId !== sent, 'the hostile request ID was kept');
  } else {
    check(requestId === sample.expect.requestId, `request ID ${requestId}, expected the one sent`);
  }
  if (sample.expect.traceId === 'fresh')
    check(/^[0-9a-f]{32}$/.test(traceId ?? ''), `trace ID ${traceId} is not a new 128-bit ID`);
  else
    check(
      traceId === sample.expect.traceId,
      `trace ID ${traceId}, expected ${sample.expect.traceId}`,
    );

  const found = [];
  walk(tree, (hop, parent) => found.push({ hop, parent, path: pathOf(hop, parent) }));
  const names = found.map(({ hop, path }) => `${hop.service} ${path}`);
  check(
    JSON.stringify(names) ===
      JSON.stringify([
        'gateway /checkout',
        'orders /orders',
        'inventory /stock',
        'pricing /cost',
        `inventory ${RESERVE_PATH}`,
        'pricing /price',
        'legacy /quote',
        'pricing /cost',
      ]),
    `hops: ${names.join(', ')}`,
  );
  const broken = brokenHops(tree);
  const behindLegacy = found.at(-1);
  check(
    broken.length === 1 && broken[0].hop === behindLegacy?.hop,
    `broken hops: ${broken.map(({ hop }) => hop.service).join(', ') || 'none'}, expected pricing behind legacy`,
  );
  const legacy = found.find(({ hop }) => hop.service === 'legacy')?.hop;
  check(
    legacy?.receivedRequestId === requestId,
    `legacy received ${legacy?.receivedRequestId}, not ${requestId}`,
  );
  for (const { hop, parent } of found) {
    if (hop.requestId === null || hop === behindLegacy?.hop) continue;
    check(
      hop.requestId === requestId && hop.traceId === traceId,
      `${hop.instance}: IDs ${hop.requestId} / ${hop.traceId}`,
    );
    if (parent !== undefined)
      check(hop.parentSpanId === parent.spanId, `${hop.instance}: parent span ≠ its caller's span`);
  }
  if (behindLegacy !== undefined) {
    const { hop } = behindLegacy;
    check(
      hop.requestId !== requestId && hop.traceId !== traceId && hop.parentSpanId === null,
      'pricing behind legacy kept the IDs legacy cannot forward',
    );
  }
  return found;
}

/** Every JSON line the containers logged, parsed (compose prefixes each with its container). */
async function composeLogs() {
  const [command, ...args] = composeCommand;
  const { stdout } = await run(command, [...args, 'logs', '--no-color'], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  const lines = [];
  for (const line of stdout.split('\n')) {
    const start = line.indexOf('{');
    if (start === -1) continue;
    try {
      lines.push(JSON.parse(line.slice(start)));
    } catch {}
  }
  return lines;
}

/** The log lines each request must have left: one per hop, the load balancers' included. */
function expectedLines(requests) {
  const expected = [];
  for (const { title, found } of requests) {
    if (found.length === 0) continue;
    const root = found[0].hop;
    for (const { hop, path } of found) {
      if (hop.service === 'legacy') {
        expected.push({
          what: `${title}: legacy ${path} with the request ID it received`,
          matches: (line) =>
            line.service === hop.instance &&
            line.msg === 'request' &&
            line.path === path &&
            line.receivedRequestId === root.requestId,
        });
        continue;
      }
      expected.push({
        what: `${title}: ${hop.instance} ${path} with its IDs (${hop.requestId}, span ${hop.spanId})`,
        matches: (line) =>
          line.service === hop.instance &&
          line.msg === 'request' &&
          line.path === path &&
          line.status === 200 &&
          line.requestId === hop.requestId &&
          line.traceId === hop.traceId &&
          line.spanId === hop.spanId,
      });
    }
    for (const [service, path] of [
      ['nginx', '/orders'],
      ['haproxy', '/stock'],
      ['haproxy', RESERVE_PATH],
    ]) {
      expected.push({
        what: `${title}: ${service} ${path} with request ID ${root.requestId}`,
        matches: (line) =>
          line.service === service &&
          line.path === path &&
          line.status === 200 &&
          line.requestId === root.requestId,
      });
    }
  }
  return expected;
}

async function checkLogs(requests) {
  let missing = expectedLines(requests);
  const deadline = Date.now() + LOG_WAIT_MS;
  let total = 0;
  while (missing.length > 0) {
    const lines = await composeLogs();
    total = lines.length;
    missing = missing.filter((expected) => !lines.some(expected.matches));
    if (missing.length === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  for (const { what } of missing) fail(`no log line: ${what}`);
  if (missing.length === 0) console.log(`  ✓ every hop's log line is there (${total} JSON lines)`);
}

/** The demo's folded header (a raw CR LF inside X-Request-ID): the gateway's parser answers 400. */
function sendRawCrlf() {
  const { hostname, port } = new URL(gatewayUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        'GET /checkout HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n' +
          'X-Request-ID: abc\r\n {"msg":"forged"}\r\n\r\n',
      );
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy(new Error('no answer')));
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('close', () => resolve(text.split('\r\n')[0] || '(connection closed, no answer)'));
    socket.on('error', (error) => resolve(`(${error.message})`));
  });
}

async function diagnosticTrace() {
  const chunks = [];
  const io = {
    stdin: (async function* () {})(),
    stdout: {
      write(text, callback) {
        chunks.push(text);
        callback?.();
      },
    },
    stderr: { write: (text) => chunks.push(text) },
  };
  const code = await runTraceCommand([`${gatewayUrl}/checkout`, '--token', token], io);
  const output = chunks.join('');
  console.log(output.replace(/^/gm, '    '));
  check(code === 1, `hoptrace trace exited ${code}, expected 1 (the trace breaks at legacy)`);
  for (const service of ['gateway', 'orders-', 'inventory', 'pricing'])
    check(output.includes(`● ${service}`), `the trace shows no hop of ${service}`);
  check(
    /pricing → GET http:\/\/legacy:8080\/quote: not instrumented/.test(output),
    'the trace does not name pricing → legacy /quote as the call that is not instrumented',
  );
}

async function main() {
  const requests = [];
  let index = 0;
  for (const sample of samples) {
    index++;
    console.log(`${index}. ${sample.title}`);
    let answer;
    try {
      answer = await send(sample.headers);
    } catch (error) {
      fail(`${sample.title}: no answer: ${error.message}`);
      continue;
    }
    const before = failures.length;
    const found = checkTree(sample, answer);
    if (failures.length === before) {
      const tree = answer.tree;
      const orders = found[1].hop.instance;
      const broken = found.at(-1).hop;
      console.log(
        `  ✓ 200, request ID ${tree.requestId}, trace ID ${tree.traceId} on all 7 hops (via ${orders}); broken behind legacy: ${broken.requestId} / ${broken.traceId}`,
      );
    }
    requests.push({ title: `${index}. ${sample.title}`, found });
  }

  console.log(`${++index}. a raw CR LF inside X-Request-ID (a folded header line)`);
  const status = await sendRawCrlf();
  if (check(/^HTTP\/1\.1 400/.test(status), `raw CR LF: ${status}, expected 400`))
    console.log(`  ✓ ${status}`);

  console.log('the log line of every hop, nginx and HAProxy included');
  await checkLogs(requests);

  console.log(`${++index}. a diagnostic trace: hoptrace trace ${gatewayUrl}/checkout --token …`);
  if (check(token !== undefined && token !== '', 'HOPTRACE_DIAG_TOKEN is not set'))
    await diagnosticTrace();

  if (failures.length > 0) {
    console.log(`${failures.length} check(s) failed`);
    process.exit(1);
  }
  console.log('every check passed');
}

await main();
