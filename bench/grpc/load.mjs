// The load generator of the gRPC race, in its own process (pinned to the other core): grpc-js
// clients calling the echo servers it is told about, both servers of a window at once, CONNECTIONS
// calls in flight per server over CHANNELS channels (each its own HTTP/2 connection). Every call
// carries mesh metadata from the pool; for a server that echoes the ID, the response's
// x-request-id must be the one sent, or the call counts as failed. Bounded in time and in count,
// 127.0.0.1 only. Asked over IPC: { targets: [{ port, echoes }], seconds } → { results }.
import { credentials, Metadata, makeGenericClientConstructor } from '@grpc/grpc-js';
import { EchoService } from './echo.mjs';

const EchoClient = makeGenericClientConstructor(EchoService, 'Echo');
const PAYLOAD = Buffer.from('{"ping":"hoptrace"}');
let pool = [];
/** port → its clients, made once and kept over the windows (warm connections, as bench/http). */
const clientsByPort = new Map();

function clientsFor(port, channels) {
  let clients = clientsByPort.get(port);
  if (clients === undefined) {
    clients = Array.from(
      { length: channels },
      // A local subchannel pool per client: one HTTP/2 connection each, not one shared.
      () =>
        new EchoClient(`127.0.0.1:${port}`, credentials.createInsecure(), {
          'grpc.use_local_subchannel_pool': 1,
        }),
    );
    clientsByPort.set(port, clients);
  }
  return clients;
}

/** Loads one server for `seconds`: calls completed per second, p99 in ms, failed calls. */
function loadOne({ port, echoes }, { seconds, connections, channels, maxCalls }) {
  const clients = clientsFor(port, channels);
  const latencies = [];
  let next = 0;
  let errors = 0;
  let firstError;
  let calls = 0;
  const started = performance.now();
  const endAt = started + seconds * 1000;
  const loop = (client) =>
    new Promise((resolve) => {
      const once = () => {
        if (performance.now() >= endAt || calls >= maxCalls) return resolve();
        calls++;
        const sent = pool[next++ & 255];
        const metadata = new Metadata();
        for (const key in sent) metadata.set(key, sent[key]);
        const begin = performance.now();
        let echoed;
        const call = client.echo(PAYLOAD, metadata, (error) => {
          latencies.push(performance.now() - begin);
          if (error) {
            errors++;
            firstError ??= error.message;
          } else if (echoes && echoed !== sent['x-request-id']) {
            errors++;
            firstError ??= `x-request-id ${JSON.stringify(echoed)}, sent ${sent['x-request-id']}`;
          }
          once();
        });
        call.on('metadata', (received) => {
          echoed = received.get('x-request-id')[0];
        });
      };
      once();
    });
  const loops = Array.from({ length: connections }, (_, index) =>
    loop(clients[index % clients.length]),
  );
  return Promise.all(loops).then(() => {
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      calls: latencies.length,
      rps: latencies.length / elapsed,
      p99: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN,
      errors,
      firstError,
    };
  });
}

process.on('message', async (message) => {
  if (message.pool !== undefined) {
    pool = message.pool;
    process.send({ ready: true, pid: process.pid });
    return;
  }
  // Both loads start in the order given: the runner alternates it.
  const results = await Promise.all(message.targets.map((target) => loadOne(target, message)));
  process.send({ results });
});
process.on('disconnect', () => {
  for (const clients of clientsByPort.values()) for (const client of clients) client.close();
  process.exit(0);
});
