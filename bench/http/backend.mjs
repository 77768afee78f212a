// The backend of the two-hop scenario (`run.mjs two-hop`), in its own process so it
// can be pinned beside the load generator. The runner sends it the mesh headers it loads the edges
// with; on `/check` every call must carry an x-request-id the load sent and, in every trace header
// it has (x-b3-traceid, which must be there, b3, traceparent), that request's trace ID. A call that
// does not gets a 500, which the edge passes on as a failed request, and the reason goes to the
// runner, which then stops the benchmark. `/bare` (the bare edges, which propagate nothing) and
// `/start` answer without checking.
import { createServer } from 'node:http';

/** x-request-id → the trace ID the load sent with it. */
const expected = new Map();

/** Why `headers` are not what an edge that propagates must send; `undefined` when they are. */
function headerProblem(headers) {
  const requestId = headers['x-request-id'];
  const traceId = expected.get(requestId);
  if (traceId === undefined)
    return `x-request-id ${JSON.stringify(requestId)} is not one the load sent`;
  if (headers['x-b3-traceid'] !== traceId)
    return `x-b3-traceid ${JSON.stringify(headers['x-b3-traceid'])}, expected ${traceId}`;
  const b3 = headers.b3;
  if (b3 !== undefined && b3.split('-')[0] !== traceId) return `b3 ${b3} names another trace`;
  const traceparent = headers.traceparent;
  if (traceparent !== undefined && traceparent.split('-')[1] !== traceId)
    return `traceparent ${traceparent} names another trace`;
  return undefined;
}

let reported = 0;
const server = createServer((request, response) => {
  request.resume();
  const problem = request.url === '/check' ? headerProblem(request.headers) : undefined;
  if (problem === undefined) {
    response.end('ok');
    return;
  }
  // The first few reasons are enough to say what went wrong.
  if (reported++ < 5) process.send?.({ failure: problem });
  response.statusCode = 500;
  response.end(problem);
});
// Longer than any run, so an edge's keep-alive socket is never closed under it mid-call.
server.keepAliveTimeout = 600_000;
server.headersTimeout = 601_000;

process.on('message', (message) => {
  if (message.meshHeaders === undefined) return;
  for (const headers of message.meshHeaders)
    expected.set(headers['x-request-id'], headers['x-b3-traceid']);
  server.listen(0, '127.0.0.1', () =>
    process.send?.({ port: server.address().port, pid: process.pid }),
  );
});
process.on('disconnect', () => process.exit(0));
