// Writes a plan to out/<stack>/: resources, outputs, manifests, and the long summary a person reads after the digest.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { Plan } from "./runPlan";
import { ResourceRecord } from "./recorder";
import { Plain } from "./values";

/** Pulumi's own Kubernetes resource types that are not Kubernetes objects (Helm releases). */
const NOT_OBJECTS = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];

/** Kubernetes objects of a plan: custom resources of the kubernetes package, except providers and Helm releases. */
export function kubernetesObjects(resources: ResourceRecord[]): { record: ResourceRecord; object: Record<string, Plain> }[] {
    return resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !NOT_OBJECTS.includes(r.type))
        .map((record) => ({ record, object: record.inputs as Record<string, Plain> }));
}

function manifestPath(object: Record<string, Plain>, record: ResourceRecord): string {
    const metadata = (object.metadata ?? {}) as Record<string, Plain>;
    const ns = typeof metadata.namespace === "string" ? metadata.namespace : "_cluster";
    const name = typeof metadata.name === "string" ? metadata.name : record.name;
    const kind = typeof object.kind === "string" ? object.kind.toLowerCase() : record.type.split(":").pop()!.toLowerCase();
    return path.join(ns.replace(/[^\w.-]/g, "_"), `${kind}.${name.replace(/[^\w.-]/g, "_")}.yaml`);
}

/** Writes resources.json, outputs.json and manifests/ under `dir` (replacing what was there). */
export function writePlan(plan: Plan, dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, "manifests"), { recursive: true });
    fs.writeFileSync(path.join(dir, "resources.json"), JSON.stringify(plan.resources, null, 2) + "\n");
    fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(plan.outputs, null, 2) + "\n");
    for (const { record, object } of kubernetesObjects(plan.resources)) {
        const file = path.join(dir, "manifests", manifestPath(object, record));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `# ${record.urn}\n` + stringify(object, { sortMapEntries: false }));
    }
}

/** Reads a plan written by writePlan (resources.json and outputs.json). */
export function readPlan(dir: string): { resources: ResourceRecord[]; outputs: Record<string, Plain> } {
    const file = (f: string) => path.join(dir, f);
    if (!fs.existsSync(file("resources.json"))) throw new Error(`no plan to diff against: ${file("resources.json")} does not exist`);
    const outputs = fs.existsSync(file("outputs.json")) ? JSON.parse(fs.readFileSync(file("outputs.json"), "utf8")) : {};
    return { resources: JSON.parse(fs.readFileSync(file("resources.json"), "utf8")), outputs };
}

/** A short human summary: totals, the component tree, resources by type. */
export function summarize(plan: Plan): string {
    const rs = plan.resources;
    const byParent = new Map<string | null, ResourceRecord[]>();
    for (const r of rs) byParent.set(r.parent, [...(byParent.get(r.parent) ?? []), r]);
    const components = rs.filter((r) => !r.custom);
    const lines = [`Plan for stack ${plan.stack}: ${rs.length} resources (${components.length} components, ${rs.length - components.length} custom) in ${Math.round(plan.elapsedMs)} ms`, "", "Component tree (custom children per component):"];
    const walk = (r: ResourceRecord, indent: string) => {
        const kids = byParent.get(r.urn) ?? [];
        const custom = kids.filter((k) => k.custom).length;
        lines.push(`${indent}${r.type} ${r.name}${custom ? ` (${custom})` : ""}${r.protect ? " [protected]" : ""}`);
        for (const k of kids.filter((c) => !c.custom)) walk(k, indent + "  ");
    };
    for (const root of byParent.get(null) ?? []) walk(root, "  ");
    const guarded = rs.filter((r) => r.custom && r.protect);
    lines.push("", `Protected (Pulumi protect): ${guarded.length ? guarded.map((r) => `${r.type.split(":").pop()} ${r.name}`).join(", ") : "none"}`);
    lines.push("", "Resources by type:");
    const counts = new Map<string, number>();
    for (const r of rs) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    for (const [type, n] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(4)}  ${type}`);
    return lines.join("\n");
}

/**
 * Writes what the first screen leaves out: summary.txt (the summary above, the diff, the validation, schedulability
 * and policy reports, the cost lines) and the pictures. Returns the pictures' file names.
 */
export function writeDetails(dir: string, sections: string[], diagrams: Record<string, string>): string[] {
    fs.writeFileSync(path.join(dir, "summary.txt"), sections.join("\n\n") + "\n");
    for (const [file, svg] of Object.entries(diagrams)) fs.writeFileSync(path.join(dir, file), svg);
    return Object.keys(diagrams);
}
