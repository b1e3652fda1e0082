// Reads what a person asks of a plan (node pools, GPUs, databases, public endpoints) from its recorded resources
// and stack outputs, so the digest, the cost estimate and the pictures describe what the program registered,
// not what the config meant to ask for.
import { NODE_LABELS } from "../../components/gke/nodeConfig";
import { ResourceRecord } from "./recorder";
import { Plain } from "./values";

export const TYPES = {
    cluster: "gcp:container/cluster:Cluster",
    nodePool: "gcp:container/nodePool:NodePool",
    database: "gcp:sql/databaseInstance:DatabaseInstance",
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    service: "kubernetes:core/v1:Service",
    rollout: "kubernetes:argoproj.io/v1alpha1:Rollout",
    deployment: "kubernetes:apps/v1:Deployment",
} as const;

export type Provisioning = "on-demand" | "spot" | "flex-start";

export interface PoolFacts {
    /** The pool's name in the platform config (its pool label), e.g. "l4-serving"; "system" for the system pool. */
    name: string;
    purpose: string;
    machineType: string;
    provisioning: Provisioning;
    /** Autoscaling bounds over all the pool's zones. */
    minNodes: number;
    maxNodes: number;
    diskType: string;
    diskSizeGb: number;
    /** The GPUs on each node; undefined for CPU pools. */
    gpu?: { type: string; perNode: number; partitionSize?: string; maxClientsPerGpu?: number };
}

