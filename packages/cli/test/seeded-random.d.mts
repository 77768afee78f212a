/** A seeded generator (mulberry32) of numbers in [0, 1), so every run draws the same ones. */
export declare function seededRandom(seed: number): () => number;
