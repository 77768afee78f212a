import { type SentResponse, send, sendSlowly } from '@hoptrace/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { type Probe, ROUTE_PROBES, type TestApp, type TestAppOptions, useTestApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

const LIFECYCLE: readonly Probe[] = [
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
  'handler',
  'preSerialization',
  'onSend',
  'onResponse',
  'finish',
];
const ERROR_PATH: readonly Probe[] = ['onRequest', 'preHandler', 'onError', 'onSend', 'onResponse'];

interface ProbeCase {
  readonly name: string;
  readonly send: Sender;
  readonly probes: readonly Probe[];
  readonly status?: number;
  /** Answered by the app's 404 handler, which a plugin's hooks do not reach. */
  readonly outsidePlugins?: boolean;
}

type Sender = (port: number, headers: Record<string, string>) => Promise<SentResponse>;

const get =
  (path: string): Sender =>
  (port, headers) =>
    send(port, { path, headers });

/** A POST with the whole body in one write, to `path?delay=<random>`. */
const post =
  (path: string, contentType: string, body: string): Sender =>
  (port, headers) =>
    send(port, {
      method: 'POST',
      path: `${path}?delay=${Math.floor(Math.random() * 15)}`,
      headers: { ...headers, 'content-type': contentType },
      body,
    });

/** A POST whose body arrives in pieces after the headers (see sendSlowly). */
const postSlowly =
  (path: string, contentType: string, chunks: readonly string[]): Sender =>
  (port, headers) =>
    sendSlowly(port, { path, headers: { ...headers, 'content-type': contentType }, chunks });

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const STREAM_TYPE = 'application/octet-stream';
const STREAM_CHUNKS = ['first ', 'second ', 'third'];

const CASES: readonly ProbeCase[] = [
  { name: 'a GET', send: get('/probe'), probes: LIFECYCLE },
  {
    name: 'a JSON body (Fastify’s JSON parser)',
    send: post('/probe', JSON_TYPE, '{"a":1}'),
    probes: LIFECYCLE,
  },
  {
    name: 'a urlencoded body (parseAs string parser)',
    send: post('/probe', FORM_TYPE, 'a=1&b=two'),
    probes: LIFECYCLE,
  },
  {
    name: 'a JSON body arriving in pieces after the headers',
    send: postSlowly('/probe', JSON_TYPE, ['{"a":', '1}']),
    probes: LIFECYCLE,
  },
  {
    name: 'a streamed body read with for await',
    send: postSlowly('/probe', STREAM_TYPE, STREAM_CHUNKS),
    probes: LIFECYCLE,
  },
  {
    name: 'a streamed body read with data/end listeners',
    send: postSlowly('/probe?read=events', STREAM_TYPE, STREAM_CHUNKS),
    probes: [...LIFECYCLE, 'bodyData', 'bodyEnd'],
  },
  { name: 'a thrown error', send: get('/fail/sync'), probes: ERROR_PATH, status: 500 },
  { name: 'a rejected promise', send: get('/fail/async'), probes: ERROR_PATH, status: 500 },
  {
    name: 'reply.send(error) from a callback',
    send: get('/fail/reply'),
    probes: ERROR_PATH,
    status: 500,
  },
  {
    name: 'done(error) in a route hook',
    send: get('/fail/hook'),
    probes: ['onRequest', 'onError', 'onSend', 'onResponse'],
    status: 500,
  },
  {
    name: 'a custom error handler (thrown)',
    send: get('/handled/sync'),
    probes: [...ERROR_PATH, 'errorHandler'],
    status: 500,
  },
  {
    name: 'a custom error handler (rejected)',
    send: get('/handled/async'),
    probes: [...ERROR_PATH, 'errorHandler'],
    status: 500,
  },
  {
    name: 'a reply sent by a route onRequest hook',
    send: get('/early/on-request'),
    probes: ['onRequest', 'preSerialization', 'onSend', 'onResponse'],
    status: 401,
  },
  {
    name: 'a 404 from no route',
    send: get('/no/such/route'),
    probes: ['onRequest', 'preValidation', 'preHandler', 'onSend', 'onResponse'],
    status: 404,
    outsidePlugins: true,
  },
];

async function expectOwnContext(server: TestApp, id: string, probes: readonly Probe[]) {
  // onResponse and finish run after the client has the response: wait for them, bounded.
  await vi.waitFor(
    () => {
      const seen = server.seen.get(id) ?? {};
      expect(Object.keys(seen)).toEqual(expect.arrayContaining([...probes]));
    },
    { timeout: 2_000, interval: 5 },
  );
  const seen = server.seen.get(id) ?? {};
  expect(Object.fromEntries(probes.map((probe) => [probe, seen[probe]]))).toEqual(
    Object.fromEntries(probes.map((probe) => [probe, id])),
  );
}

