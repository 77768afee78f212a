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
    name: '1,000 repeated b3 headers',
    lines: Array.from({ length: 1000 }, (_unused, index) => `b3: ${index % 2}`),
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
