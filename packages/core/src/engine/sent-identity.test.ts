import { describe, expect, it } from 'vitest';
import { headerTarget } from './header-target.js';
import { sentIdentity } from './sent-identity.js';

const TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const SPAN = 'e457b5a2e4d86bd1';

describe('sentIdentity', () => {
  it.each([
    ['traceparent', { traceparent: `00-${TRACE}-${SPAN}-01`, b3: `${'1'.repeat(32)}-${SPAN}` }],
    ['b3 single', { b3: `${TRACE}-${SPAN}-1` }],
    ['b3 multi', { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN }],
  ])('reads the IDs from %s (traceparent first)', (_name, headers) => {
    expect(sentIdentity(headerTarget(headers))).toEqual({ traceId: TRACE, spanId: SPAN });
  });

  it('gives null for what did not go, or does not parse', () => {
    expect(sentIdentity(headerTarget({}))).toEqual({ traceId: null, spanId: null });
    expect(
      sentIdentity(
        headerTarget({ traceparent: 'junk', 'x-b3-traceid': 'zz', 'x-b3-spanid': SPAN }),
      ),
    ).toEqual({ traceId: null, spanId: SPAN });
  });
});
