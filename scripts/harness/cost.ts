// Monthly cost of a plan at idle (every pool at its minimum) and at max scale (every pool at its maximum), from
// the pinned price table. Pure: facts and prices in, figures out. Counts nodes, their boot disks, the GKE fee
// and Cloud SQL; not network egress, load balancers, NAT, buckets, logging or monitoring.
import { DatabaseFacts, PoolFacts } from "./facts";
import { HOURS_PER_MONTH, PriceTable } from "./prices";

export interface CostInput {
    region: string;
    clusters: number;
    pools: PoolFacts[];
    databases: DatabaseFacts[];
}

export interface CostLine {
    /** What is priced, e.g. "pool l4-serving". */
    item: string;
    /** How, e.g. "8 x g2-standard-8, on-demand". */
    detail: string;
    /** USD per month at min nodes, and at max nodes. */
    idle: number;
    max: number;
}

export interface CostEstimate {
    lines: CostLine[];
    idle: number;
    max: number;
    /** Items the table has no price for: left out of the totals, named so nobody reads the totals as complete. */
    unpriced: string[];
    /** Assumptions a reader must know (prices used in place of missing ones). */
    notes: string[];
}

/** Cloud SQL's storage default when the program sets no size (the smallest allowed disk). */
const CLOUD_SQL_DEFAULT_DISK_GB = 10;

/** The hourly price of one node of a pool, GPUs included, or why it has none. */
function nodeHour(p: PoolFacts, prices: PriceTable, notes: Set<string>): number | string {
    const m = prices.machines[p.machineType];
    if (!m) return `machine type ${p.machineType}`;
    // Flex-start (Dynamic Workload Scheduler) bills at its own discounted rate; on-demand is the upper bound.
    if (p.provisioning === "flex-start") notes.add("flex-start priced as on-demand (an upper bound)");
    let hour = p.provisioning === "spot" ? m[1] : m[0];
    // Accelerator-optimized machine prices include their GPUs; N1 machines attach them at a price of their own.
    if (p.gpu && p.machineType.startsWith("n1-")) {
        const g = prices.attachedGpus[p.gpu.type];
        if (!g) return `GPU ${p.gpu.type}`;
        const spot = p.provisioning === "spot" ? g[1] : g[0];
        if (spot === undefined) notes.add(`spot ${p.gpu.type} priced as on-demand (no spot price pinned)`);
        hour += p.gpu.perNode * (spot ?? g[0]);
    }
    return hour;
}

function databaseMonth(d: DatabaseFacts, prices: PriceTable): number | string {
    const m = /^db-custom-(\d+)-(\d+)$/.exec(d.tier);
    if (!m) return `Cloud SQL tier ${d.tier}`;
    const sql = prices.cloudSql;
    const copies = d.highAvailability ? 2 : 1;
    const compute = (Number(m[1]) * sql.vcpuHour + (Number(m[2]) / 1024) * sql.memoryGbHour) * HOURS_PER_MONTH;
    const disk = (d.diskSizeGb ?? CLOUD_SQL_DEFAULT_DISK_GB) * (d.diskType === "PD_HDD" ? sql.hddGbMonth : sql.ssdGbMonth);
    return copies * (compute + disk);
}

/**
 * Prices `input` with `prices`.
 * @returns per-item and total USD per month at idle and at max scale; items without a price are listed in
 * `unpriced` and left out of the totals. A region other than the table's prices nothing.
 */
export function estimateCost(input: CostInput, prices: PriceTable): CostEstimate {
    if (input.region !== prices.region) {
        return { lines: [], idle: 0, max: 0, unpriced: [`region ${input.region} (prices are pinned for ${prices.region} only)`], notes: [] };
    }
    const lines: CostLine[] = [];
    const unpriced: string[] = [];
    const notes = new Set<string>();
    if (input.clusters > 0) {
        const fee = input.clusters * prices.clusterHour * HOURS_PER_MONTH;
        lines.push({ item: "GKE fee", detail: `${input.clusters} cluster(s)`, idle: fee, max: fee });
    }
    for (const p of input.pools) {
        const hour = nodeHour(p, prices, notes);
        const disk = prices.disks[p.diskType];
        if (typeof hour === "string" || disk === undefined) {
            unpriced.push(`pool ${p.name} (${typeof hour === "string" ? hour : `disk type ${p.diskType}`})`);
            continue;
        }
        const perNode = hour * HOURS_PER_MONTH + p.diskSizeGb * disk;
        lines.push({ item: `pool ${p.name}`, detail: `${p.minNodes}..${p.maxNodes} x ${p.machineType}, ${p.provisioning}`, idle: p.minNodes * perNode, max: p.maxNodes * perNode });
    }
    for (const d of input.databases) {
        const month = databaseMonth(d, prices);
        if (typeof month === "string") unpriced.push(month);
        else lines.push({ item: "Cloud SQL", detail: `${d.tier}${d.highAvailability ? ", HA" : ""}`, idle: month, max: month });
    }
    const sum = (k: "idle" | "max") => lines.reduce((n, l) => n + l[k], 0);
    return { lines, idle: sum("idle"), max: sum("max"), unpriced, notes: [...notes] };
}

/** "$1,234" (whole dollars, US grouping). */
export function usd(n: number): string {
    return `$${Math.round(n).toLocaleString("en-US")}`;
}

/** Every priced item, for summary.txt. */
export function formatCost(c: CostEstimate): string {
    const name = (l: CostLine) => `${l.item} (${l.detail})`;
    const w = Math.max(...c.lines.map((l) => name(l).length), 5);
    const lines = [`Cost per month (USD)`, `  ${"item".padEnd(w)}  ${"idle".padStart(10)}  ${"max scale".padStart(10)}`];
    for (const l of c.lines) lines.push(`  ${name(l).padEnd(w)}  ${usd(l.idle).padStart(10)}  ${usd(l.max).padStart(10)}`);
    lines.push(`  ${"total".padEnd(w)}  ${usd(c.idle).padStart(10)}  ${usd(c.max).padStart(10)}`);
    for (const n of c.notes) lines.push(`  note: ${n}`);
    if (c.unpriced.length) lines.push(`  not priced: ${c.unpriced.join(", ")}`);
    return lines.join("\n");
}
