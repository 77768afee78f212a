export {
  assertHostileCaseHandled,
  HOSTILE_HEADER_CASES,
  type HostileHeaderCase,
  hostileRequest,
  isParserRejection,
} from './hostile-headers.js';
export { close, listen, type SendOptions, type SentResponse, send } from './http-client.js';
export {
  type LeakTestOptions,
  type LeakTestResult,
  runLeakTest,
  type SeenIds,
} from './leak-test.js';
export { type RawResponse, sendRaw } from './raw-request.js';
