import assert from 'node:assert/strict';
import { send } from './http-client.js';
import { type RawResponse, sendRaw } from './raw-request.js';

/**
 * One hostile request: the raw header lines it adds to `GET <path> HTTP/1.1`, and the value that
 * must never come back (not in the response headers, not in the body).
 */
export interface HostileHeaderCase {
  readonly name: string;
  /** Header lines, without the final CRLF, as latin1 text (so bytes 0x80–0xFF can be sent). */
  readonly lines: readonly string[];
  /** A substring of the hostile value that must not be echoed. */
  readonly mustNotEcho: string;
  /**
   * Whether Node's own HTTP parser may refuse the request before any application code runs (400
   * for bad bytes, 431 past its 16 KiB header limit). Then no request ID can be echoed, and that
   * is fine: {@link isParserRejection} tells such answers apart.
   */
  readonly parserMayReject: boolean;
}

const TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const SPAN = 'e457b5a2e4d86bd1';

/**
 * The hostile-header table every adapter must survive: the server never crashes, answers with a
 * fresh valid request ID, and never echoes the hostile value.
 */
export const HOSTILE_HEADER_CASES: readonly HostileHeaderCase[] = [
  {
    name: 'CRLF injection in the request ID (obs-fold style continuation)',
    lines: ['X-Request-ID: abc', ' set-cookie: pwned=1'],
    mustNotEcho: 'pwned',
    parserMayReject: true,
  },
  {
    name: 'bare CR inside the request ID',
    lines: ['X-Request-ID: abc\rset-cookie: pwned=1'],
    mustNotEcho: 'pwned',
    parserMayReject: true,
  },
  {
    name: 'NUL inside the request ID',
    lines: ['X-Request-ID: abc\u0000def'],
    mustNotEcho: 'abc\u0000def',
    parserMayReject: true,
  },
  {
    name: '10 kB request ID',
    lines: [`X-Request-ID: ${'A'.repeat(10_000)}`],
    mustNotEcho: 'A'.repeat(300),
    parserMayReject: false,
  },
  {
    name: 'non-ASCII (latin1 bytes) request ID',
    lines: ['X-Request-ID: caf\u00e9-\u00ff\u00fe'],
    mustNotEcho: 'caf\u00e9',
    parserMayReject: false,
  },
  {
    name: 'markup in the request ID',
    lines: ['X-Request-ID: <script>alert(1)</script>'],
    mustNotEcho: '<script>',
    parserMayReject: false,
  },
  {
    name: 'quotes and spaces in the request ID',
    lines: ['X-Request-ID: "a" b\'c'],
    mustNotEcho: '"a" b',
    parserMayReject: false,
  },
  {
    name: 'several comma-joined request IDs',
    lines: ['X-Request-ID: first-id, second-id'],
    mustNotEcho: 'second-id',
    parserMayReject: false,
  },
  {
    name: 'two request ID header lines',
    lines: ['X-Request-ID: first-id', 'X-Request-ID: second-id'],
    mustNotEcho: 'second-id',
    parserMayReject: false,
  },
  {
    name: 'empty request ID',
    lines: ['X-Request-ID:'],
    mustNotEcho: '\u0000never',
    parserMayReject: false,
  },
  {
    // Node 24's parser refuses more than 1,000 header fields (431); Node 20 lets them through.
    name: '1,000 repeated b3 headers',
    lines: Array.from({ length: 1000 }, (_unused, index) => `b3: ${index % 2}`),
    mustNotEcho: '\u0000never',
    parserMayReject: true,
  },
  {
    name: '900 repeated b3 headers',
    lines: Array.from({ length: 900 }, (_unused, index) => `b3: ${index % 2}`),
    mustNotEcho: '\u0000never',
    parserMayReject: false,
  },
  {
    name: '1,000 repeated request ID headers (over the 16 KiB header limit of Node)',
    lines: Array.from({ length: 1000 }, (_unused, index) => `x-request-id: id${index}`),
    mustNotEcho: 'id999',
    parserMayReject: true,
  },
  {
    name: '500 repeated request ID headers',
    lines: Array.from({ length: 500 }, (_unused, index) => `x-request-id: id${index}`),
    mustNotEcho: 'id499',
    parserMayReject: false,
  },
  {
    name: 'malformed b3 single',
    lines: [`b3: ${TRACE.toUpperCase()}-${SPAN}-x-<b>`],
    mustNotEcho: '<b>',
    parserMayReject: false,
  },
  {
    name: 'malformed B3 multi (span without trace, injected markup)',
    lines: [`X-B3-SpanId: ${SPAN}<img>`, 'X-B3-Sampled: maybe'],
    mustNotEcho: '<img>',
    parserMayReject: false,
  },
  {
    name: 'malformed traceparent (version ff, all-zero trace)',
    lines: [`traceparent: ff-${'0'.repeat(32)}-${SPAN}-01`, 'tracestate: evil=<x>'],
    mustNotEcho: '<x>',
    parserMayReject: false,
  },
  {
    name: 'oversized tracestate and baggage',
    lines: [
      `traceparent: 00-${TRACE}-${SPAN}-01`,
      `tracestate: a=${'b'.repeat(5000)}`,
      `baggage: k=${'v'.repeat(9000)}`,
    ],
    mustNotEcho: 'b'.repeat(300),
    parserMayReject: false,
  },
];

