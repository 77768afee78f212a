// Loads the built ESM entry through the package's exports map and builds a topology with it.
import assert from 'node:assert/strict';
import { buildTopology, formatTopology, readLines } from 'hoptrace';

const record = (fields) => JSON.stringify({ start: 1764000000000, durationMs: 2, ...fields });
const text = [
  record({
    hoptrace: 'client',
    service: 'gateway',
    requestId: 'r',
    echoedRequestId: 'r',
    matched: true,
    target: { host: 'orders', port: 80 },
    status: 200,
    failure: null,
  }),
  record({ hoptrace: 'server', service: 'orders', requestId: 'r', status: 200 }),
].join('\n');

async function* bytes() {
  yield Buffer.from(text);
}

const topology = await buildTopology(readLines(bytes()));
assert.equal(topology.edges.length, 1);
assert.equal(topology.edges[0].from, 'gateway');
assert.match(formatTopology(topology, 'mermaid'), /^graph LR/);
console.log(`smoke (esm) on Node ${process.version}: ok`);
