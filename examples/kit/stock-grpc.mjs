// The one gRPC method of the topology: orders asks inventory to reserve stock, through HAProxy
// (`proto h2`). It is real gRPC over HTTP/2 (grpc-js on both ends, `application/grpc` framing,
// status in the trailers), with JSON instead of protobuf as the message encoding so the example
// needs no .proto file and no code generator: proxies never look inside the messages.
import { makeGenericClientConstructor } from '@grpc/grpc-js';

const json = {
  serialize: (value) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes) => JSON.parse(bytes.toString('utf8')),
};

/** The method's path on the wire, and the `route` of its observations and log lines. */
export const RESERVE_PATH = '/hoptrace.example.Stock/Reserve';

/** The service definition, for `server.addService(StockService, { reserve })`. */
export const StockService = {
  reserve: {
    path: RESERVE_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
    originalName: 'reserve',
  },
};

/** The client: `new StockClient(target, credentials.createInsecure(), { interceptors })`. */
export const StockClient = makeGenericClientConstructor(StockService, 'Stock');
