import { describe, expect, it } from 'vitest';
import { chainLogs } from '../test/chain-records.js';
import { clientLine, serverLine, T0 } from '../test/records.js';
import { detectedMode, MAX_EVIDENCE_CHAINS, ModeEvidence } from './mode-evidence.js';
import type { Observation } from './observation.js';
import { parseObservation } from './parse-observation.js';

function evidenceOf(lines: readonly string[]): ModeEvidence {
  const evidence = new ModeEvidence();
  for (const line of lines) evidence.add(parseObservation(line) as Observation);
  return evidence;
}

function allOf(mode: 'forward' | 'per-call'): string[] {
  const logs = chainLogs(8, mode);
  return [...logs.gateway, ...logs.orders, ...logs.inventory];
}

describe('ModeEvidence', () => {
  it('sees forward: each call carries the ID its own service received', () => {
    const evidence = evidenceOf(allOf('forward'));
    expect(evidence.counts()).toEqual({ forward: 16, perCall: 0, perCallHints: 0 });
    expect(evidence.detected()).toBe('forward');
  });

  it('sees per-call: each call carries a fresh ID, the chain is the correlationId', () => {
    const evidence = evidenceOf(allOf('per-call'));
    expect(evidence.counts()).toEqual({ forward: 0, perCall: 16, perCallHints: 16 });
    expect(evidence.detected()).toBe('per-call');
  });

  it('matches a client written before its own request, and only calls made inside it', () => {
    const evidence = evidenceOf([
      clientLine({ service: 'orders', requestId: 'x', start: T0 + 1 }),
      clientLine({ service: 'orders', requestId: 'x', start: T0 - 5 }), // before: not inside
      serverLine({ service: 'orders', requestId: 'x', start: T0 }),
    ]);
    expect(evidence.counts().forward).toBe(1);
  });

  it('does not tell from records with no own request seen and no correlationId', () => {
    const evidence = evidenceOf([clientLine(), serverLine()]);
    expect(evidence.detected()).toBeUndefined();
  });

  it('keeps at most MAX_EVIDENCE_CHAINS chains waiting', () => {
    const evidence = new ModeEvidence();
    for (let index = 0; index < MAX_EVIDENCE_CHAINS + 100; index += 1) {
      evidence.add(parseObservation(clientLine({ requestId: `lone-${index}` })) as Observation);
    }
    // The oldest were forgotten: their own request arriving now tells nothing.
    evidence.add(
      parseObservation(serverLine({ service: 'gateway', requestId: 'lone-0' })) as Observation,
    );
    evidence.add(
      parseObservation(
        serverLine({
          service: 'gateway',
          requestId: `lone-${MAX_EVIDENCE_CHAINS + 99}`,
          start: T0 - 1,
        }),
      ) as Observation,
    );
    expect(evidence.counts().forward).toBe(1);
  });
});

describe('detectedMode', () => {
  it.each([
    [{ forward: 3, perCall: 1, perCallHints: 9 }, 'forward'],
    [{ forward: 1, perCall: 3, perCallHints: 0 }, 'per-call'],
    [{ forward: 0, perCall: 0, perCallHints: 2 }, 'per-call'],
    [{ forward: 2, perCall: 2, perCallHints: 2 }, undefined],
    [{ forward: 0, perCall: 0, perCallHints: 0 }, undefined],
  ] as const)('%j → %s', (counts, mode) => {
    expect(detectedMode(counts)).toBe(mode);
  });
});
