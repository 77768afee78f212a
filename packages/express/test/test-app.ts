import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HoptraceOptions } from '@hoptrace/core';
import { continuations, type SeenIds, send } from '@hoptrace/test-utils';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Router } from 'express';
import { hoptrace, tryGetContext } from '../src/index.js';
import type { ExpressModule } from './express-versions.js';

/** The IDs of the current trace context, or `null` outside any. */
export function seenIds(): SeenIds | null {
  const context = tryGetContext();
  if (context === undefined) return null;
  return { requestId: context.requestId, traceId: context.traceId, spanId: context.spanId };
}

/**
 * Values recorded after the response went out (in `finish` listeners, in listeners an emitter
 * fires later), which the tests wait for. Keyed by the request ID the test sent.
 */
export class Recorder {
  readonly #values = new Map<string, unknown>();

  record(key: string, value: unknown): void {
    this.#values.set(key, value);
  }

  /** The value recorded under `key`, waiting at most `timeoutMs` for it. */
  async wait(key: string, timeoutMs = 5_000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#values.has(key)) {
      if (Date.now() > deadline) throw new Error(`nothing recorded under ${key}`);
      await sleep(5);
    }
    return this.#values.get(key);
  }
}

/** Each way a handler can continue later; each resolves with the IDs seen inside the callback. */
const CONTINUATIONS = continuations(seenIds, 5);

/** The `:kind` values of `/continuation/:kind`. */
export const CONTINUATION_KINDS = Object.keys(CONTINUATIONS);

/** The routes under `/` and `/handled` that fail, per major (async rejection needs Express 5). */
export function errorPaths(major: 4 | 5): string[] {
  const paths = ['/throw', '/next-error', '/async-next-error'];
  return major === 5 ? [...paths, '/rejected'] : paths;
}

function addErrorRoutes(router: Router, major: 4 | 5): void {
  router.get('/throw', () => {
    throw new Error('thrown');
  });
  router.get('/next-error', (_request, _response, next) => next(new Error('passed to next')));
  router.get('/async-next-error', (_request, _response, next) => {
    setTimeout(() => next(new Error('passed to next later')), 5);
  });
  // Express 4 ignores a rejected promise (the request would hang), Express 5 passes it to next.
  if (major === 5) {
    router.get('/rejected', async () => {
      await sleep(5);
      throw new Error('rejected');
    });
  }
}

/** Answers JSON with what `work` resolves to, or passes its rejection to `next` (Express 4 too). */
function answer(work: (request: Request) => Promise<unknown>): RequestHandler {
  return (request, response, next) => {
    work(request).then((result) => response.json(result), next);
  };
}

/** A body reader in the old style (body-parser before raw-body 2.5, hand-written parsers). */
const handParse: RequestHandler = (request, _response, next) => {
  let bytes = 0;
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  request.on('end', () => {
    request.body = { bytes, seenAtEnd: seenIds()?.requestId ?? null };
    next();
  });
};

/**
 * Sends `/finish?endFrom=outside` with request ID `requestId`, has the start-up emitter end the
 * response from outside any request, and returns what the route answered and what its
 * `finish` listener saw.
 */
export async function finishEndedFromOutside(
  testApp: TestApp,
  port: number,
  requestId: string,
): Promise<{ answered: unknown; finishSaw: unknown }> {
  const sent = send(port, {
    path: '/finish?endFrom=outside',
    headers: { 'x-request-id': requestId },
  });
  await testApp.recorder.wait(`waiting:${requestId}`);
  setImmediate(() => testApp.startupEmitter.emit('flush'));
  const answered: unknown = JSON.parse((await sent).body);
  return { answered, finishSaw: await testApp.recorder.wait(`finish:${requestId}`) };
}

/** An app with hoptrace and `recorder` / `startupEmitter` for the tests to observe it. */
export interface TestApp {
  readonly app: Express;
  readonly recorder: Recorder;
  /** Created at start-up, before any request, with a `ping` listener attached at start-up. */
  readonly startupEmitter: EventEmitter;
}

/**
 * One app with every route the shared suite needs, for one major of Express. `middleware` is
 * what opens the context (the adapter itself, unless a test compares it with something else).
 */
export function buildTestApp(
  express: ExpressModule,
  major: 4 | 5,
  options?: HoptraceOptions,
  middleware: (options?: HoptraceOptions) => RequestHandler = hoptrace,
): TestApp {
  const app = express();
  const recorder = new Recorder();
  const startupEmitter = new EventEmitter();
  let pingSaw: string | null = null;
  startupEmitter.on('ping', () => {
    pingSaw = seenIds()?.requestId ?? null;
  });

  app.use(middleware(options));
  app.use('/early-end', (_request, response) => {
    response.status(403).send('blocked');
  });
  app.use(express.json());
  app.use(express.urlencoded({ extended: false }));

  app.get('/', (request, response) => {
    response.json({ ...seenIds(), reqId: request.id, same: request.hoptrace === tryGetContext() });
  });
  app.all(
    '/leak',
    answer(async (request) => {
      await sleep(Number(request.query.delay ?? 0));
      return seenIds();
    }),
  );
  app.get(
    '/continuation/:kind',
    answer(async (request) => CONTINUATIONS[String(request.params.kind)]?.()),
  );
  app.post('/body', (request, response) => {
    response.json({ ...seenIds(), body: request.body });
  });
  app.post('/hand-parsed', handParse, (request, response) => {
    response.json({ ...seenIds(), body: request.body });
  });
  app.post(
    '/stream',
    answer(async (request) => {
      let bytes = 0;
      for await (const chunk of request) bytes += (chunk as Buffer).length;
      return { ...seenIds(), bytes };
    }),
  );
  app.get('/finish', (request, response) => {
    const sentId = request.get('x-request-id');
    response.on('finish', () => recorder.record(`finish:${sentId}`, seenIds()?.requestId));
    if (request.query.endFrom !== 'outside') {
      response.json(seenIds());
      return;
    }
    // Ended by code that runs outside the request, as a callback from a driver's own socket
    // would: Node then emits `finish` outside the request's context too.
    startupEmitter.once('flush', () => response.json(seenIds()));
    recorder.record(`waiting:${sentId}`, true);
  });

  app.get('/emit', (_request, response) => {
    startupEmitter.emit('ping');
    response.json({ ...seenIds(), listenerSaw: pingSaw });
  });
  app.get('/listen-late', (request, response) => {
    const listener = (): void =>
      recorder.record(`late:${request.get('x-request-id')}`, seenIds()?.requestId);
    startupEmitter.once(
      'late',
      request.query.bind === '1' ? AsyncResource.bind(listener) : listener,
    );
    response.json(seenIds());
  });
  app.get('/emit-late', (_request, response) => {
    startupEmitter.emit('late');
    response.json(seenIds());
  });

  const nested = express.Router();
  nested.use(middleware(options));
  nested.get('/', (request, response) => {
    response.json({ ...seenIds(), reqId: request.id });
  });
  app.use('/nested', nested);

  const handled = express.Router();
  addErrorRoutes(handled, major);
  const reportError: ErrorRequestHandler = (error: Error, _request, response, _next) => {
    response.status(500).json({ ...seenIds(), message: error.message });
  };
  handled.use(reportError);
  app.use('/handled', handled);
  // The rest fall through to Express's default error handler (finalhandler).
  addErrorRoutes(app, major);

  return { app, recorder, startupEmitter };
}
