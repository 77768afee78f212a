import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHoptrace } from '../engine/create-hoptrace.js';
import { openedBefore } from './register-once.js';
import { openServerRequest, runServerRequest } from './server-request.js';

function newPair(): { request: IncomingMessage; response: ServerResponse } {
  const request = new IncomingMessage(new Socket());
  request.headers = { 'x-request-id': 'first' };
  return { request, response: new ServerResponse(request) };
}

describe('openedBefore', () => {
  it('finds nothing on a request no adapter opened', () => {
    expect(openedBefore(newPair().request)).toBeUndefined();
  });

  it('finds the scope the first registration opened, from anywhere', () => {
    const { request, response } = newPair();
    const exchange = { request, response };
    const scope = openServerRequest(createHoptrace(), exchange);
    runServerRequest(scope, exchange, () => undefined);
    expect(openedBefore(request)).toBe(scope);
    expect(openedBefore(request)?.requestId).toBe('first');
  });
});
