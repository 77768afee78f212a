// `npm run demo`: a plain node:http service wrapped in hoptraceHandler, on a loopback port the OS
// picks. It sends a few requests the way a mesh, a load balancer or an attacker would, and prints
// what the service saw and what it would send on an outbound call. Everything stays on 127.0.0.1.
import { createServer, request as httpRequest } from 'node:http';
import { getContext, hoptraceHandler, outboundHeaders } from '@hoptrace/core';

const options = { mode: 'child' };

const server = createServer(
  hoptraceHandler((_request, response) => {
    const context = getContext();
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ context, outbound: outboundHeaders(context, options) }));
  }, options),
);

const samples = [
  ['no headers (edge request)', {}],
  [
    'Envoy: x-request-id + B3 multi',
    {
      'x-request-id': '9c3e2bd6-7f2a-9d4c-8b1e-3f5a6c7d8e9f',
      'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
      'x-b3-spanid': 'e457b5a2e4d86bd1',
      'x-b3-parentspanid': '05e3ac9a4f6e3b90',
      'x-b3-sampled': '1',
    },
  ],
  ['B3 single, 64-bit trace ID, debug', { b3: '80f198ee56343ba8-e457b5a2e4d86bd1-d' }],
  [
    'W3C traceparent + tracestate',
    {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    },
  ],
  [
    'hostile request ID and malformed B3',
    {
      'x-request-id': '<script>alert(1)</script>',
      'x-b3-traceid': 'NOT-HEX',
      'x-b3-spanid': 'e457b5a2e4d86bd1',
    },
  ],
];

function send(port, headers) {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path: '/', headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ echoed: response.headers['x-request-id'], ...JSON.parse(body) }),
      );
    });
    outgoing.on('error', reject);
    outgoing.setTimeout(5000, () => outgoing.destroy(new Error('demo request timed out')));
    outgoing.end();
  });
}

server.listen(0, '127.0.0.1', async () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    for (const [title, headers] of samples) {
      const { echoed, context, outbound } = await send(port, headers);
      console.log(`\n## ${title}`);
      console.log(
        `  request ID   ${context.requestId} (${context.requestIdSource}; echoed on the response: ${echoed})`,
      );
      console.log(
        `  trace        ${context.traceId ?? '-'}  span ${context.spanId ?? '-'}  parent ${context.parentSpanId ?? '-'}`,
      );
      console.log(`  from         ${context.traceSource}  sampling ${context.sampling}`);
      if (context.rejected.length > 0) {
        console.log(
          `  rejected     ${context.rejected.map((item) => `${item.header} (${item.reason}, ${item.length} chars)`).join('; ')}`,
        );
      }
      console.log('  an outbound call (child mode) carries:');
      for (const [name, value] of Object.entries(outbound)) console.log(`    ${name}: ${value}`);
    }
  } catch (error) {
    console.error('demo failed:', error);
    process.exitCode = 1;
  } finally {
    server.close();
  }
});
