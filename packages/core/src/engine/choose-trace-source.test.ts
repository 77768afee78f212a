import { describe, expect, it } from 'vitest';
import type { Traceparent } from '../codec/traceparent.js';
import { chooseTrace, dropConflicts, sameTrace } from './choose-trace-source.js';
import { HeaderVerdicts } from './header-verdicts.js';

const TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const SPAN = 'e457b5a2e4d86bd1';
const PARENT = '05e3ac9a4f6e3b90';
const traceparent: Traceparent = {
  version: '00',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  parentId: 'b7ad6b7169203331',
  traceFlags: 1,
};

describe('chooseTrace', () => {
  it('takes B3 single over B3 multi over traceparent', () => {
    const single = { traceId: TRACE, spanId: SPAN, sampling: 'deny' as const };
    const multi = { traceId: TRACE, spanId: PARENT, sampling: 'accept' as const };
    expect(chooseTrace({ single, multi, traceparent }, true)).toMatchObject({
      spanId: SPAN,
      sampling: 'deny',
      traceSource: 'b3-single',
    });
    expect(chooseTrace({ single: undefined, multi, traceparent }, true)).toMatchObject({
      spanId: PARENT,
      traceSource: 'b3-multi',
    });
    expect(chooseTrace({ single: undefined, multi: undefined, traceparent }, true)).toEqual({
      traceId: traceparent.traceId,
      spanId: traceparent.parentId,
      parentSpanId: undefined,
      sampling: 'accept',
      traceSource: 'traceparent',
    });
  });

  it('lets a sampling-only b3 set the sampling of the identity used', () => {
    const chosen = chooseTrace(
      { single: { sampling: 'deny' }, multi: undefined, traceparent },
      true,
    );
    expect(chosen).toMatchObject({ traceSource: 'traceparent', sampling: 'deny' });
  });

  it("takes the multi header's parent for the same span when b3 has none", () => {
    const single = { traceId: TRACE, spanId: SPAN, sampling: 'defer' as const };
    const multi = {
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: PARENT,
      sampling: 'defer' as const,
    };
    expect(chooseTrace({ single, multi, traceparent: undefined }, true).parentSpanId).toBe(PARENT);
  });

  it('starts a trace only with startTrace', () => {
    const none = { single: undefined, multi: undefined, traceparent: undefined };
    expect(chooseTrace(none, true)).toMatchObject({ traceSource: 'generated', sampling: 'defer' });
    expect(chooseTrace(none, false)).toMatchObject({ traceId: undefined, traceSource: undefined });
  });
});

describe('dropConflicts', () => {
  it('drops a traceparent of another trace and its tracestate, recording why', () => {
    const verdicts = new HeaderVerdicts();
    verdicts.incoming.traceparent = 'x'.repeat(55);
    verdicts.incoming.tracestate = 'rojo=1';
    dropConflicts(verdicts, TRACE, { single: undefined, multi: undefined, traceparent });
    expect(verdicts.incoming).toEqual({});
    expect(verdicts.rejected).toEqual([
      { header: 'traceparent', reason: 'conflicting', length: 55 },
      { header: 'tracestate', reason: 'orphaned', length: 6 },
    ]);
  });
});

describe('sameTrace', () => {
  it('matches a 64-bit B3 trace ID to its zero-padded W3C form', () => {
    expect(sameTrace('000000000000000080f198ee56343ba8', '80f198ee56343ba8')).toBe(true);
    expect(sameTrace(TRACE, TRACE)).toBe(true);
    expect(sameTrace(TRACE, undefined)).toBe(false);
  });
});
