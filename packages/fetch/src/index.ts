/**
 * @hoptrace/fetch: outbound propagation for hoptrace. Inside a request, every outbound call
 * (fetch, undici, axios, node:http) carries the request ID and trace headers of that request.
 *
 * @packageDocumentation
 */

export { HoptraceOptionsError, type TraceContext } from '@hoptrace/core';
export { failureFlag } from './client-observation.js';
export {
  type AxiosInstanceLike,
  type AxiosRequestConfigLike,
  instrumentAxios,
} from './instrument-axios.js';
export { instrumentOutbound } from './instrument-outbound.js';
export { createOutbound, type Outbound, type OutboundOptions } from './outbound.js';
export { type HostPattern, type HostPolicy, hostPolicy, type PropagateTo } from './propagate-to.js';
export {
  type DispatchHandlerLike,
  type DispatchHeadersLike,
  type DispatchInterceptorLike,
  type DispatchLike,
  type DispatchOptionsLike,
  hoptraceInterceptor,
} from './undici-interceptor.js';
export { type FetchFunction, wrapFetch } from './wrap-fetch.js';
