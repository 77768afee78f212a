// The gRPC unary echo both sides of the race run: one method, `/bench.Echo/Echo`, whose messages
// are raw bytes (no protobuf: the race measures the call, not an encoder), and the mesh metadata
// the load sends with every call.
import { randomBytes, randomUUID } from 'node:crypto';

const bytes = { serialize: (value) => value, deserialize: (value) => value };

export const ECHO_PATH = '/bench.Echo/Echo';

/** The service definition, for `server.addService` and `makeGenericClientConstructor`. */
export const EchoService = {
  echo: {
    path: ECHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes.serialize,
    requestDeserialize: bytes.deserialize,
    responseSerialize: bytes.serialize,
    responseDeserialize: bytes.deserialize,
    originalName: 'echo',
  },
};

/** What a mesh sends (x-request-id and B3 multi), 256 sets made once, as bench/http sends them. */
export function meshMetadataPool() {
  return Array.from({ length: 256 }, () => ({
    'x-request-id': randomUUID(),
    'x-b3-traceid': randomBytes(16).toString('hex'),
    'x-b3-spanid': randomBytes(8).toString('hex'),
    'x-b3-parentspanid': randomBytes(8).toString('hex'),
    'x-b3-sampled': '1',
  }));
}
