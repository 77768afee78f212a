// Sends N requests with mesh headers (x-request-id + B3 multi, fresh per request) to
// 127.0.0.1:PORT over 4 keep-alive sockets. Used by instructions.sh.
import { Agent, request } from 'node:http';

const [port, total] = process.argv.slice(2).map(Number);
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
let sent = 0;

function send(index) {
  return new Promise((resolve, reject) => {
    const headers = {
      'x-request-id': `id-${index}`,
      'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
      'x-b3-spanid': (index + 4096).toString(16).padStart(16, 'a'),
      'x-b3-sampled': '1',
    };
    const outgoing = request({ host: '127.0.0.1', port, agent, headers }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function worker() {
  while (sent < total) await send(sent++);
}
await Promise.all([worker(), worker(), worker(), worker()]);
agent.destroy();
