// Loads the built CJS entry through the package's exports map, as a CommonJS user would, and
// answers one unary call with it over a real grpc-js server.
const assert = require('node:assert/strict');
const grpc = require('@grpc/grpc-js');
const {
  getContext,
  hoptraceClientInterceptor,
  hoptraceServerInterceptor,
} = require('@hoptrace/grpc');

assert.equal(typeof hoptraceServerInterceptor, 'function', "require('@hoptrace/grpc')");

const json = {
  requestSerialize: (value) => Buffer.from(JSON.stringify(value)),
  requestDeserialize: (bytes) => JSON.parse(bytes.toString()),
  responseSerialize: (value) => Buffer.from(JSON.stringify(value)),
  responseDeserialize: (bytes) => JSON.parse(bytes.toString()),
};
const service = {
  echo: { path: '/smoke.Echo/Echo', requestStream: false, responseStream: false, ...json },
};

const server = new grpc.Server({ interceptors: [hoptraceServerInterceptor()] });
server.addService(service, {
  echo(_call, callback) {
    callback(null, { requestId: getContext().requestId });
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  assert.ifError(error);
  const Client = grpc.makeGenericClientConstructor(service, 'Echo');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    interceptors: [hoptraceClientInterceptor({ outsideContext: 'new-trace' })],
  });
  const metadata = new grpc.Metadata();
  metadata.set('x-request-id', 'smoke-cjs');
  const call = client.echo({}, metadata, (failure, response) => {
    assert.ifError(failure);
    assert.equal(response.requestId, 'smoke-cjs');
    client.close();
    server.forceShutdown();
    console.log('smoke (cjs): ok');
  });
  call.on('metadata', (received) => assert.deepEqual(received.get('x-request-id'), ['smoke-cjs']));
});
