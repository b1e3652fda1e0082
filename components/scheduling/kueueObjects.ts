// Typed, pure builders for the Kueue objects the platform creates (kueue.x-k8s.io/v1beta2, Kueue 0.19).
// The plan and the tests check every object against the CRDs of that version.
import { parseQuantity } from "../../lib/validate";
import { GPU_TAINT, NODE_LABELS, QUEUED_PROVISIONING_TAINT } from "../gke/nodeConfig";
import { PRIORITIES } from "../workloads/priorities";

export const KUEUE_API = "kueue.x-k8s.io/v1beta2";
export const COHORT = "mlops-platform";
/** The LocalQueue every team namespace gets; batch jobs name it in `kueue.x-k8s.io/queue-name`. */
export const LOCAL_QUEUE = "batch";
export const CPU_FLAVOR = "cpu";
export const DWS_CHECK = "dws-provisioning";
export const DWS_CONFIG = "dws";

/**
 * Kueue's WorkloadPriorityClasses: queueing order and preemption between batch workloads. Their values are
 * those of the pod PriorityClasses the same jobs carry (components/workloads/priorities.ts), so Kueue and
 * the scheduler agree on who goes first.
 */
export const PRIORITY_CLASSES = {
    "production-retrain": { value: PRIORITIES.batch.value, podPriorityClass: PRIORITIES.batch.name, description: "Scheduled retraining of production models: admitted first, may preempt experiments." },
    experiment: { value: PRIORITIES.experiment.value, podPriorityClass: PRIORITIES.experiment.name, description: "Ad-hoc experiments: run on idle capacity and yield to production work." },
} as const;
export type PriorityClass = keyof typeof PRIORITY_CLASSES;

export interface Toleration { key: string; operator: "Exists" | "Equal"; value?: string; effect?: "NoSchedule" | "NoExecute" | "PreferNoSchedule" }
export interface ResourceFlavorSpec { nodeLabels?: Record<string, string>; tolerations?: Toleration[] }
export interface FlavorQuotas { name: string; resources: { name: string; nominalQuota: string | number; borrowingLimit?: string | number; lendingLimit?: string | number }[] }
export interface ClusterQueueSpec {
    cohortName: string;
    namespaceSelector: { matchLabels: Record<string, string> };
    queueingStrategy: "BestEffortFIFO" | "StrictFIFO";
    resourceGroups: { coveredResources: string[]; flavors: FlavorQuotas[] }[];
    preemption: {
        reclaimWithinCohort: "Never" | "LowerPriority" | "Any";
        withinClusterQueue: "Never" | "LowerPriority" | "LowerOrNewerEqualPriority";
        borrowWithinCohort: { policy: "Never" | "LowerPriority" };
    };
    admissionChecksStrategy?: { admissionChecks: { name: string; onFlavors: string[] }[] };
}
export interface LocalQueueSpec { clusterQueue: string }
export interface AdmissionCheckSpec { controllerName: string; parameters: { apiGroup: string; kind: string; name: string } }
export interface ProvisioningRequestConfigSpec { provisioningClassName: string; managedResources: string[] }


/**
 * A training GPU pool as Kueue sees it. Kueue adds a flavor's node labels to the pods it admits, and in
 * Kueue 0.19 a flavor matches a pod when the pod's selector agrees on the flavor's own label keys only: so
 * the labels name this pool and its purpose, and a CPU job (which selects `purpose: system`) never lands
 * here. Pods get the GPU taint's toleration, and on flex-start pools the queued-provisioning taint's.
 */
export function gpuFlavor(pool: { name: string; acceleratorType: string; provisioning?: string }): ResourceFlavorSpec {
    return {
        nodeLabels: { [NODE_LABELS.purpose]: "training", [NODE_LABELS.pool]: pool.name, "cloud.google.com/gke-accelerator": pool.acceleratorType },
        tolerations: [
            { key: GPU_TAINT.key, operator: "Exists", effect: "NoSchedule" },
            ...(pool.provisioning === "flex-start" ? [{ key: QUEUED_PROVISIONING_TAINT.key, operator: "Exists" as const, effect: "NoSchedule" as const }] : []),
        ],
    };
}

/** CPU-only batch work runs on the system pool: the flavor's one label is the pool's purpose. */
export function cpuFlavor(): ResourceFlavorSpec {
    return { nodeLabels: { [NODE_LABELS.purpose]: "system" } };
}

export interface TeamQuota {
    namespace: string;
    cpu: string;
    memory: string;
    gpus: number;
}

/** What a flavor's pool can give batch work in all: CPU in millicores, memory in bytes, GPUs. */
export interface FlavorCapacity {
    flavor: string;
    cpu: number;
    memory: number;
    gpu: number;
    /** Flex-start pool: admission waits for Dynamic Workload Scheduler's nodes. */
    flexStart?: boolean;
}

/** One team's nominal quota per flavor, as ClusterQueue quantities. */
export interface TeamFlavorQuota { flavor: string; cpu: string; memory: string; gpu: number }

