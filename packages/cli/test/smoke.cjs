// Loads the built CommonJS entry through the package's exports map and builds a topology with it.
const assert = require('node:assert/strict');
const { buildTopology, formatTopology } = require('hoptrace');

const record = (fields) => JSON.stringify({ start: 1764000000000, durationMs: 2, ...fields });

async function* lines() {
  yield record({
    hoptrace: 'client',
    service: 'gateway',
    requestId: 'r',
    echoedRequestId: null,
    matched: true,
    target: { host: 'legacy', port: 9000 },
    status: null,
    failure: 'UF',
  });
}

buildTopology(lines()).then((topology) => {
  assert.equal(topology.edges.length, 1);
  assert.deepEqual(topology.edges[0].to, {
    kind: 'unobserved',
    target: { host: 'legacy', port: 9000 },
  });
  assert.equal(topology.edges[0].errors, 1);
  assert.match(formatTopology(topology, 'table'), /unobserved legacy:9000/);
  console.log(`smoke (cjs) on Node ${process.version}: ok`);
});
