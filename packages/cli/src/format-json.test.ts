import { describe, expect, it } from 'vitest';
import { HOSTILE_NAMES, hostileTopology, plainTopology } from '../test/sample-topology.js';
import { formatJson } from './format-json.js';
import { SKIP_REASONS } from './skip-reason.js';

describe('formatJson', () => {
  it('writes edges, the servers without client, counts and every skip reason', async () => {
    const document = JSON.parse(formatJson(await plainTopology()));
    expect(document.edges).toEqual([
      expect.objectContaining({
        from: 'gateway',
        to: 'orders-1',
        toKind: 'service',
        calls: 2,
        errors: 1,
      }),
      expect.objectContaining({ from: 'gateway', to: 'orders-2', rewritten: 1 }),
      {
        from: 'gateway',
        to: 'unobserved legacy:9000',
        toKind: 'unobserved',
        target: { host: 'legacy', port: 9000 },
        calls: 1,
        errors: 0,
        rewritten: 0,
        p50Ms: 1.5,
        p99Ms: 1.5,
      },
    ]);
    expect(document.edges[0].p50Ms).toBeCloseTo(4, 1);
    expect(document.edges[0].p99Ms).toBeCloseTo(12, 1);
    expect(document.edges[0]).not.toHaveProperty('target');
    expect(document.serversWithoutClient).toEqual([{ service: 'gateway', requests: 1 }]);
    expect(document.records).toEqual({ client: 4, server: 4, joined: 3 });
    expect(Object.keys(document.skipped)).toEqual([...SKIP_REASONS]);
    expect(document.skipped['invalid-json']).toBe(1);
    expect(document).toMatchObject({
      mode: 'forward',
      modeFrom: 'default',
      modeEvidence: { forward: 0, perCall: 0, perCallHints: 0 },
      joinWindowMs: 300_000,
      ignoredLines: 0,
    });
  });

  it('round-trips hostile names as string values', async () => {
    const document = JSON.parse(formatJson(await hostileTopology()));
    const names = new Set(document.edges.map((edge: { from: string }) => edge.from));
    expect(names).toEqual(new Set(HOSTILE_NAMES));
    expect(Object.getPrototypeOf(document)).toBe(Object.prototype);
  });
});
