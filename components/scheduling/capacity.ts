// Schedulability proof: can every pod template the platform creates run on a fresh cluster? For each
// workload, after what Kueue adds on admission (its flavor's node labels and tolerations): some node pool
// has its labels and tolerated taints, one pod fits a node's allocatable (GPUs included), a full unit (min
// replicas, all pods of a JobSet) fits the pool's max size, the namespace's ResourceQuota (with LimitRange
// defaults, next to what already runs there) and the queue's quota (its own plus what the cohort can lend).
// Pure: the config check and the plan harness build these inputs from config and from the plan.
import { parseQuantity } from "../../lib/validate";

/** Requests or limits of a pod: CPU in millicores, memory in bytes, GPUs (`nvidia.com/gpu`). */
export interface Resources { cpu: number; memory: number; gpu: number }
export const RESOURCE_NAMES = { cpu: "cpu", memory: "memory", gpu: "nvidia.com/gpu" } as const;
type R = keyof Resources;
const KINDS: R[] = ["cpu", "memory", "gpu"];

export interface NodeTaint { key: string; value?: string; effect: string }
export interface PodToleration { key?: string; operator?: string; value?: string; effect?: string }
export interface Requirement { key: string; operator: string; values?: string[] }

export interface NodePoolShape {
    name: string;
    /** Labels every node of the pool carries (those GKE adds included). */
    labels: Record<string, string>;
    taints: NodeTaint[];
    /** What one node offers to pods. */
    allocatable: Resources;
    maxNodes: number;
}

export interface PodShape {
    nodeSelector: Record<string, string>;
    /** Required node affinity: terms are ORed, a term's requirements ANDed. */
    affinity: Requirement[][];
    tolerations: PodToleration[];
    requests: Resources;
    /** Infinity where a container has no limit (a quota on limits then rejects the pod). */
    limits: Resources;
}

export interface WorkloadShape {
    /** `Kind namespace/name`, as messages name it. */
    name: string;
    namespace: string;
    pod: PodShape;
    /** Pods that must run at once: min replicas, a JobSet's pods, a Job's parallelism. */
    pods: number;
    /** A DaemonSet: one pod on every node it matches. */
    daemon?: boolean;
    /** Serving and controllers hold their quota all the time; batch units come and go. */
    longRunning: boolean;
    /** The LocalQueue it is submitted to (Kueue), if any. */
    queue?: string;
}

export interface NamespaceLimits {
    /** ResourceQuota `hard`, parsed; a missing key is Infinity. */
    quota?: { requests: Resources; limits: Resources };
    /** LimitRange container defaults. */
    defaults?: { request: Partial<Resources>; limit: Partial<Resources> };
}

export interface FlavorShape { name: string; nodeLabels: Record<string, string>; tolerations: PodToleration[] }
export interface QueueFlavor { name: string; nominal: Resources; borrowingLimit?: Partial<Resources>; lendingLimit?: Partial<Resources> }
export interface QueueShape {
    name: string;
    cohort?: string;
    /** Resource groups: the resources each covers, and its flavors in the order Kueue tries them. */
    resourceGroups: { covered: R[]; flavors: QueueFlavor[] }[];
}
export interface KueueShape {
    flavors: FlavorShape[];
    clusterQueues: QueueShape[];
    /** `namespace/localQueue` to its ClusterQueue. */
    localQueues: Record<string, string>;
}

export interface CapacityInput {
    pools: NodePoolShape[];
    namespaces: Record<string, NamespaceLimits>;
    kueue: KueueShape;
    workloads: WorkloadShape[];
}

export interface WorkloadVerdict { workload: string; pool?: string; flavors?: string[]; problems: string[] }

const ZERO: Resources = { cpu: 0, memory: 0, gpu: 0 };
const add = (a: Resources, b: Resources): Resources => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, gpu: a.gpu + b.gpu });
const times = (a: Resources, n: number): Resources => ({ cpu: a.cpu * n, memory: a.memory * n, gpu: a.gpu * n });

