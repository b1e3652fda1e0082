// Compares two offline plans (resources.json and outputs.json), as `pulumi preview --diff` would summarize
// them, for reviewers without cloud credentials. Pure.
import { ResourceRecord } from "./recorder";
import { Plain } from "./values";

export interface PropertyChange {
    /** Dotted path, e.g. `inputs.autoscaling.totalMaxNodeCount` or `protect`. */
    path: string;
    before: Plain | undefined;
    after: Plain | undefined;
}

export interface PlanDiff {
    added: ResourceRecord[];
    removed: ResourceRecord[];
    changed: { record: ResourceRecord; changes: PropertyChange[] }[];
    outputs: PropertyChange[];
}

function same(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** Leaf-level differences between two plain values; arrays of objects are compared by index. */
export function diffValues(before: Plain | undefined, after: Plain | undefined, path: string, out: PropertyChange[] = []): PropertyChange[] {
    if (same(before, after)) return out;
    const isObj = (v: unknown): v is Record<string, Plain> => !!v && typeof v === "object" && !Array.isArray(v);
    if (isObj(before) && isObj(after)) {
        for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) diffValues(before[k], after[k], `${path}.${k}`, out);
    } else if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
        before.forEach((b, i) => diffValues(b, after[i], `${path}[${i}]`, out));
    } else {
        out.push({ path, before, after });
    }
    return out;
}

const OPTIONS = ["parent", "provider", "protect", "dependsOn", "ignoreChanges", "retainOnDelete", "deleteBeforeReplace"] as const;

export function diffPlans(before: { resources: ResourceRecord[]; outputs: Record<string, Plain> }, after: { resources: ResourceRecord[]; outputs: Record<string, Plain> }): PlanDiff {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    const changed: PlanDiff["changed"] = [];
    for (const [urn, r] of now) {
        const o = old.get(urn);
        if (!o) continue;
        const changes = diffValues(o.inputs, r.inputs, "inputs");
        for (const k of OPTIONS) diffValues(o[k] as Plain, r[k] as Plain, k, changes);
        if (changes.length) changed.push({ record: r, changes });
    }
    return {
        added: [...now.values()].filter((r) => !old.has(r.urn)),
        removed: [...old.values()].filter((r) => !now.has(r.urn)),
        changed,
        outputs: diffValues(before.outputs, after.outputs, "outputs"),
    };
}

const show = (v: Plain | undefined) => (v === undefined ? "(none)" : JSON.stringify(v));

export function formatDiff(d: PlanDiff, against: string): string {
    const lines = [`Changes against ${against}: ${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to delete${d.outputs.length ? `, ${d.outputs.length} output change(s)` : ""}.`];
    for (const r of d.added) lines.push(`  + ${r.type} ${r.name}`);
    for (const r of d.removed) lines.push(`  - ${r.type} ${r.name}${r.protect ? " (protected: the delete will fail until unprotected)" : ""}`);
    for (const c of d.changed) {
        lines.push(`  ~ ${c.record.type} ${c.record.name}`);
        for (const p of c.changes) lines.push(`      ${p.path}: ${show(p.before)} => ${show(p.after)}`);
    }
    for (const p of d.outputs) lines.push(`  output ${p.path.replace(/^outputs\./, "")}: ${show(p.before)} => ${show(p.after)}`);
    return lines.join("\n");
}
