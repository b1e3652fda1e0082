// Pictures of a plan, drawn from its recorded resources: the component tree, and the release/traffic paths
// (Gateway listeners -> HTTPRoutes -> Services -> Rollouts/Deployments, with each model's release strategy).
// Graphviz DOT is built here (pure); @viz-js/viz, Graphviz compiled to WebAssembly, renders it to SVG with no
// system binaries.
import { ResourceRecord } from "./recorder";
import { TYPES, componentGroups } from "./facts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** A DOT string literal; line breaks become Graphviz's centred "\\n". */
const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
const FONT = 'fontname="Helvetica,Arial,sans-serif"';

/**
 * The component tree: every ComponentResource, with the number of cloud/Kubernetes resources directly under it,
 * boxed by the digest's groups (network, cluster, MLflow, models, ...).
 */
export function componentDot(rs: ResourceRecord[], stack: string): string {
    const kids = new Map<string, ResourceRecord[]>();
    for (const r of rs) if (r.parent) kids.set(r.parent, [...(kids.get(r.parent) ?? []), r]);
    const components = rs.filter((r) => !r.custom);
    const ids = new Map(components.map((r, i) => [r.urn, `c${i}`]));
    const root = components.find((r) => r.type === "pulumi:pulumi:Stack");
    const lines = [
        `digraph components {`,
        `  graph [rankdir=LR, ranksep=0.5, nodesep=0.12, ${FONT}, label=${q(`mlops-platform ${stack}: components (resources created directly in each; amber: holds protected data)`)}, labelloc=t, fontsize=16, style="rounded", color="#c5cfdb"];`,
        `  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#4a6fa5", ${FONT}, fontsize=11];`,
        `  edge [color="#8899aa", arrowsize=0.6];`,
    ];
    const node = (r: ResourceRecord): string => {
        const direct = (kids.get(r.urn) ?? []).filter((k) => k.custom);
        const guarded = direct.filter((k) => k.protect).length;
        const counts = direct.length ? `\n${direct.length} resource${direct.length === 1 ? "" : "s"}${guarded ? `, ${guarded} protected` : ""}` : "";
        const fill = guarded ? ', fillcolor="#fdf1dc", color="#b07a1a"' : "";
        return `${ids.get(r.urn)} [label=${q(`${r.type.split(":").pop()}\n${r.name}${counts}`)}${fill}];`;
    };
    const subtree = (r: ResourceRecord): ResourceRecord[] => [r, ...(kids.get(r.urn) ?? []).filter((k) => !k.custom).flatMap(subtree)];
    if (root) lines.push(`  ${ids.get(root.urn)} [label=${q(`Stack\n${root.name}`)}, fillcolor="#dde6f3"];`);
    componentGroups(rs).filter((g) => g.components.length).forEach((g, i) => {
        // GPU pools sit inside the cluster's box, as they sit under the cluster in the tree.
        const tops = g.components.filter((c) => c.parent === root?.urn);
        if (!tops.length) return;
        const total = g.group === "cluster" ? g.resources + (componentGroups(rs).find((x) => x.group === "GPU pools")?.resources ?? 0) : g.resources;
        lines.push(`  subgraph cluster_${i} {`, `    label=${q(`${g.group}: ${total} resources`)}; fontsize=12; labeljust=l;`);
        for (const c of tops.flatMap(subtree)) lines.push(`    ${node(c)}`);
        lines.push("  }");
    });
    for (const r of components.filter((x) => x.parent && ids.has(x.parent))) lines.push(`  ${ids.get(r.parent!)} -> ${ids.get(r.urn)};`);
    lines.push("}");
    return lines.join("\n") + "\n";
}

/** A model's release strategy, read from its Rollout (or Deployment) and its route. */
export function strategyOf(workload: ResourceRecord, route?: ResourceRecord): string {
    const spec = (workload.inputs as Any)?.spec ?? {};
    if (workload.type === TYPES.deployment) return "rolling update";
    if (spec.strategy?.blueGreen) return "blue-green: preview Service, analysis, then promotion";
    const steps: Any[] = spec.strategy?.canary?.steps ?? [];
    const weights = steps.filter((s) => s.setWeight !== undefined).map((s) => s.setWeight);
    const header = steps.find((s) => s.setHeaderRoute?.match)?.setHeaderRoute.match[0];
    if (header) return `A/B test: ${header.headerName}=${Object.values(header.headerValue ?? {})[0]} to the candidate`;
    const mirrored = ((route?.inputs as Any)?.spec?.rules ?? []).some((rule: Any) => (rule.filters ?? []).some((f: Any) => f.type === "RequestMirror"));
    const canary = weights.length ? `canary ${weights.join("/")}%, then promotion` : "canary";
    return mirrored ? `shadow (mirrored requests), then ${canary}` : canary;
}

/**
 * The release/traffic paths: clients -> Gateway listeners -> each model's HTTPRoute -> its Services (weights,
 * header matches, mirrors) -> the Rollout or Deployment behind them, labelled with its strategy.
 */
