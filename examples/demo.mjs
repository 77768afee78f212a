// `npm run demo`: starts the example topology on 127.0.0.1 (gateway → nginx → orders ×2 →
// HAProxy → inventory over HTTP/1.1 and over gRPC, and pricing → legacy, with real nginx and
// HAProxy when they are installed),
// sends /checkout the way a client, a mesh, a tracing library and an attacker would, and prints
// for each request the hops it went through with the IDs every service saw, then one diagnostic
// trace (`hoptrace trace`). Everything it starts is stopped before it exits.
import { connect } from 'node:net';
import { brokenHops } from '@hoptrace-example/kit/hop-tree.mjs';
import { runTraceCommand } from 'hoptrace';
import { samples } from './kit/samples.mjs';
import { startTopology } from './kit/topology.mjs';

/** The demo gives up (and stops everything) after this long. */
const DEADLINE_MS = 45_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** The route each service answers in the topology; pricing answers /price to orders, else /cost. */
const ROUTES = { gateway: '/checkout', orders: '/orders', inventory: '/stock', legacy: '/quote' };

function routeOf(hop, parent) {
  // inventory's gRPC answer names its route itself ('gRPC Reserve').
  if (hop.route !== undefined) return hop.route;
  if (hop.service === 'pricing') return parent?.service === 'orders' ? '/price' : '/cost';
  return ROUTES[hop.service] ?? '';
}

/** An ID cut to fit a column: its first 8 characters, which are enough to tell IDs apart. */
function short(id) {
  if (id === null || id === undefined) return '-';
  return id.length > 9 ? `${id.slice(0, 8)}…` : id;
}

/** The hop tree as table rows, depth first, each labelled with its branch of the tree. */
function rows(tree) {
  const list = [];
  const visit = (hop, parent, prefix, last) => {
    const branch = parent === undefined ? '' : last ? '└ ' : '├ ';
    const label = `${prefix}${branch}${hop.instance ?? hop.service} ${routeOf(hop, parent)}`;
    list.push({ hop, parent, label });
    const calls = hop.calls ?? [];
    const below = parent === undefined ? '' : `${prefix}${last ? '  ' : '│ '}`;
    for (const [index, call] of calls.entries()) {
      visit(call, hop, below, index === calls.length - 1);
    }
  };
  visit(tree, undefined, '', true);
  return list;
}

/** One table row: the hop number, the tree label, four ID columns and a note; 96 columns at most. */
function row(number, label, ids, note = '') {
  const columns = ids.map((id) => id.padEnd(11)).join('');
  return `${number.padStart(3)}  ${label.padEnd(28)}${columns}${note}`.trimEnd();
}

/** Prints the request's hops; returns how many of them broke the trace. */
function printTable(tree) {
  const broken = new Set(brokenHops(tree).map(({ hop }) => hop));
  console.log(row('hop', 'service', ['request ID', 'trace ID', 'span ID', 'parent']));
  for (const [index, { hop, parent, label }] of rows(tree).entries()) {
    let note = '';
    if (broken.has(hop)) note = '✗ trace broken';
    else if (hop.requestId === null) {
      // legacy runs no hoptrace: all it can show is which X-Request-ID reached it.
      note = hop.receivedRequestId === parent?.requestId ? 'no hoptrace, got ID' : 'no hoptrace';
    } else if (hop.error !== undefined) note = `error: ${hop.error}`;
    const ids = [hop.requestId, hop.traceId, hop.spanId, hop.parentSpanId].map(short);
    console.log(row(String(index + 1), label, ids, note));
  }
  return broken.size;
}

async function send(url, headers) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await response.text();
  let tree;
  try {
    tree = JSON.parse(text);
  } catch {
    throw new Error(`${url} answered ${response.status} with something other than JSON: ${text}`);
  }
  return { status: response.status, requestId: response.headers.get('x-request-id'), tree };
}

function describeSent(headers) {
  const entries = Object.entries(headers);
  if (entries.length === 0) return '(no headers)';
  return entries.map(([name, value]) => `${name}: ${JSON.stringify(value)}`).join('\n      ');
}