/** The raw bytes of `GET path HTTP/1.1` with a hostile case's header lines and `Connection: close`. */
export function hostileRequest(testCase: HostileHeaderCase, path = '/'): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...testCase.lines,
    '',
    '',
  ].join('\r\n');
}

/** Whether `status` is Node's HTTP parser refusing a request (bad bytes, headers too large). */
export function isParserRejection(status: number): boolean {
  return status === 400 || status === 431;
}

/** What {@link assertHostileCaseHandled} saw, once its checks passed. */
export interface HostileCaseOutcome {
  /** The answer to the hostile request. */
  readonly response: RawResponse;
  /** The one request ID it carried, which the handler saw; `undefined` if Node's parser refused. */
  readonly requestId: string | undefined;
}

/**
 * Sends one hostile case to a server whose route at `path` answers JSON with the `requestId` it
 * saw, and checks what every adapter must guarantee: the hostile value is never echoed; the answer
 * carries exactly one fresh, valid request ID, the one the handler saw (unless Node's own parser
 * refused the request first); and the server still answers a normal request afterwards.
 * Throws an `AssertionError` naming the case otherwise. Resolves to what it saw, for checks of
 * an adapter's own.
 */
export async function assertHostileCaseHandled(
  port: number,
  testCase: HostileHeaderCase,
  isValidRequestId: (value: string) => boolean,
  path = '/',
): Promise<HostileCaseOutcome> {
  const response = await sendRaw(port, hostileRequest(testCase, path));
  const label = `hostile case "${testCase.name}"`;
  assert.ok(!response.raw.includes(testCase.mustNotEcho), `${label}: the hostile value was echoed`);
  const echoed = response.headers.get('x-request-id');
  let requestId: string | undefined;
  if (testCase.parserMayReject && isParserRejection(response.status)) {
    assert.equal(echoed, undefined, `${label}: a parser rejection carries no request ID`);
  } else {
    assert.equal(response.status, 200, `${label}: status`);
    assert.equal(echoed?.length, 1, `${label}: exactly one x-request-id on the response`);
    const [id = ''] = echoed ?? [];
    assert.ok(isValidRequestId(id), `${label}: the echoed request ID is valid`);
    assert.equal(
      (JSON.parse(response.body) as { requestId?: string }).requestId,
      id,
      `${label}: the handler saw the echoed ID`,
    );
    requestId = id;
  }
  const after = await send(port, { path, headers: { 'x-request-id': 'after-hostile' } });
  assert.equal(after.headers['x-request-id'], 'after-hostile', `${label}: the server still serves`);
  return { response, requestId };
}
