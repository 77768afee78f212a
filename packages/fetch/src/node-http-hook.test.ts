import { Agent, type ClientRequest, get, type RequestOptions, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { type HeaderSink, startHeaderSink } from '@hoptrace/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  clientRequestUrl,
  hasClientRequestCreatedChannel,
  hookClientRequests,
} from './node-http-hook.js';

type AddRequest = (this: Agent, ...parameters: unknown[]) => void;
const prototype = Agent.prototype as unknown as { addRequest: AddRequest };
const usesChannel = hasClientRequestCreatedChannel();

let sink: HeaderSink;
const unhooks: Array<() => void> = [];

function hook(listener: (request: ClientRequest) => void): () => void {
  const unhook = hookClientRequests(listener);
  unhooks.push(unhook);
  return unhook;
}

/** Sends `outgoing` and tells how it ended: `status <code>` or `error <code>`. */
function settle(outgoing: ClientRequest): Promise<string> {
  return new Promise((resolve) => {
    outgoing.on('response', (response) => {
      response.resume();
      resolve(`status ${response.statusCode}`);
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
    outgoing.end();
  });
}

/** A request built (and aborted at once) only to read what its constructor set. */
function built(options: RequestOptions): ClientRequest {
  const outgoing = request({ agent: false, ...options });
  outgoing.on('error', () => undefined);
  outgoing.destroy();
  return outgoing;
}

beforeAll(async () => {
  sink = await startHeaderSink();
});

afterEach(() => {
  for (const unhook of unhooks.splice(0)) unhook();
});

afterAll(async () => {
  await sink.close();
});

describe('hasClientRequestCreatedChannel', () => {
  it.each([
    ['20.19.0', false],
    ['20.20.2', false],
    ['22.11.0', false],
    ['22.12.0', true],
    ['23.1.0', false],
    ['23.2.0', true],
    ['24.0.0', true],
    ['26.1.0', true],
    ['', false],
  ])('%s → %s', (version, expected) => {
    expect(hasClientRequestCreatedChannel(version)).toBe(expected);
  });
});

describe('hookClientRequests', () => {
  it('shares the hook with https: https.Agent inherits addRequest from http.Agent', () => {
    expect(Object.hasOwn(HttpsAgent.prototype, 'addRequest')).toBe(false);
    expect(new HttpsAgent()).toBeInstanceOf(Agent);
  });

  it('sees http.get, agent: false, keep-alive and https requests, before their headers go out', async () => {
    const seen: string[] = [];
    hook((outgoing) => {
      seen.push(`${outgoing.protocol}${outgoing.path}`);
      outgoing.setHeader('x-hooked', outgoing.path);
    });
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await settle(get(`${sink.origin}/get`))).toBe('status 200');
      expect(await settle(request(`${sink.origin}/no-agent`, { agent: false }))).toBe('status 200');
      for (let call = 0; call < 2; call++) {
        expect(await settle(request(`${sink.origin}/keep/${call}`, { agent: keepAlive }))).toBe(
          'status 200',
        );
      }
    } finally {
      keepAlive.destroy();
    }
    // No TLS server needed: the hook runs while the request is built, before it connects.
    const secure = httpsRequest({ host: '127.0.0.1', port: sink.port, path: '/tls' });
    expect(await settle(secure)).toMatch(/^error /);
    expect(seen).toEqual([
      'http:/get',
      'http:/no-agent',
      'http:/keep/0',
      'http:/keep/1',
      'https:/tls',
    ]);
    for (const path of ['/get', '/no-agent', '/keep/0', '/keep/1']) {
      const received = sink.received.find((entry) => entry.path === path);
      expect(received?.headers['x-hooked']).toEqual([path]);
    }
  });

  it(`${usesChannel ? 'sees' : 'misses'} a request with createConnection and no agent on Node ${process.versions.node}`, async () => {
    const seen: string[] = [];
    hook((outgoing) => seen.push(outgoing.path));
    const outgoing = request({
      host: '127.0.0.1',
      port: sink.port,
      path: '/own-connection',
      createConnection: () => connect(sink.port, '127.0.0.1'),
    });
    expect(await settle(outgoing)).toBe('status 200');
    expect(seen).toEqual(usesChannel ? ['/own-connection'] : []);
  });

  it('never lets a throwing listener break the request', async () => {
    hook(() => {
      throw new Error('listener failure');
    });
    expect(await settle(get(`${sink.origin}/throwing`))).toBe('status 200');
  });

  it('stops on unhook, restoring Agent#addRequest when it is still ours', async () => {
    const original = prototype.addRequest;
    const seen: string[] = [];
    const unhook = hook((outgoing) => seen.push(outgoing.path));
    expect(prototype.addRequest === original).toBe(usesChannel);
    unhook();
    expect(prototype.addRequest).toBe(original);
    expect(await settle(get(`${sink.origin}/unhooked`))).toBe('status 200');
    expect(seen).toEqual([]);
  });

  it('leaves a later wrapper of Agent#addRequest in place, calling nothing of ours', async () => {
    const original = prototype.addRequest;
    const seen: string[] = [];
    const unhook = hook((outgoing) => seen.push(outgoing.path));
    const ours = prototype.addRequest;
    let theirs = 0;
    prototype.addRequest = function addRequest(this: Agent, ...parameters: unknown[]) {
      theirs++;
      return ours.apply(this, parameters);
    };
    try {
      unhook();
      expect(await settle(get(`${sink.origin}/wrapped-later`))).toBe('status 200');
      expect(theirs).toBe(1);
      expect(seen).toEqual([]);
    } finally {
      prototype.addRequest = original;
    }
  });
});

describe('clientRequestUrl', () => {
  it('builds the URL from the protocol, the dialled host, the Host header port and the path', () => {
    expect(clientRequestUrl(built({ host: '127.0.0.1', port: 8080, path: '/a?b=1' }))?.href).toBe(
      'http://127.0.0.1:8080/a?b=1',
    );
    expect(clientRequestUrl(built({ host: 'localhost', port: 80, path: '/' }))?.href).toBe(
      'http://localhost/',
    );
    expect(clientRequestUrl(built({ host: '::1', port: 9000, path: '/v6' }))?.href).toBe(
      'http://[::1]:9000/v6',
    );
  });

  it('keeps the dialled host when the Host header names another one', () => {
    const outgoing = built({
      host: '127.0.0.1',
      port: 8080,
      path: '/virtual',
      headers: { host: 'api.example.com:9999' },
    });
    expect(clientRequestUrl(outgoing)?.href).toBe('http://127.0.0.1/virtual');
  });

  it('gives the origin alone for an absolute-form path (a request to a forward proxy)', () => {
    const outgoing = built({ host: 'proxy.local', port: 3128, path: 'http://target.example/x' });
    expect(clientRequestUrl(outgoing)?.href).toBe('http://proxy.local:3128/');
  });
});
