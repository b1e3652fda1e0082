// The plan's first screen: what will exist, whether it is safe, what it costs, and where the details are.
// At most DIGEST_MAX_LINES lines of at most DIGEST_MAX_COLUMNS; the long detail goes to summary.txt.
import { ACCELERATORS } from "../../lib/accelerators";
import { CostEstimate, estimateCost, usd } from "./cost";
import { Endpoint, PoolFacts, clusterCount, componentGroups, databases, externalEndpoints, gpuCapacity, nodePools } from "./facts";
import { PolicyReport } from "./policy";
import { PRICES, PriceTable } from "./prices";
import { Plan } from "./runPlan";

/**
 * A screen is 30 lines: `npm run` prints 4 (blank, two "> ..." lines, blank) and the program's warnings go to stderr
 * above the digest (prod 1, dev 5 today, with a 19-line digest). 22 leaves 4 lines for warnings at any size.
 */
export const DIGEST_MAX_LINES = 22;
export const DIGEST_MAX_COLUMNS = 120;
/** How much to show: the screen clips rows and columns; summary.txt shows everything. */
interface Fit { rows: number; violations: number; columns: number }
const SCREEN: Fit = { rows: 5, violations: 3, columns: DIGEST_MAX_COLUMNS };
const FILE: Fit = { rows: Infinity, violations: Infinity, columns: Infinity };

export interface DigestInput {
    plan: Plan;
    /** The plan's directory as the reader should type it, e.g. "out/prod". */
    dir: string;
    /** Kubernetes objects that passed schema validation. */
    validObjects: number;
    /** Pod templates that can be scheduled and admitted, of all. */
    schedulable: { ok: number; total: number };
    policy: PolicyReport;
    /** File names of the pictures written next to the plan. */
    diagrams: string[];
    prices?: PriceTable;
}

/** The cost of a plan, from its recorded node pools, databases and clusters. */
export function planCost(plan: Plan, prices: PriceTable = PRICES): CostEstimate {
    const region = typeof plan.outputs.region === "string" ? plan.outputs.region : "";
    return estimateCost({ region, clusters: clusterCount(plan.resources), pools: nodePools(plan.resources), databases: databases(plan.resources) }, prices);
}

const clipTo = (f: Fit) => (s: string) => (s.length > f.columns ? s.slice(0, f.columns - 1) + "…" : s);
const more = (n: number, where: string) => (n > 0 ? [`  ... ${n} more in ${where}`] : []);

/** Lays out `cells` in rows under DIGEST_MAX_COLUMNS, each cell padded to the widest. */
function grid(cells: string[], indent = "  "): string[] {
    const width = Math.max(...cells.map((c) => c.length)) + 2;
    const perRow = Math.max(1, Math.floor((DIGEST_MAX_COLUMNS - indent.length) / width));
    const rows: string[] = [];
    for (let i = 0; i < cells.length; i += perRow) rows.push((indent + cells.slice(i, i + perRow).map((c) => c.padEnd(width)).join("")).trimEnd());
    return rows;
}

function gpuLines(pools: PoolFacts[], dir: string, fit: Fit): string[] {
    const clip = clipTo(fit);
    const cap = gpuCapacity(pools);
    if (cap.pools.length === 0) return ["GPU capacity at max scale: none (no GPU pools)"];
    const label = (t: string) => ACCELERATORS[t]?.label.replace(/^NVIDIA /, "") ?? t;
    const lines = [`GPU capacity at max scale: ${cap.total} GPUs (${cap.byType.map(([t, n]) => `${n} ${label(t)}`).join(", ")})`];
    const w = (f: (p: (typeof cap.pools)[number]) => string) => Math.max(...cap.pools.map((p) => f(p).length));
    const name = w((p) => p.name), purpose = w((p) => p.purpose), machine = w((p) => p.machineType), gpu = w((p) => p.gpu!.type), prov = w((p) => p.provisioning);
    for (const p of cap.pools.slice(0, fit.rows)) {
        const extra = [p.gpu!.partitionSize && `MIG ${p.gpu!.partitionSize}`, p.gpu!.maxClientsPerGpu && `time-shared by ${p.gpu!.maxClientsPerGpu}`].filter(Boolean).join(", ");
        lines.push(clip(`  ${p.name.padEnd(name)}  ${p.purpose.padEnd(purpose)}  ${p.provisioning.padEnd(prov)}  ${p.machineType.padEnd(machine)}  ` +
            `${p.gpu!.perNode} x ${p.gpu!.type.padEnd(gpu)} x ${String(p.maxNodes).padStart(2)} nodes = ${String(p.gpus).padStart(3)}${extra ? `  (${extra})` : ""}`));
    }
    return [...lines, ...more(cap.pools.length - fit.rows, `${dir}/summary.txt`)];
}

