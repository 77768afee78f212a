/**
 * @hoptrace/grpc: hoptrace for `@grpc/grpc-js`. A server interceptor runs every call in its
 * trace context (request ID, B3, W3C Trace Context, read from the incoming metadata) and answers
 * with its request ID; a client interceptor writes the current request's metadata into every
 * outbound call.
 *
 * @packageDocumentation
 */

export {
  getContext,
  getRequestId,
  type HoptraceOptions,
  HoptraceOptionsError,
  type TraceContext,
  tryGetContext,
} from '@hoptrace/core';
export {
  type GrpcClientObservation,
  type GrpcClientOptions,
  hoptraceClientInterceptor,
} from './client-interceptor.js';
export { failureOf, GRPC_STATUS, httpStatusOf } from './grpc-status.js';
export { type GrpcTarget, parseGrpcTarget } from './grpc-target.js';
export { type GrpcHostPattern, type GrpcPropagateTo, grpcHostPolicy } from './propagate-to.js';
export { type GrpcServerObservation, hoptraceServerInterceptor } from './server-interceptor.js';
