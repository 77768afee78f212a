import { describe, expect, it } from 'vitest';
import { modeWarning } from './mode-warning.js';

describe('modeWarning', () => {
  it('says which --mode fits when per-call is forced on forwarded IDs', () => {
    const warning = modeWarning({
      mode: 'per-call',
      modeFrom: 'option',
      modeEvidence: { forward: 16, perCall: 0, perCallHints: 0 },
    });
    expect(warning).toMatch(
      /do not fit --mode per-call: 16 of 16 client records carry the request ID their own service received/,
    );
    expect(warning).toMatch(/use --mode forward/);
  });

  it('says which --mode fits when forward is forced on per-call IDs', () => {
    expect(
      modeWarning({
        mode: 'forward',
        modeFrom: 'option',
        modeEvidence: { forward: 0, perCall: 5, perCallHints: 5 },
      }),
    ).toMatch(/5 of 5 client records carry a request ID of their own.*use --mode per-call/);
    expect(
      modeWarning({
        mode: 'forward',
        modeFrom: 'option',
        modeEvidence: { forward: 0, perCall: 0, perCallHints: 3 },
      }),
    ).toMatch(
      /3 client records carry a correlationId other than their request ID.*use --mode per-call/,
    );
  });

  it('warns when the records mix both modes', () => {
    expect(
      modeWarning({
        mode: 'forward',
        modeFrom: 'records',
        modeEvidence: { forward: 8, perCall: 4, perCallHints: 4 },
      }),
    ).toMatch(/mix both join modes \(8 .* 4 .*\): give every service the same outboundRequestId/);
  });

  it('says nothing when the records agree, do not tell, or the other mode is noise', () => {
    for (const modeEvidence of [
      { forward: 16, perCall: 0, perCallHints: 0 },
      { forward: 0, perCall: 0, perCallHints: 0 },
      { forward: 100, perCall: 2, perCallHints: 2 },
    ]) {
      expect(modeWarning({ mode: 'forward', modeFrom: 'records', modeEvidence })).toBeUndefined();
    }
  });
});
