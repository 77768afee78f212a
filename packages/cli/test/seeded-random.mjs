// Plain JavaScript (typed by seeded-random.d.mts) so that the benchmark, which runs in plain Node,
// draws from the same generator as the tests.

/** A seeded generator (mulberry32) of numbers in [0, 1), so every run draws the same ones. */
export function seededRandom(seed) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