function endpointLines(endpoints: Endpoint[], dir: string, fit: Fit): string[] {
    const clip = clipTo(fit);
    if (endpoints.length === 0) return ["External endpoints: none (nothing is reachable from the internet)"];
    // Packed onto as few lines as fit, hostnames first (the scheme is on every one of them in summary.txt).
    const cells = endpoints.slice(0, fit.rows).map((e) => `${fit.columns === Infinity ? e.url : e.url.replace(/^https:\/\//, "")} (${e.what})`);
    const lines = [`External endpoints${fit.columns === Infinity ? "" : " (HTTPS)"}: ${cells[0]}`];
    for (const c of cells.slice(1)) {
        const last = lines[lines.length - 1];
        if (`${last}, ${c}`.length <= fit.columns) lines[lines.length - 1] = `${last}, ${c}`;
        else lines.push(`  ${c}`);
    }
    return [...lines.map(clip), ...more(endpoints.length - fit.rows, `${dir}/summary.txt`)];
}

function safetyLines(i: DigestInput, fit: Fit): string[] {
    const clip = clipTo(fit);
    const r = i.policy;
    const notCheckable = new Set(r.notCheckable.map((v) => v.policy)).size;
    const lines = [
        clip(`Policy pack mlops-platform (${r.configFile}): ${r.mandatory} mandatory, ${r.advisory} advisory violation(s).` +
            (notCheckable ? ` ${notCheckable} not checkable offline.` : "")),
    ];
    const shown = [...r.violations].sort((a, b) => b.level.localeCompare(a.level) || a.policy.localeCompare(b.policy));
    for (const v of shown.slice(0, fit.violations)) lines.push(clip(`  [${v.level}] ${v.policy}: ${v.message}`));
    lines.push(...more(shown.length - fit.violations, `${i.dir}/summary.txt`));
    lines.push(`${i.schedulable.ok} of ${i.schedulable.total} pod templates schedulable and admissible; ${i.validObjects} Kubernetes objects schema-valid.`);
    return lines;
}

function costLines(c: CostEstimate, prices: PriceTable, fit: Fit): string[] {
    const clip = clipTo(fit);
    const lines = [`Cost per month, approximate list prices (${prices.region}, as of ${prices.asOf}, scripts/harness/prices.ts):`];
    const biggest = (k: "idle" | "max") => [...c.lines].filter((l) => l[k] > 0).sort((a, b) => b[k] - a[k]).slice(0, 3).map((l) => `${l.item} ${usd(l[k])}`).join(", ");
    const w = Math.max(usd(c.idle).length, usd(c.max).length);
    lines.push(clip(`  idle (min nodes)  ${usd(c.idle).padStart(w)}  largest: ${biggest("idle")}`));
    lines.push(clip(`  max scale         ${usd(c.max).padStart(w)}  largest: ${biggest("max")}`));
    lines.push(clip(`  Nodes, boot disks, GKE fee, Cloud SQL; not egress, load balancers, NAT, buckets.`));
    // The caveats (prices standing in for missing ones, items with no price) on screen only as a pointer.
    const caveats = [...c.notes, ...(c.unpriced.length ? [`not priced: ${c.unpriced.join(", ")}`] : [])];
    if (fit.columns === Infinity) lines[lines.length - 1] += caveats.length ? ` ${caveats.join("; ")}.` : "";
    else if (c.unpriced.length) lines[lines.length - 1] += ` ${c.unpriced.length} item(s) NOT PRICED: see summary.txt.`;
    else if (c.notes.length) lines[lines.length - 1] += " Assumptions: summary.txt.";
    return lines.map(clip);
}

/** `a` and `b` on one line when they fit, else `b` indented on a second. */
function fitted(a: string, b: string, fit: Fit): string[] {
    const clip = clipTo(fit);
    return `${a} ${b}`.length <= fit.columns ? [`${a} ${b}`] : [clip(a), clip(`  ${b}`)];
}

/** The first screen of `npm run plan`; with `full`, the same unclipped, for summary.txt. */
export function digest(i: DigestInput, full = false): string {
    const fit = full ? FILE : SCREEN;
    const prices = i.prices ?? PRICES;
    const rs = i.plan.resources;
    const components = rs.filter((r) => !r.custom).length;
    const groups = componentGroups(rs);
    const cells = groups.map((g) => `${g.group} ${g.resources}${g.components.length > 1 ? ` (${g.components.length})` : ""}`);
    const pools = nodePools(rs);
    const system = pools.find((p) => !p.gpu);
    const lines = [
        `Plan for stack ${i.plan.stack}: ${rs.length} resources (${components} components, ${rs.length - components} custom) in ${Math.round(i.plan.elapsedMs)} ms`,
        "What will exist (cloud and Kubernetes resources per component; (n): n components):",
        ...grid(cells),
        ...(system ? [`System pool: ${system.minNodes}..${system.maxNodes} x ${system.machineType} (${system.provisioning})`] : []),
        ...gpuLines(pools, i.dir, fit),
        ...endpointLines(externalEndpoints(rs, i.plan.outputs), i.dir, fit),
        "",
        ...safetyLines(i, fit),
        "",
        ...costLines(planCost(i.plan, prices), prices, fit),
        "",
        ...fitted(`Details in ${i.dir}/: summary.txt (full report),`, `resources.json, outputs.json, manifests/, ${i.diagrams.join(", ")}`, fit),
    ];
    return lines.join("\n");
}