export interface DatabaseFacts {
    name: string;
    tier: string;
    /** REGIONAL availability: a standby in a second zone. */
    highAvailability: boolean;
    diskType: string;
    /** Undefined when the program leaves Cloud SQL's default. */
    diskSizeGb?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const inputs = (r: ResourceRecord): Any => r.inputs ?? {};
const num = (v: Plain, fallback: number): number => (typeof v === "number" ? v : fallback);

/** Every GKE node pool of the plan, the system pool first, then the GPU pools by name. */
export function nodePools(rs: ResourceRecord[]): PoolFacts[] {
    const pools = rs.filter((r) => r.type === TYPES.nodePool).map((r): PoolFacts => {
        const i = inputs(r);
        const nc = i.nodeConfig ?? {};
        const acc = (nc.guestAccelerators ?? [])[0];
        const labels = nc.labels ?? {};
        const provisioning: Provisioning = i.queuedProvisioning?.enabled ? "flex-start" : nc.spot ? "spot" : "on-demand";
        // Totals when set (GKE counts them over all zones); per-zone bounds otherwise, times the zone count.
        const zones = Array.isArray(i.nodeLocations) ? i.nodeLocations.length : 1;
        const a = i.autoscaling ?? {};
        return {
            name: labels[NODE_LABELS.pool] ?? r.name,
            purpose: labels[NODE_LABELS.purpose] ?? "",
            machineType: nc.machineType ?? "",
            provisioning,
            minNodes: num(a.totalMinNodeCount, num(a.minNodeCount, num(i.nodeCount, 0)) * zones),
            maxNodes: num(a.totalMaxNodeCount, num(a.maxNodeCount, num(i.nodeCount, 0)) * zones),
            diskType: nc.diskType ?? "pd-balanced",
            diskSizeGb: num(nc.diskSizeGb, 100),
            ...(acc ? {
                gpu: {
                    type: acc.type, perNode: num(acc.count, 1),
                    ...(acc.gpuPartitionSize ? { partitionSize: acc.gpuPartitionSize } : {}),
                    ...(acc.gpuSharingConfig ? { maxClientsPerGpu: acc.gpuSharingConfig.maxSharedClientsPerGpu } : {}),
                },
            } : {}),
        };
    });
    return pools.sort((a, b) => Number(!!a.gpu) - Number(!!b.gpu) || a.name.localeCompare(b.name));
}

/** Cloud SQL instances of the plan. */
export function databases(rs: ResourceRecord[]): DatabaseFacts[] {
    return rs.filter((r) => r.type === TYPES.database).map((r) => {
        const s = inputs(r).settings ?? {};
        return {
            name: r.name, tier: s.tier ?? "", highAvailability: s.availabilityType === "REGIONAL",
            diskType: s.diskType ?? "PD_SSD", ...(typeof s.diskSize === "number" ? { diskSizeGb: s.diskSize } : {}),
        };
    });
}

export function clusterCount(rs: ResourceRecord[]): number {
    return rs.filter((r) => r.type === TYPES.cluster).length;
}

/** GPUs per pool at max scale, and in total per GPU type. */
export function gpuCapacity(pools: PoolFacts[]): { pools: (PoolFacts & { gpus: number })[]; total: number; byType: [string, number][] } {
    const gpuPools = pools.filter((p) => p.gpu).map((p) => ({ ...p, gpus: p.gpu!.perNode * p.maxNodes }));
    const byType = new Map<string, number>();
    for (const p of gpuPools) byType.set(p.gpu!.type, (byType.get(p.gpu!.type) ?? 0) + p.gpus);
    return { pools: gpuPools, total: gpuPools.reduce((n, p) => n + p.gpus, 0), byType: [...byType] };
}

export interface Endpoint { url: string; what: string }

/**
 * What the world can reach: the HTTPS listeners of external Gateways (with the routes attached to them), and the
 * public URLs the stack exports (MLflow, Grafana), which come from Ingresses and Helm values.
 */
export function externalEndpoints(rs: ResourceRecord[], outputs: Record<string, Plain>): Endpoint[] {
    const found = new Map<string, string>();
    const routes = rs.filter((r) => r.type === TYPES.route).map(inputs);
    for (const g of rs.filter((r) => r.type === TYPES.gateway).map(inputs)) {
        if (!/external/.test(g.spec?.gatewayClassName ?? "")) continue;
        for (const l of g.spec?.listeners ?? []) {
            if (!l.hostname) continue;
            const attached = routes.filter((rt) => (rt.spec?.parentRefs ?? []).some((p: Any) => p.name === g.metadata?.name && (!p.sectionName || p.sectionName === l.name)));
            const scheme = l.protocol === "HTTPS" ? "https" : "http";
            found.set(`${scheme}://${l.hostname}`, attached.map((rt) => `model ${rt.metadata?.name}`).join(", ") || `Gateway ${g.metadata?.name}`);
        }
    }
    const named: [string, string][] = [["mlflowUrl", "MLflow"], ["grafanaUrl", "Grafana"]];
    for (const [key, what] of named) {
        const url = outputs[key];
        if (typeof url === "string" && /^https?:\/\//.test(url)) found.set(url, what);
    }
    return [...found].map(([url, what]) => ({ url, what }));
}

/** The digest's component groups, by the type token of a top-level component; "" for the ones not listed. */
const GROUPS: [RegExp, string][] = [
    [/^mlops:network:/, "network"], [/^mlops:gke:GkeCluster$/, "cluster"], [/^mlops:gke:GpuNodePool$/, "GPU pools"],
    [/^mlops:namespaces:/, "namespaces"], [/^mlops:(mlflow|database|storage):/, "MLflow"], [/^mlops:monitoring:/, "monitoring"],
    [/^mlops:serving:ProgressiveDelivery$/, "delivery"], [/^mlops:serving:ModelGateways$/, "gateways"],
    [/^mlops:scheduling:/, "batch"], [/^mlops:tls:/, "TLS"], [/^mlops:serving:Model(Service|Jobs)$/, "models"],
    [/^mlops:tuning:/, "tuning"],
];

/**
 * Which group a component belongs to. Components of a kind not listed (say, a new concern) form a group named
 * after their class, so nothing the program registers drops out of the digest.
 */
export function componentGroup(type: string): string {
    return GROUPS.find(([re]) => re.test(type))?.[1] ?? type.split(":").pop()!;
}

/** The group order of the digest and the picture. */
export const GROUP_ORDER = GROUPS.map(([, g]) => g);

export interface ComponentGroup {
    group: string;
    /** The top-level components in it (GPU pools are counted apart from their cluster). */
    components: ResourceRecord[];
    /** Cloud and Kubernetes resources anywhere under them. */
    resources: number;
}

/**
 * The stack's top-level components (and each GPU pool, though the cluster parents it), grouped, with the number
 * of custom resources under each group. Custom resources directly under the stack form the group "stack".
 */
export function componentGroups(rs: ResourceRecord[]): ComponentGroup[] {
    const stack = rs.find((r) => r.type === "pulumi:pulumi:Stack");
    const byUrn = new Map(rs.map((r) => [r.urn, r]));
    // The component a resource is counted under: the nearest GPU pool, else its top-level ancestor.
    const owner = (r: ResourceRecord): ResourceRecord | undefined => {
        let cur: ResourceRecord | undefined = r;
        while (cur) {
            if (cur.type === "mlops:gke:GpuNodePool") return cur;
            if (cur.parent === stack?.urn) return cur;
            cur = cur.parent ? byUrn.get(cur.parent) : undefined;
        }
        return undefined;
    };
    const groups = new Map<string, ComponentGroup>();
    const groupOf = (name: string) => {
        if (!groups.has(name)) groups.set(name, { group: name, components: [], resources: 0 });
        return groups.get(name)!;
    };
    for (const r of rs) {
        if (r === stack) continue;
        const o = owner(r);
        if (!o) continue;
        const g = groupOf(o.custom ? "stack" : componentGroup(o.type));
        if (r === o && !r.custom) g.components.push(r);
        if (r.custom) g.resources += 1;
    }
    const rank = (g: string) => (GROUP_ORDER.includes(g) ? GROUP_ORDER.indexOf(g) : GROUP_ORDER.length);
    return [...groups.values()].sort((a, b) => rank(a.group) - rank(b.group) || a.group.localeCompare(b.group));
}
