import { Agent, type ClientRequest, get, type RequestOptions, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { type HeaderSink, startHeaderSink } from '@hoptrace/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forwardProxyOf, isPortKnown } from './call-target.js';
import {
  clientRequestUrl,
  type DialOptions,
  hasClientRequestCreatedChannel,
  hookClientRequests,
} from './node-http-hook.js';

type AddRequest = (this: Agent, ...parameters: unknown[]) => void;
const prototype = Agent.prototype as unknown as { addRequest: AddRequest };
const usesChannel = hasClientRequestCreatedChannel();

let sink: HeaderSink;
const unhooks: Array<() => void> = [];

function hook(listener: (request: ClientRequest, options?: DialOptions) => void): () => void {
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
    const url = clientRequestUrl(outgoing);
    expect(url?.hostname).toBe('127.0.0.1');
    expect(url?.pathname).toBe('/virtual');
    // The port dialled where Node tells it (≥ 24), else unknown: never the Host header's 9999.
    expect(url?.port === '8080' || (url !== undefined && !isPortKnown(url))).toBe(true);
  });

  it('never lets the path name the host: //host/x and /@host stay paths of the host dialled', () => {
    const doubled = built({ host: '127.0.0.1', port: 8080, path: '//allowed.internal/x?q=//y' });
    expect(clientRequestUrl(doubled)?.href).toBe('http://127.0.0.1:8080//allowed.internal/x?q=//y');
    const at = built({ host: '127.0.0.1', port: 8080, path: '/@allowed.internal/x' });
    expect(clientRequestUrl(at)?.host).toBe('127.0.0.1:8080');
  });

  it('gives the target of an absolute-form path, with the host dialled as its forward proxy', () => {
    const outgoing = built({ host: 'proxy.local', port: 3128, path: 'http://target.example/x' });
    const url = clientRequestUrl(outgoing);
    expect(url?.href).toBe('http://target.example/x');
    expect(url === undefined ? undefined : forwardProxyOf(url)?.href).toBe(
      'http://proxy.local:3128/',
    );
  });

  it('judges a CONNECT request by the proxy it goes to, not by the authority it names', () => {
    const outgoing = built({
      host: '127.0.0.1',
      port: 3128,
      method: 'CONNECT',
      path: 'a.test:443',
    });
    const url = clientRequestUrl(outgoing);
    expect(url?.href).toBe('http://127.0.0.1:3128/');
    expect(url === undefined ? undefined : forwardProxyOf(url)).toBeUndefined();
  });

  it('takes the port from the agent options when the hook has them, whatever the Host header says', () => {
    const outgoing = built({
      host: '127.0.0.1',
      port: 8080,
      path: '/',
      headers: { host: '127.0.0.1:9999' },
    });
    expect(clientRequestUrl(outgoing, { port: 8080 })?.host).toBe('127.0.0.1:8080');
  });

  it('with setHost: false, knows the port from the options or Node, else calls it unknown', () => {
    const outgoing = built({ host: '127.0.0.1', port: 8080, path: '/', setHost: false });
    expect(clientRequestUrl(outgoing, { port: 8080 })?.host).toBe('127.0.0.1:8080');
    const url = clientRequestUrl(outgoing);
    // Node ≥ 24 keeps the authority it built; older Node leaves nothing to read the port from.
    if (url?.port === '8080') expect(isPortKnown(url)).toBe(true);
    else expect(url === undefined ? true : isPortKnown(url)).toBe(false);
  });

  it('hands the listener the options with the port on the addRequest path', async () => {
    const seen: unknown[] = [];
    hook((_request, options) => {
      seen.push(options?.port);
    });
    const outgoing = request({ host: '127.0.0.1', port: sink.port, path: '/options' });
    await settle(outgoing);
    expect(seen).toEqual([usesChannel ? undefined : sink.port]);
  });
});
