// Typed, pure builders for the Kueue objects the platform creates (kueue.x-k8s.io/v1beta2, Kueue 0.19).
// The plan and the tests check every object against the CRDs of that version.
import { GPU_TAINT, NODE_LABELS } from "../gke/nodeConfig";

export const KUEUE_API = "kueue.x-k8s.io/v1beta2";
export const COHORT = "mlops-platform";
/** The LocalQueue every team namespace gets; batch jobs name it in `kueue.x-k8s.io/queue-name`. */
export const LOCAL_QUEUE = "batch";
export const CPU_FLAVOR = "cpu";
export const DWS_CHECK = "dws-provisioning";
export const DWS_CONFIG = "dws";

export const PRIORITY_CLASSES = {
    "production-retrain": { value: 1000, description: "Scheduled retraining of production models: admitted first, may preempt experiments." },
    experiment: { value: 100, description: "Ad-hoc experiments: run on idle capacity and yield to production work." },
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

/** A GPU pool as Kueue sees it: a flavor whose pods land on that pool and tolerate its taint. */
export function gpuFlavor(pool: { name: string; acceleratorType: string }): ResourceFlavorSpec {
    return {
        nodeLabels: { [NODE_LABELS.pool]: pool.name, "cloud.google.com/gke-accelerator": pool.acceleratorType },
        tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: "NoSchedule" }],
    };
}

/** CPU-only batch work runs on the system pool. */
export function cpuFlavor(): ResourceFlavorSpec {
    return { nodeLabels: { [NODE_LABELS.purpose]: "system" } };
}

export interface TeamQuota {
    namespace: string;
    cpu: string;
    memory: string;
    gpus: number;
}

/**
 * A team's ClusterQueue: its namespace's CPU, memory and GPU quota as nominal quota, in the platform's
 * cohort so idle quota can be borrowed, and reclaimed by preemption when its owner needs it. GPU quota is
 * offered on every training pool (the namespace's ResourceQuota still caps the total). Flex-start pools
 * require the DWS admission check, so a job gets all its nodes before it starts.
 */
export function clusterQueueSpec(q: TeamQuota, trainingPools: { name: string; flexStart: boolean }[]): ClusterQueueSpec {
    const gpuFlavors = trainingPools.map((p) => ({ name: p.name, resources: [{ name: "nvidia.com/gpu", nominalQuota: q.gpus }] }));
    const flex = trainingPools.filter((p) => p.flexStart).map((p) => p.name);
    return {
        cohortName: COHORT,
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": q.namespace } },
        queueingStrategy: "BestEffortFIFO",
        resourceGroups: [
            { coveredResources: ["cpu", "memory"], flavors: [{ name: CPU_FLAVOR, resources: [{ name: "cpu", nominalQuota: q.cpu }, { name: "memory", nominalQuota: q.memory }] }] },
            ...(gpuFlavors.length ? [{ coveredResources: ["nvidia.com/gpu"], flavors: gpuFlavors }] : []),
        ],
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

/** Labels that submit a Job to Kueue (it must be created suspended; Kueue unsuspends it on admission). */
export function queueLabels(priority: PriorityClass): Record<string, string> {
    return { "kueue.x-k8s.io/queue-name": LOCAL_QUEUE, "kueue.x-k8s.io/priority-class": priority };
}
