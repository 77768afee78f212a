// Loads the built ESM entry through the package's exports map and makes a two-hop chain: a
// client interceptor inside a handler carries the request ID to the second server.
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { getContext, hoptraceClientInterceptor, hoptraceServerInterceptor } from '@hoptrace/grpc';

const json = {
  requestSerialize: (value) => Buffer.from(JSON.stringify(value)),
  requestDeserialize: (bytes) => JSON.parse(bytes.toString()),
  responseSerialize: (value) => Buffer.from(JSON.stringify(value)),
  responseDeserialize: (bytes) => JSON.parse(bytes.toString()),
};
const service = {
  echo: { path: '/smoke.Echo/Echo', requestStream: false, responseStream: false, ...json },
};
const Client = grpc.makeGenericClientConstructor(service, 'Echo');

function start(echo) {
  const server = new grpc.Server({ interceptors: [hoptraceServerInterceptor()] });
  server.addService(service, { echo });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve({ server, target: `127.0.0.1:${port}` }),
    ),
  );
}

const second = await start((_call, callback) => callback(null, { seen: getContext().requestId }));
const downstream = new Client(second.target, grpc.credentials.createInsecure(), {
  interceptors: [hoptraceClientInterceptor({ target: second.target, propagateTo: '127.0.0.1' })],
});
const first = await start((_call, callback) =>
  downstream.echo({}, (error, response) => callback(error, response)),
);
const client = new Client(first.target, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
metadata.set('x-request-id', 'smoke-esm');
const response = await new Promise((resolve, reject) =>
  client.echo({}, metadata, (error, value) => (error ? reject(error) : resolve(value))),
);
assert.equal(response.seen, 'smoke-esm');
client.close();
downstream.close();
first.server.forceShutdown();
second.server.forceShutdown();
console.log(`smoke (esm) on Node ${process.version}: ok`);