/** A quantity for messages: millicores as cores, bytes as Gi. */
export function show(kind: R, v: number): string {
    if (!Number.isFinite(v)) return "unlimited";
    if (kind === "cpu") return `${+(v / 1000).toFixed(3)} CPU`;
    if (kind === "memory") return `${+(v / 2 ** 30).toFixed(2)}Gi`;
    return `${v} GPU`;
}
const showAll = (r: Resources) => KINDS.filter((k) => r[k] > 0).map((k) => show(k, r[k])).join(", ") || "nothing";

/** Parses a Kubernetes quantity into the unit of `kind` (millicores for CPU). */
export function quantity(kind: R, text: unknown): number | undefined {
    if (typeof text === "number") return kind === "cpu" ? text * 1000 : text;
    if (typeof text !== "string") return undefined;
    const v = parseQuantity(text);
    return v === undefined ? undefined : kind === "cpu" ? Math.round(v * 1000) : v;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * Requests and limits of a pod spec as the API server sees them: containers plus native sidecars (init
 * containers with `restartPolicy: Always`), or the largest plain init container if larger; a container
 * without a request gets its limit, else the LimitRange default; without a limit, the LimitRange default.
 */
export function podShape(spec: Json, defaults?: NamespaceLimits["defaults"]): PodShape {
    const container = (c: Json): { requests: Resources; limits: Resources } => {
        const out = { requests: { ...ZERO }, limits: { ...ZERO } };
        for (const k of KINDS) {
            const name = RESOURCE_NAMES[k];
            const limit = quantity(k, c.resources?.limits?.[name]) ?? defaults?.limit[k];
            const request = quantity(k, c.resources?.requests?.[name]) ?? (quantity(k, c.resources?.limits?.[name]) ?? defaults?.request[k]) ?? limit ?? 0;
            out.requests[k] = request;
            // Extended resources (GPUs) have no limit unless asked for; CPU and memory are unbounded.
            out.limits[k] = limit ?? (k === "gpu" ? 0 : Infinity);
        }
        return out;
    };
    const inits: Json[] = spec.initContainers ?? [];
    const sidecars = inits.filter((c) => c.restartPolicy === "Always").map(container);
    const plainInits = inits.filter((c) => c.restartPolicy !== "Always").map(container);
    const main = [...(spec.containers ?? []).map(container), ...sidecars];
    const sum = (xs: { requests: Resources; limits: Resources }[], f: "requests" | "limits") => xs.reduce((a, x) => add(a, x[f]), { ...ZERO });
    const sidecarSum = (f: "requests" | "limits") => sum(sidecars, f);
    const effective = (f: "requests" | "limits"): Resources => {
        const running = sum(main, f);
        const out = { ...running };
        for (const i of plainInits) for (const k of KINDS) out[k] = Math.max(out[k], i[f][k] + sidecarSum(f)[k]);
        return out;
    };
    const terms: Json[] = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    return {
        nodeSelector: { ...(spec.nodeSelector ?? {}) },
        affinity: terms.map((t) => (t.matchExpressions ?? []).map((e: Json) => ({ key: e.key, operator: e.operator, values: e.values }))),
        tolerations: [...(spec.tolerations ?? [])],
        requests: effective("requests"),
        limits: effective("limits"),
    };
}

function requirementHolds(e: Requirement, labels: Record<string, string>): boolean {
    const v = labels[e.key];
    switch (e.operator) {
        case "In": return v !== undefined && (e.values ?? []).includes(v);
        case "NotIn": return v === undefined || !(e.values ?? []).includes(v);
        case "Exists": return v !== undefined;
        case "DoesNotExist": return v === undefined;
        case "Gt": return v !== undefined && Number(v) > Number(e.values?.[0]);
        case "Lt": return v !== undefined && Number(v) < Number(e.values?.[0]);
        default: return false;
    }
}

/** kube-scheduler's node affinity filter: nodeSelector AND (any term). `keys` limits the check to some label keys (Kueue). */
export function selectorMatches(pod: Pick<PodShape, "nodeSelector" | "affinity">, labels: Record<string, string>, keys?: Set<string>): boolean {
    const relevant = (k: string) => !keys || keys.has(k);
    for (const [k, v] of Object.entries(pod.nodeSelector)) if (relevant(k) && labels[k] !== v) return false;
    const terms = pod.affinity.map((t) => t.filter((e) => relevant(e.key)));
    // A term with no relevant requirement matches anything (terms are ORed).
    if (terms.length === 0 || terms.some((t) => t.length === 0)) return true;
    return terms.some((t) => t.every((e) => requirementHolds(e, labels)));
}

export function tolerates(tolerations: PodToleration[], taint: NodeTaint): boolean {
    return tolerations.some((t) => {
        if (t.effect && t.effect !== taint.effect) return false;
        if (!t.key) return t.operator === "Exists";
        if (t.key !== taint.key) return false;
        return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
    });
}

/** Why a pod cannot land on a pool's nodes, or undefined when it can (labels, taints, one pod's size). */
export function poolProblem(pod: PodShape, pool: NodePoolShape): string | undefined {
    if (!selectorMatches(pod, pool.labels)) return `node selector/affinity does not match pool ${pool.name}`;
    const taint = pool.taints.find((t) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerates(pod.tolerations, t));
    if (taint) return `does not tolerate taint ${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect} of pool ${pool.name}`;
    const over = KINDS.filter((k) => pod.requests[k] > pool.allocatable[k]);
    if (over.length) return `one pod requests ${over.map((k) => show(k, pod.requests[k])).join(", ")}; a node of pool ${pool.name} offers ${over.map((k) => show(k, pool.allocatable[k])).join(", ")}`;
    return undefined;
}

/** How many pods of this shape one node holds. */
export function podsPerNode(pod: PodShape, pool: NodePoolShape): number {
    return Math.min(...KINDS.map((k) => (pod.requests[k] > 0 ? Math.floor(pool.allocatable[k] / pod.requests[k]) : Infinity)));
}

/** What a cohort can give one ClusterQueue of a flavor: its own nominal quota plus what the others lend, within its borrowing limit. */
export function queueCapacity(k: KueueShape, queue: QueueShape, flavor: string): Resources {
    const find = (q: QueueShape) => q.resourceGroups.flatMap((g) => g.flavors).filter((f) => f.name === flavor);
    const own = find(queue);
    const peers = queue.cohort ? k.clusterQueues.filter((q) => q !== queue && q.cohort === queue.cohort) : [];
    const out = { ...ZERO };
    for (const r of KINDS) {
        const nominal = own.reduce((n, f) => n + f.nominal[r], 0);
        const lent = peers.flatMap(find).reduce((n, f) => n + Math.min(f.nominal[r], f.lendingLimit?.[r] ?? Infinity), 0);
        const limit = own.reduce((n, f) => Math.min(n, f.borrowingLimit?.[r] ?? Infinity), Infinity);
        out[r] = nominal + Math.min(lent, limit);
    }
    return out;
}

/**
 * What Kueue does with a workload submitted to a LocalQueue: the first flavor of its ClusterQueue whose
 * node labels the pod's selector allows (only the flavor's own label keys count, as in Kueue 0.19's flavor
 * assigner) and whose quota (with borrowing) can hold the whole unit. On admission Kueue adds that flavor's
 * node labels to the pod's nodeSelector and its tolerations to the pod.
 */
export function admit(k: KueueShape, w: WorkloadShape): { flavors: string[]; pod: PodShape } | { problem: string; pod?: PodShape } {
    const cqName = k.localQueues[`${w.namespace}/${w.queue}`];
    if (!cqName) return { problem: `LocalQueue ${w.namespace}/${w.queue} does not exist` };
    const cq = k.clusterQueues.find((q) => q.name === cqName);
    if (!cq) return { problem: `ClusterQueue ${cqName} does not exist` };
    const unit = times(w.pod.requests, w.pods);
    let pod = w.pod;
    // The pod as the first label-matching flavors would shape it, to check nodes even when quota falls short.
    let candidate = w.pod;
    const chosen: string[] = [];
    // Kueue assigns one flavor per resource group the pod asks resources of; the pod gets all their labels.
    for (const g of cq.resourceGroups) {
        const asked = g.covered.filter((r) => unit[r] > 0);
        if (asked.length === 0) continue;
        const reasons: string[] = [];
        let picked: FlavorShape | undefined;
        let matched: FlavorShape | undefined;
        for (const f of g.flavors) {
            const flavor = k.flavors.find((x) => x.name === f.name);
            if (!flavor) { reasons.push(`flavor ${f.name} does not exist`); continue; }
            if (!selectorMatches(w.pod, flavor.nodeLabels, new Set(Object.keys(flavor.nodeLabels)))) { reasons.push(`${f.name}: node labels do not match`); continue; }
            matched ??= flavor;
            const cap = queueCapacity(k, cq, f.name);
            const short = asked.filter((r) => unit[r] > cap[r]);
            if (short.length) { reasons.push(`${f.name}: the unit needs ${short.map((r) => show(r, unit[r])).join(", ")}, the queue can have at most ${short.map((r) => show(r, cap[r])).join(", ")} with what its cohort lends`); continue; }
            picked = flavor;
            break;
        }
        const shaped = (p: PodShape, f: FlavorShape) => ({ ...p, nodeSelector: { ...p.nodeSelector, ...f.nodeLabels }, tolerations: [...p.tolerations, ...f.tolerations] });
        if (matched) candidate = shaped(candidate, matched);
        if (!picked) return { problem: `ClusterQueue ${cqName} can never admit it for ${asked.map((r) => RESOURCE_NAMES[r]).join(", ")} (${reasons.join("; ") || "no flavors"})`, pod: candidate };
        chosen.push(picked.name);
        pod = shaped(pod, picked);
    }
    const uncovered = KINDS.filter((r) => unit[r] > 0 && !cq.resourceGroups.some((g) => g.covered.includes(r)));
    if (uncovered.length) return { problem: `ClusterQueue ${cqName} covers no ${uncovered.map((r) => RESOURCE_NAMES[r]).join(", ")}` };
    return { flavors: chosen, pod };
}

/** Resources the long-running workloads of each namespace hold all the time. */
function steadyUsage(workloads: WorkloadShape[], pools: NodePoolShape[]): Record<string, { requests: Resources; limits: Resources }> {
    const out: Record<string, { requests: Resources; limits: Resources }> = {};
    for (const w of workloads.filter((x) => x.longRunning)) {
        const n = unitPods(w, pools);
        const u = (out[w.namespace] ??= { requests: { ...ZERO }, limits: { ...ZERO } });
        u.requests = add(u.requests, times(w.pod.requests, n));
        u.limits = add(u.limits, times(w.pod.limits, n));
    }
    return out;
}

function unitPods(w: WorkloadShape, pools: NodePoolShape[]): number {
    if (!w.daemon) return w.pods;
    return pools.filter((p) => poolProblem(w.pod, p) === undefined).reduce((n, p) => n + p.maxNodes, 0);
}

/** Checks every workload; a verdict with no problems is schedulable and admissible. */
export function checkCapacity(input: CapacityInput): WorkloadVerdict[] {
    const steady = steadyUsage(input.workloads, input.pools);
    return input.workloads.map((w) => {
        const problems: string[] = [];
        let pod = w.pod;
        let flavors: string[] | undefined;
        if (w.queue) {
            const a = admit(input.kueue, w);
            if ("problem" in a) {
                problems.push(`queue: ${a.problem}`);
                pod = a.pod ?? pod;
            } else ({ pod, flavors } = a);
        }
        const fits = input.pools.filter((p) => poolProblem(pod, p) === undefined);
        if (w.daemon) {
            // A node agent must reach every node its selector picks: a taint it does not tolerate, or a node too
            // small for it, leaves those nodes without it (e.g. no GPU metrics on flex-start nodes).
            for (const p of input.pools.filter((x) => selectorMatches(pod, x.labels) && !fits.includes(x))) problems.push(`node: misses pool ${p.name}: ${poolProblem(pod, p)}`);
        }
        if (fits.length === 0) {
            // Pools whose labels do not match are named together (a stack may have dozens); other reasons one by one.
            const mismatch = input.pools.filter((p) => !selectorMatches(pod, p.labels)).map((p) => p.name);
            const shown = mismatch.length > 6 ? `${mismatch.slice(0, 6).join(", ")} and ${mismatch.length - 6} more` : mismatch.join(", ");
            const reasons = [
                ...(mismatch.length ? [`node selector/affinity matches none of pools ${shown}`] : []),
                ...input.pools.filter((p) => selectorMatches(pod, p.labels)).map((p) => poolProblem(pod, p)!),
            ];
            problems.push(`node: no pool can take a pod (${reasons.join("; ") || "no pools"})`);
        } else if (!w.daemon) {
            const room = fits.reduce((n, p) => n + podsPerNode(pod, p) * p.maxNodes, 0);
            if (room < w.pods) problems.push(`pool: ${w.pods} pods of ${showAll(pod.requests)} each need more than pools ${fits.map((p) => `${p.name} (max ${p.maxNodes} nodes, ${podsPerNode(pod, p)} per node)`).join(", ")} can hold (${room})`);
        }
        const ns = input.namespaces[w.namespace];
        if (ns?.quota) {
            const n = unitPods(w, fits);
            const held = steady[w.namespace] ?? { requests: { ...ZERO }, limits: { ...ZERO } };
            for (const f of ["requests", "limits"] as const) {
                const need = w.longRunning ? held[f] : add(held[f], times(pod[f], n));
                for (const r of KINDS) {
                    const hard = ns.quota[f][r];
                    if (need[r] > hard) {
                        problems.push(`quota: ${f}.${RESOURCE_NAMES[r]} of namespace ${w.namespace} is ${show(r, hard)}; ${w.longRunning ? "its long-running workloads hold" : `it needs ${show(r, pod[f][r] * n)} for ${n} pod(s) next to the ${show(r, held[f][r])} long-running workloads hold:`} ${show(r, need[r])} in all`);
                    }
                }
            }
        }
        return { workload: w.name, pool: fits[0]?.name, flavors, problems };
    });
}

/** Parses a ResourceQuota's `hard` (missing keys are unlimited). */
export function quotaShape(hard: Json): { requests: Resources; limits: Resources } {
    const q = (k: R, key: string) => quantity(k, hard?.[key]) ?? Infinity;
    return {
        requests: { cpu: q("cpu", "requests.cpu"), memory: q("memory", "requests.memory"), gpu: q("gpu", "requests.nvidia.com/gpu") },
        limits: { cpu: q("cpu", "limits.cpu"), memory: q("memory", "limits.memory"), gpu: Infinity },
    };
}

/** Parses a LimitRange spec's Container defaults. */
export function limitRangeDefaults(spec: Json): NamespaceLimits["defaults"] {
    const c = (spec?.limits ?? []).find((l: Json) => l.type === "Container") ?? {};
    const part = (o: Json): Partial<Resources> => {
        const out: Partial<Resources> = {};
        for (const k of KINDS) {
            const v = quantity(k, o?.[RESOURCE_NAMES[k]]);
            if (v !== undefined) out[k] = v;
        }
        return out;
    };
    return { request: part(c.defaultRequest), limit: part(c.default) };
}

/** Parses a ClusterQueue spec (kueue.x-k8s.io/v1beta2). */
export function queueShape(name: string, spec: Json): QueueShape {
    const kindOf = (resource: string) => KINDS.find((k) => RESOURCE_NAMES[k] === resource);
    return {
        name,
        cohort: spec?.cohortName,
        resourceGroups: (spec?.resourceGroups ?? []).map((g: Json) => ({
            covered: (g.coveredResources ?? []).map(kindOf).filter((k: R | undefined) => k !== undefined),
            flavors: (g.flavors ?? []).map((f: Json) => {
                const pick = (field: string) => {
                    const out: Partial<Resources> = {};
                    for (const x of f.resources ?? []) {
                        const k = kindOf(x.name);
                        const v = k && quantity(k, x[field]);
                        if (k && v !== undefined) out[k] = v;
                    }
                    return out;
                };
                const flavor: QueueFlavor = { name: f.name, nominal: { ...ZERO, ...pick("nominalQuota") } };
                const bl = pick("borrowingLimit");
                const ll = pick("lendingLimit");
                if (Object.keys(bl).length) flavor.borrowingLimit = bl;
                if (Object.keys(ll).length) flavor.lendingLimit = ll;
                return flavor;
            }),
        })),
    };
}

/** One line per unschedulable workload, naming it, the check and the numbers. */
export function formatVerdicts(verdicts: WorkloadVerdict[]): string[] {
    return verdicts.filter((v) => v.problems.length).flatMap((v) => v.problems.map((p) => `${v.workload}: ${p}`));
}

/** A node pool as its GKE settings describe it; `null` allocatable when the machine type is unknown. */
export interface NodePoolSettings {
    name: string;
    machineType: string;
    /** Labels the platform sets on the pool's nodes. */
    labels: Record<string, string>;
    /** Taints in Kubernetes form (NoSchedule, ...), GKE's own included (e.g. flex-start's queued-provisioning taint). */
    taints: NodeTaint[];
    maxNodes: number;
    spot?: boolean;
    accelerator?: { type: string; count: number; partitionSize?: string; maxClientsPerGpu?: number };
}


/**
 * What the scheduler sees of a pool's nodes: the platform's labels plus those GKE adds (accelerator, spot,
 * GPU partition and sharing), its taints, and allocatable CPU, memory and `nvidia.com/gpu` units (GPUs times
 * MIG partitions times time-sharing clients).
 */
export function nodePoolShape(s: NodePoolSettings, shape: { cpuMillis: number; memoryBytes: number } | undefined, partitionsPerGpu: (size: string) => number): NodePoolShape {
    const a = s.accelerator;
    const labels: Record<string, string> = { ...s.labels, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" };
    if (a) labels["cloud.google.com/gke-accelerator"] = a.type;
    if (s.spot) labels["cloud.google.com/gke-spot"] = "true";
    if (a?.partitionSize) labels["cloud.google.com/gke-gpu-partition-size"] = a.partitionSize;
    if (a?.maxClientsPerGpu) labels["cloud.google.com/gke-max-shared-clients-per-gpu"] = String(a.maxClientsPerGpu);
    const gpu = a ? a.count * (a.partitionSize ? partitionsPerGpu(a.partitionSize) : 1) * (a.maxClientsPerGpu ?? 1) : 0;
    return {
        name: s.name,
        labels,
        taints: [...s.taints],
        allocatable: { cpu: shape?.cpuMillis ?? 0, memory: shape?.memoryBytes ?? 0, gpu },
        maxNodes: s.maxNodes,
    };
}

/**
 * Kueue's nominal quotas must be capacity that exists: for each flavor, the sum over every ClusterQueue
 * stays within what the pools carrying the flavor's labels reach at max size.
 * @returns one line per flavor that promises more than its pools have (or matches no pool).
 */
export function checkQueueQuotas(k: KueueShape, pools: NodePoolShape[]): string[] {
    const out: string[] = [];
    for (const f of k.flavors) {
        const carrying = pools.filter((p) => Object.entries(f.nodeLabels).every(([key, v]) => p.labels[key] === v));
        if (carrying.length === 0) {
            out.push(`ResourceFlavor ${f.name}: no node pool carries its labels ${JSON.stringify(f.nodeLabels)}`);
            continue;
        }
        const reach = carrying.reduce((a, p) => add(a, times(p.allocatable, p.maxNodes)), { ...ZERO });
        const promised = k.clusterQueues.flatMap((q) => q.resourceGroups.flatMap((g) => g.flavors)).filter((x) => x.name === f.name).reduce((a, x) => add(a, x.nominal), { ...ZERO });
        for (const r of KINDS) {
            if (promised[r] > reach[r]) out.push(`ResourceFlavor ${f.name}: the ClusterQueues' nominal ${RESOURCE_NAMES[r]} adds up to ${show(r, promised[r])}; pools ${carrying.map((p) => p.name).join(", ")} reach at most ${show(r, reach[r])}`);
        }
    }
    return out;
}
