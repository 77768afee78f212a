export {
  ADAPTER_BAD_OPTION_CASES,
  describeAdapterBadOptions,
  expectRequestIdOnAnswers,
  expectTokenStripped,
  FRESH_UUID,
  itRefusesEach,
} from './adapter-cases.js';
export {
  BAD_OPTION_CASES,
  type BadOptionCase,
  expectOptionsRefused,
  TEST_DIAGNOSTICS_TOKEN,
  thrownBy,
} from './bad-options.js';
export { continuations } from './continuations.js';
export {
  type DiagnosticsTokenCase,
  describeTokenStaysInHoptrace,
  diagnosticsTokenCases,
} from './diagnostics-token-cases.js';
export {
  countHeaderReads,
  describeTraceReadOnFirstUse,
  type FirstUseApp,
  type FirstUseCase,
  type HeaderReads,
} from './header-reads.js';
export {
  groupRawHeaders,
  type HeaderSink,
  type SinkRequest,
  startHeaderSink,
} from './header-sink.js';
export {
  assertHostileCaseHandled,
  HOSTILE_HEADER_CASES,
  type HostileCaseOutcome,
  type HostileHeaderCase,
  hostileRequest,
  isParserRejection,
} from './hostile-headers.js';
export {
  close,
  getJson,
  listen,
  type SendOptions,
  type SentResponse,
  send,
} from './http-client.js';
export {
  assertNoLeaks,
  itKeepsRequestsApart,
  type LeakTestOptions,
  type LeakTestResult,
  postEach,
  runLeakTest,
  type SeenIds,
} from './leak-test.js';
export {
  describeObservationCases,
  disconnectBeforeAnswer,
  firstRequestFields,
  listening,
  type ObservedApp,
  type ObservedOptions,
  type ObservedRecord,
  type ObserveOption,
  type StartedApp,
  sendOnOneSocket,
  TRACEPARENT,
  waitForRecords,
} from './observation-cases.js';
export { type RawResponse, sendRaw } from './raw-request.js';
export { holdRefusedPort, type RefusedPort } from './refused-port.js';
export { type SlowRequest, sendSlowly } from './send-slowly.js';
export { type ServerPool, serverPool } from './server-pool.js';
export { TRACE_HEADER_NAMES } from './trace-header-names.js';