/** Sends `count` interleaved requests of one case, each with its own ID, and checks every probe. */
async function runCase(server: TestApp, probeCase: ProbeCase, count = 8) {
  const ids = Array.from({ length: count }, (_unused, index) => `${probeCase.name}-${index}`)
    .map((name) => name.replace(/[^\w-]/g, '_'))
    .map((name) => `${name}-${Math.random().toString(36).slice(2, 8)}`);
  const responses = await Promise.all(
    ids.map((id) => probeCase.send(server.port, { 'x-request-id': id, 'x-probe': '1' })),
  );
  for (const [index, id] of ids.entries()) {
    const response = responses[index];
    expect(response?.status).toBe(probeCase.status ?? 200);
    expect(response?.headers['x-request-id']).toBe(id);
    await expectOwnContext(server, id, probeCase.probes);
  }
}

// With hoptraceServerOptions, genReqId binds the raw request before Fastify adds its response
// listeners, and the plugin adds no onResponse hook; with the plugin alone, it does. Both must
// give the same contexts.
const SETUPS = FASTIFY_VERSIONS.flatMap(
  ([name, factory]) =>
    [
      [`${name} with hoptraceServerOptions`, factory, {}],
      [`${name}, plugin only`, factory, { serverOptions: false }],
    ] as const,
);

describe.each(SETUPS)('%s: the context in every hook', (_name, factory, options) => {
  const server = useTestApp(factory, options);

  it.each(CASES)('$name', (probeCase) => runCase(server(), probeCase));

  it.each([
    ['JSON', post('/probe', JSON_TYPE, '{"a":1}'), { a: 1 }],
    ['urlencoded', post('/probe', FORM_TYPE, 'a=1&b=two'), { a: '1', b: 'two' }],
  ])(
    'the handler sees it after %s parsing, next to the parsed body',
    async (format, sender, body) => {
      const response = await sender(server().port, { 'x-request-id': `${format}-body` });
      expect(JSON.parse(response.body)).toEqual({ body, requestId: `${format}-body` });
    },
  );

  it('after await, setTimeout, setImmediate, process.nextTick, resolved and rejected promises', async () => {
    const ids = Array.from({ length: 20 }, (_unused, index) => `continuations-${index}`);
    const responses = await Promise.all(
      ids.map((id) =>
        send(server().port, { path: '/continuations', headers: { 'x-request-id': id } }),
      ),
    );
    for (const [index, id] of ids.entries()) {
      expect(JSON.parse(responses[index]?.body ?? '{}')).toEqual({
        await: id,
        setTimeout: id,
        setImmediate: id,
        nextTick: id,
        resolved: id,
        rejected: id,
      });
    }
  });
});

// Each route continues one step from a callback in the start-up context (a pooled client):
// hoptrace's hook at the start of the next phase restores the request's context.
const FOREIGN_CASES: readonly ProbeCase[] = [
  {
    name: 'an onRequest hook calling done() from a callback',
    send: get('/foreign/request'),
    probes: LIFECYCLE,
  },
  {
    name: 'a preParsing hook calling done() from a callback',
    send: post('/foreign/parsing', JSON_TYPE, '{"a":1}'),
    probes: LIFECYCLE,
  },
  {
    name: 'a preValidation hook calling done() from a callback',
    send: get('/foreign/validation'),
    probes: LIFECYCLE,
  },
  {
    name: 'reply.send(object) from a callback',
    send: get('/foreign/send'),
    probes: ['preSerialization', 'onSend', 'onResponse', 'finish'],
  },
  {
    name: 'reply.send(string) from a callback (no preSerialization)',
    send: get('/foreign/send?as=text'),
    probes: ['onSend', 'onResponse', 'finish'],
  },
  {
    name: 'reply.send(error) from a callback',
    send: get('/foreign/error'),
    probes: ['onError', 'onSend', 'onResponse'],
    status: 500,
  },
  {
    name: 'a streamed reply whose last chunk comes from a callback (finish, onResponse)',
    send: get('/foreign/stream'),
    probes: ['onSend', 'onResponse', 'finish'],
  },
];

describe.each(SETUPS)('%s: steps that continue from elsewhere', (_name, factory, options) => {
  const server = useTestApp(factory, options);
  it.each(FOREIGN_CASES)('$name', (probeCase) => runCase(server(), probeCase));
});

// The same cases with the probe hooks on an encapsulated plugin, and with no probe hooks at all,
// where a route's own hooks are the only ones and the handler must still run in the request's
// context after one of them continued from elsewhere.
const PLACEMENTS = FASTIFY_VERSIONS.flatMap(([name, factory]) =>
  (['plugin', 'none'] as const).map(
    (probeHooks) =>
      [`${name}, probe hooks: ${probeHooks}`, factory, { probeHooks }] as const satisfies readonly [
        string,
        unknown,
        TestAppOptions,
      ],
  ),
);

describe.each(PLACEMENTS)('%s', (_name, factory, options) => {
  const server = useTestApp(factory, options);
  const probed = (probeCase: ProbeCase): ProbeCase =>
    options.probeHooks === 'none' || (options.probeHooks === 'plugin' && probeCase.outsidePlugins)
      ? { ...probeCase, probes: probeCase.probes.filter((probe) => ROUTE_PROBES.has(probe)) }
      : probeCase;

  it.each([...CASES, ...FOREIGN_CASES])('$name', (probeCase) =>
    runCase(server(), probed(probeCase)),
  );
});
