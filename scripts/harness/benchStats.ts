// The bench's statistics: medians of fresh processes, and how far a ratio of medians can be trusted when one
// process runs at a different speed from the next (on this 2-core machine, by 30 % and more).

/** The median; of an even count, the upper of the two middle values. */
export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/** mulberry32: a small seeded generator, so a run's intervals are the same each time they are computed. */
function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export interface IntervalOptions {
    /** Share of the resampled statistics the interval holds; default 0.9. */
    level?: number;
    /** Resamples; default 2000. */
    iterations?: number;
    /** Seed of the resampling; default 1. */
    seed?: number;
}

/**
 * A percentile bootstrap interval of `statistic` over the medians of several sets of measurements (one set per
 * kind of process: plan, floor, ...). Each resample draws every set's processes again, with replacement.
 */
export function bootstrapInterval(sets: number[][], statistic: (medians: number[]) => number, options: IntervalOptions = {}): [number, number] {
    const { level = 0.9, iterations = 2000, seed = 1 } = options;
    if (sets.some((s) => s.length === 0)) throw new Error("bootstrapInterval: every set needs a measurement");
    const next = random(seed);
    const stats: number[] = [];
    for (let i = 0; i < iterations; i++) {
        stats.push(statistic(sets.map((s) => median(Array.from(s, () => s[Math.floor(next() * s.length)])))));
    }
    stats.sort((a, b) => a - b);
    const tail = (1 - level) / 2;
    return [stats[Math.floor(tail * (iterations - 1))], stats[Math.ceil((1 - tail) * (iterations - 1))]];
}

/**
 * A ratio against an upper bound, given its interval: within (the whole interval is), over (none of it is), or
 * undecided. A ratio that is not a positive number (a floor measured slower for fewer resources) is over.
 */
export function verdict(interval: [number, number], bound: number): "within" | "over" | "undecided" {
    const [low, high] = interval;
    if (!(low > 0 && high > 0)) return "over";
    if (high <= bound) return "within";
    return low > bound ? "over" : "undecided";
}
