// One echo server of the gRPC race, in its own process so it can be pinned to a core. Variants:
// - `bare` / `bare-control`: no interceptor; the handler echoes the message;
// - `als-floor`: a hand-written server interceptor that opens an AsyncLocalStorage store holding
//   the incoming x-request-id around every event of the call and echoes the ID in the response's
//   metadata; the handler reads it from the store (the floor any such interceptor pays);
// - `hoptrace`: `hoptraceServerInterceptor()`; the handler reads `getRequestId()`;
// - `hoptrace-observe`: the same with `observe` given an observer that only counts.
// Binds 127.0.0.1 port 0 and tells the parent its port and pid over IPC.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Server, ServerCredentials, ServerInterceptingCall } from '@grpc/grpc-js';
import { getRequestId, hoptraceServerInterceptor } from '@hoptrace/grpc';
import { EchoService } from './echo.mjs';

const variant = process.argv[2];
const floorStorage = new AsyncLocalStorage();

function floorInterceptor(_methodDescriptor, call) {
  let store;
  const inStore = (next) => (store === undefined ? next() : floorStorage.run(store, next));
  return new ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMetadata(metadata, next) {
          const [requestId] = metadata.get('x-request-id');
          store = { requestId: typeof requestId === 'string' ? requestId : undefined };
          floorStorage.run(store, () => next(metadata));
        },
        onReceiveMessage: (message, next) => inStore(() => next(message)),
        onReceiveHalfClose: (next) => inStore(() => next()),
        onCancel: () => {},
      });
    },
    sendMetadata(metadata, next) {
      if (store?.requestId !== undefined) metadata.set('x-request-id', store.requestId);
      next(metadata);
    },
  });
}

let observed = 0;
const variants = {
  bare: { interceptors: [], read: () => undefined },
  'bare-control': { interceptors: [], read: () => undefined },
  'als-floor': { interceptors: [floorInterceptor], read: () => floorStorage.getStore()?.requestId },
  hoptrace: { interceptors: [hoptraceServerInterceptor()], read: getRequestId },
  'hoptrace-observe': {
    interceptors: [
      hoptraceServerInterceptor({
        observe: {
          observer: () => {
            observed++;
          },
        },
      }),
    ],
    read: getRequestId,
  },
};
const chosen = variants[variant];
if (chosen === undefined) {
  console.error(`unknown variant ${variant}; one of ${Object.keys(variants).join(', ')}`);
  process.exit(1);
}

let sink = 0;
const server = new Server({ interceptors: chosen.interceptors });
server.addService(EchoService, {
  echo(call, callback) {
    // What a handler does with the ID (a log line would): read it.
    sink += chosen.read()?.length ?? 0;
    callback(null, call.request);
  },
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.send?.({ port, pid: process.pid });
});
process.on('disconnect', () => {
  server.forceShutdown();
  process.exit(sink >= 0 && observed >= 0 ? 0 : 1);
});
