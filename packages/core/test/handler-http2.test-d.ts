// hoptraceHandler serves node:http and the node:http2 compatibility API with one signature: the
// server it is handed to types an inline listener's parameters, for either.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createServer as createHttp2Server,
  createSecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { describe, expectTypeOf, it } from 'vitest';
import { hoptraceHandler } from '../src/index.js';

describe('hoptraceHandler and its servers', () => {
  it("infers an inline listener's parameters from http.createServer and https.createServer", () => {
    createServer(
      hoptraceHandler((request, response) => {
        expectTypeOf(request).toEqualTypeOf<IncomingMessage>();
        expectTypeOf(response).toMatchTypeOf<ServerResponse<IncomingMessage>>();
        expectTypeOf(response.req).toEqualTypeOf<IncomingMessage>();
        response.end(request.url);
      }),
    );
    createHttpsServer(
      {},
      hoptraceHandler((request) => {
        expectTypeOf(request).toEqualTypeOf<IncomingMessage>();
      }),
    );
  });

  it("infers an inline listener's parameters from http2.createServer and a server's 'request' event", () => {
    createHttp2Server(
      hoptraceHandler((request, response) => {
        expectTypeOf(request).toEqualTypeOf<Http2ServerRequest>();
        expectTypeOf(response).toEqualTypeOf<Http2ServerResponse>();
        expectTypeOf(response.req).toEqualTypeOf<Http2ServerRequest>();
        response.end(String(request.headers[':path']));
      }),
    );
    createSecureServer({}).on(
      'request',
      hoptraceHandler((request, response) => {
        expectTypeOf(request).toEqualTypeOf<Http2ServerRequest>();
        expectTypeOf(response).toEqualTypeOf<Http2ServerResponse>();
      }),
    );
  });

  it('takes the HTTP/2 types when named, where the server cannot tell them (options first)', () => {
    // createSecureServer(options, listener) infers its own classes from the options, after the
    // listener is typed: TypeScript then gives the listener its defaults, node:http's.
    createSecureServer(
      {},
      hoptraceHandler<Http2ServerRequest>((request, response) => {
        expectTypeOf(request).toEqualTypeOf<Http2ServerRequest>();
        expectTypeOf(response).toEqualTypeOf<Http2ServerResponse>();
      }),
    );
  });

  it('keeps an annotated listener type, and defaults to node:http outside a server', () => {
    const http2Listener = (_request: Http2ServerRequest, _response: Http2ServerResponse) => {};
    expectTypeOf(hoptraceHandler(http2Listener)).parameters.toEqualTypeOf<
      [Http2ServerRequest, Http2ServerResponse]
    >();
    createHttp2Server(hoptraceHandler(http2Listener));
    createSecureServer({}, hoptraceHandler(http2Listener));
    const alone = hoptraceHandler((request, response) => {
      expectTypeOf(request).toEqualTypeOf<IncomingMessage>();
      expectTypeOf(response).toEqualTypeOf<ServerResponse<IncomingMessage>>();
    });
    createServer(alone);
  });

  it('refuses a listener of one kind for a server of the other', () => {
    const http1Listener = (_request: IncomingMessage, _response: ServerResponse) => {};
    // @ts-expect-error an HTTP/2 server hands Http2ServerRequest, not IncomingMessage
    createHttp2Server(hoptraceHandler(http1Listener));
    const http2Listener = (_request: Http2ServerRequest, _response: Http2ServerResponse) => {};
    // @ts-expect-error a node:http server hands IncomingMessage, not Http2ServerRequest
    createServer(hoptraceHandler(http2Listener));
    // @ts-expect-error a request listener takes a request and a response
    hoptraceHandler((_request: string) => {});
  });
});
