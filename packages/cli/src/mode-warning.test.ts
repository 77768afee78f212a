import { describe, expect, it } from 'vitest';
import { modeWarning } from './mode-warning.js';

describe('modeWarning', () => {
  it.each([
    [
      'says which --mode fits when per-call is forced on forwarded IDs',
      'per-call',
      'option',
      { forward: 16, perCall: 0, perCallHints: 0 },
      [
        /do not fit --mode per-call: 16 of 16 client records carry the request ID their own service received/,
        /use --mode forward/,
      ],
    ],
    [
      'says which --mode fits when forward is forced on per-call IDs',
      'forward',
      'option',
      { forward: 0, perCall: 5, perCallHints: 5 },
      [/5 of 5 client records carry a request ID of their own.*use --mode per-call/],
    ],
    [
      'says which --mode fits when forward is forced on correlation IDs alone',
      'forward',
      'option',
      { forward: 0, perCall: 0, perCallHints: 3 },
      [/3 client records carry a correlationId other than their request ID.*use --mode per-call/],
    ],
    [
      'warns when the records mix both modes',
      'forward',
      'records',
      { forward: 8, perCall: 4, perCallHints: 4 },
      [/mix both join modes \(8 .* 4 .*\): give every service the same outboundRequestId/],
    ],
  ] as const)('%s', (_name, mode, modeFrom, modeEvidence, patterns) => {
    const warning = modeWarning({ mode, modeFrom, modeEvidence });
    for (const pattern of patterns) expect(warning).toMatch(pattern);
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