export function trafficDot(rs: ResourceRecord[], stack: string): string {
    const of = (t: string) => rs.filter((r) => r.type === t);
    const meta = (r: ResourceRecord) => ((r.inputs as Any)?.metadata ?? {}) as { name?: string; namespace?: string };
    const key = (kind: string, ns: string | undefined, name: string | undefined) => q(`${kind}/${ns ?? ""}/${name ?? ""}`);
    const lines = [
        `digraph traffic {`,
        `  graph [rankdir=LR, ranksep=0.7, nodesep=0.15, ${FONT}, label=${q(`mlops-platform ${stack}: request and release paths`)}, labelloc=t, fontsize=16];`,
        `  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#4a6fa5", ${FONT}, fontsize=11];`,
        `  edge [color="#66788a", ${FONT}, fontsize=9, arrowsize=0.6];`,
    ];
    const clients = new Set<string>();
    for (const g of of(TYPES.gateway)) {
        const { name, namespace } = meta(g);
        const spec = (g.inputs as Any)?.spec ?? {};
        const external = /external/.test(spec.gatewayClassName ?? "");
        const client = external ? "Internet" : "VPC and cluster clients";
        clients.add(client);
        for (const l of spec.listeners ?? []) {
            const id = key("listener", namespace, `${name}.${l.name}`);
            lines.push(`  ${id} [label=${q(`Gateway ${name} (${spec.gatewayClassName})\n${l.protocol} :${l.port} ${l.hostname ?? "*"}`)}, fillcolor="${external ? "#fde8e4" : "#e8f4ea"}"];`);
            lines.push(`  ${q(client)} -> ${id};`);
        }
    }
    for (const c of clients) lines.push(`  ${q(c)} [shape=ellipse, fillcolor="${c === "Internet" ? "#fde8e4" : "#e8f4ea"}"];`);
    const workloads = [...of(TYPES.rollout), ...of(TYPES.deployment)];
    const services = of(TYPES.service);
    const linked = new Set<string>();
    for (const route of of(TYPES.route)) {
        const { name, namespace } = meta(route);
        const spec = (route.inputs as Any)?.spec ?? {};
        const rid = key("route", namespace, name);
        lines.push(`  ${rid} [label=${q(`HTTPRoute ${namespace}/${name}\n${(spec.hostnames ?? []).join("\n")}`)}, fillcolor="#f3eefb", color="#6a4fa5"];`);
        for (const p of spec.parentRefs ?? []) {
            const listeners = of(TYPES.gateway).filter((g) => meta(g).name === p.name).flatMap((g) =>
                ((g.inputs as Any)?.spec?.listeners ?? []).filter((l: Any) => !p.sectionName || l.name === p.sectionName).map((l: Any) => key("listener", meta(g).namespace, `${p.name}.${l.name}`)));
            for (const l of listeners) lines.push(`  ${l} -> ${rid};`);
        }
        for (const rule of spec.rules ?? []) {
            const header = (rule.matches ?? []).flatMap((m: Any) => m.headers ?? []).map((h: Any) => `${h.name}: ${h.value}`).join(", ");
            for (const b of rule.backendRefs ?? []) {
                const label = [header && `if ${header}`, b.weight !== undefined && `weight ${b.weight}`].filter(Boolean).join(", ");
                lines.push(`  ${rid} -> ${key("service", namespace, b.name)}${label ? ` [label=${q(label)}]` : ""};`);
                linked.add(`${namespace}/${b.name}`);
            }
            for (const f of rule.filters ?? []) {
                if (f.type === "RequestMirror") lines.push(`  ${rid} -> ${key("service", namespace, f.requestMirror.backendRef.name)} [label="mirror", style=dashed];`);
            }
        }
        // The workload serving this route: the Rollout or Deployment of the same name and namespace.
        const workload = workloads.find((w) => meta(w).name === name && meta(w).namespace === namespace);
        if (!workload) continue;
        const wid = key("workload", namespace, name);
        const kind = workload.type.split(":").pop();
        lines.push(`  ${wid} [label=${q(`${kind} ${namespace}/${name}\n${strategyOf(workload, route)}`)}, fillcolor="#fff6dc", color="#b07a1a"];`);
        const strategy = ((workload.inputs as Any)?.spec?.strategy ?? {}) as Any;
        const roles: [string | undefined, string][] = [
            [strategy.canary?.stableService, "stable"], [strategy.canary?.canaryService, "canary"],
            [strategy.blueGreen?.activeService, "active"], [strategy.blueGreen?.previewService, "preview"],
        ];
        const named = roles.filter(([svc]) => svc);
        const targets = named.length ? named : services.filter((s) => meta(s).namespace === namespace && linked.has(`${namespace}/${meta(s).name}`) && meta(s).name === name).map((s) => [meta(s).name, ""] as [string, string]);
        for (const [svc, role] of targets) lines.push(`  ${key("service", namespace, svc)} -> ${wid}${role ? ` [label=${q(role)}]` : ""};`);
    }
    for (const s of [...linked].sort()) {
        const [ns, name] = s.split("/");
        lines.push(`  ${key("service", ns, name)} [label=${q(`Service ${name}`)}];`);
    }
    lines.push("}");
    return lines.join("\n") + "\n";
}

let viz: Promise<{ renderString(dot: string, o: { format: string }): string }> | undefined;

/** Renders DOT to SVG with Graphviz (WebAssembly); the same DOT and library version give the same bytes. */
export async function renderSvg(dot: string): Promise<string> {
    viz ??= import("@viz-js/viz").then((m) => m.instance());
    return (await viz).renderString(dot, { format: "svg" });
}

/** The plan's pictures: file name -> SVG. */
export async function planDiagrams(rs: ResourceRecord[], stack: string): Promise<Record<string, string>> {
    return {
        "platform.svg": await renderSvg(componentDot(rs, stack)),
        "traffic.svg": await renderSvg(trafficDot(rs, stack)),
    };
}