/**
 * Splits each flavor's capacity between the teams, in proportion to their namespace quotas (CPU flavor: by
 * CPU and memory quota; GPU flavors: by GPU quota, so teams without GPUs get none of a GPU pool). The sum of
 * nominal quotas never exceeds what the pools can reach; a team borrows the rest from the cohort when idle.
 */
export function splitCapacity(teams: TeamQuota[], capacity: FlavorCapacity[]): Map<string, TeamFlavorQuota[]> {
    const parse = (text: string, cpu: boolean) => {
        const v = parseQuantity(text) ?? 0;
        return cpu ? v * 1000 : v;
    };
    const out = new Map<string, TeamFlavorQuota[]>(teams.map((t) => [t.namespace, []]));
    // Each team's weights, parsed once: a flavor's shares need every team's.
    const weights = teams.map((t) => ({ cpu: parse(t.cpu, true), memory: parse(t.memory, false), gpu: t.gpus }));
    const sum = (r: "cpu" | "memory" | "gpu") => weights.reduce((n, w) => n + w[r], 0);
    const totals = { cpu: sum("cpu"), memory: sum("memory"), gpu: sum("gpu") };
    for (const c of capacity) {
        // A GPU flavor is split by GPU quota alone; the CPU flavor by CPU and memory quota, and has no GPUs to split.
        const weight = (i: number, r: "cpu" | "memory" | "gpu") => (c.gpu > 0 ? weights[i].gpu : r === "gpu" ? 0 : weights[i][r]);
        const total = (r: "cpu" | "memory" | "gpu") => (c.gpu > 0 ? totals.gpu : r === "gpu" ? 0 : totals[r]);
        const share = (i: number, r: "cpu" | "memory" | "gpu") => (total(r) > 0 ? weight(i, r) / total(r) : 0);
        // Whole GPUs: floors first, then the remainder to the largest fractions, so none is left unassigned.
        const exact = teams.map((_, i) => c.gpu * share(i, "gpu"));
        const gpus = exact.map(Math.floor);
        let left = c.gpu > 0 && totals.gpu > 0 ? c.gpu - gpus.reduce((a, b) => a + b, 0) : 0;
        for (const i of exact.map((_, i) => i).sort((a, b) => (exact[b] - gpus[b]) - (exact[a] - gpus[a]))) {
            if (left <= 0) break;
            if (exact[i] > 0) { gpus[i]++; left--; }
        }
        teams.forEach((t, i) => {
            out.get(t.namespace)!.push({
                flavor: c.flavor,
                cpu: `${Math.floor(c.cpu * share(i, "cpu"))}m`,
                memory: `${Math.floor((c.memory * share(i, "memory")) / 2 ** 20)}Mi`,
                gpu: gpus[i],
            });
        });
    }
    return out;
}

/**
 * A team's ClusterQueue: one resource group covering CPU, memory and GPUs, so a job gets exactly one flavor
 * and its pods only that pool's labels: the CPU flavor first (no GPUs), then each training pool. Nominal
 * quota comes from splitCapacity; the cohort lends idle quota, reclaimed by preemption. Flex-start flavors
 * require the DWS admission check, so a job gets all its nodes before it starts.
 */
export function clusterQueueSpec(q: TeamQuota, quotas: TeamFlavorQuota[], flexStartFlavors: string[] = []): ClusterQueueSpec {
    const flex = quotas.map((f) => f.flavor).filter((f) => flexStartFlavors.includes(f));
    return {
        cohortName: COHORT,
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": q.namespace } },
        queueingStrategy: "BestEffortFIFO",
        resourceGroups: [{
            coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
            flavors: quotas.map((f) => ({
                name: f.flavor,
                resources: [{ name: "cpu", nominalQuota: f.cpu }, { name: "memory", nominalQuota: f.memory }, { name: "nvidia.com/gpu", nominalQuota: f.gpu }],
            })),
        }],
        preemption: { reclaimWithinCohort: "Any", withinClusterQueue: "LowerPriority", borrowWithinCohort: { policy: "LowerPriority" } },
        ...(flex.length ? { admissionChecksStrategy: { admissionChecks: [{ name: DWS_CHECK, onFlavors: flex }] } } : {}),
    };
}

/** Dynamic Workload Scheduler: Kueue asks GKE for all of a job's nodes through a ProvisioningRequest. */
export function provisioningRequestConfigSpec(): ProvisioningRequestConfigSpec {
    return { provisioningClassName: "queued-provisioning.gke.io", managedResources: ["nvidia.com/gpu"] };
}

export function dwsAdmissionCheckSpec(): AdmissionCheckSpec {
    return { controllerName: "kueue.x-k8s.io/provisioning-request", parameters: { apiGroup: "kueue.x-k8s.io", kind: "ProvisioningRequestConfig", name: DWS_CONFIG } };
}

/** Labels that submit a Job to Kueue (it must be created suspended; Kueue unsuspends it on admission). The pods also carry `PRIORITY_CLASSES[priority].podPriorityClass`. */
export function queueLabels(priority: PriorityClass): Record<string, string> {
    return { "kueue.x-k8s.io/queue-name": LOCAL_QUEUE, "kueue.x-k8s.io/priority-class": priority };
}