function report(index, title, sent, answer) {
  console.log(`\n${index}. ${title}`);
  console.log(`sent: ${describeSent(sent)}`);
  const incoming = sent['x-request-id'];
  let echo = `answer: ${answer.status}, X-Request-ID: ${answer.requestId}`;
  if (incoming !== undefined && incoming !== answer.requestId)
    echo += ' (the incoming one was refused)';
  console.log(echo);
  const brokenCount = printTable(answer.tree);
  if (answer.status !== 200) throw new Error(`request ${index} answered ${answer.status}`);
  if (brokenCount !== 1)
    throw new Error(`request ${index}: expected 1 broken hop, found ${brokenCount}`);
}

/**
 * A header value with a raw CR LF in it, written on a socket because no HTTP client will send one:
 * the gateway's HTTP parser refuses the request before any code (hoptrace's included) sees it.
 */
function sendRawCrlf(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
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
    socket.on('error', reject);
  });
}

/** In-memory standard streams for running `hoptrace trace` inside the demo. */
function createTraceIo() {
  const chunks = [];
  const io = {
    stdin: (async function* () {})(),
    stdout: {
      write(text, callback) {
        chunks.push(text);
        callback();
      },
    },
    stderr: { write: (text) => chunks.push(text) },
  };
  return { io, output: () => chunks.join('') };
}

async function main() {
  const started = Date.now();
  console.log('Starting the topology (child mode) on 127.0.0.1 …');
  const topology = await startTopology({ mode: 'child', log: (line) => console.log(`  ${line}`) });
  try {
    const { nginx, haproxy } = topology.loadBalancers;
    const what = (real) => (real ? 'real' : 'not installed (a direct call)');
    console.log(
      `Up in ${((Date.now() - started) / 1000).toFixed(1)} s. nginx: ${what(nginx)}; HAProxy: ${what(haproxy)}.`,
    );
    if (!nginx || !haproxy) console.log('(for both: apt-get install -y nginx-light haproxy)');
    console.log(`
Each table is one request: every hop, with the IDs hoptrace gave the request there (the first 8
characters). legacy runs no hoptrace and forwards no header, so the pricing call behind it starts
a new request ID and a new trace: that hop is marked "✗ trace broken".`);

    let index = 0;
    for (const { title, headers } of samples) {
      index++;
      report(index, title, headers, await send(`${topology.gatewayUrl}/checkout`, headers));
    }

    console.log(`\n${++index}. a raw CR LF inside X-Request-ID (a folded header line)`);
    console.log(`answer: ${await sendRawCrlf(topology.gatewayUrl)}`);

    if (nginx) {
      index++;
      const answer = await send(`${topology.nginxUrl}/orders`, {});
      report(
        index,
        'straight to nginx, no headers: nginx generates the ID ($request_id)',
        {},
        answer,
      );
    }
    index++;
    console.log(
      `\n${index}. a diagnostic trace: hoptrace trace ${topology.gatewayUrl}/checkout --token …`,
    );
    console.log(`(every service runs with the same HOPTRACE_DIAG_TOKEN; each hop returns its breadcrumb
in x-hoptrace-trail, signed with it, and the command prints the tree)\n`);
    const trace = createTraceIo();
    const code = await runTraceCommand(
      [`${topology.gatewayUrl}/checkout`, '--token', topology.diagnosticsToken],
      trace.io,
    );
    process.stdout.write(trace.output());
    console.log(
      `exit code ${code}: ${code === 1 ? 'the trace breaks (at legacy, as it should)' : 'unexpected'}`,
    );
    if (code !== 1)
      throw new Error(`hoptrace trace exited ${code}, expected 1 (legacy breaks the trace)`);

    console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    await topology.stop();
  }
}

const deadline = setTimeout(() => {
  console.error(`demo failed: not done within ${DEADLINE_MS / 1000} s`);
  // The topology's exit hook kills what is still running.
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error('demo failed:', error);
  process.exit(1);
}
