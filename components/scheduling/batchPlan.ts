// How much of each pool batch work may take, and the Kueue flavors and queues that hand it out. Pure: the
// BatchScheduling component creates these objects, and the config check proves jobs against the same ones.
import { allocatable, machineShape } from "../../lib/machines";
import { parseQuantity } from "../../lib/validate";
import { NODE_LABELS } from "../gke/nodeConfig";
import { ClusterQueueSpec, CPU_FLAVOR, FlavorCapacity, ResourceFlavorSpec, TeamQuota, clusterQueueSpec, cpuFlavor, gpuFlavor, splitCapacity } from "./kueueObjects";

const MI = 2 ** 20;
const GI = 2 ** 30;

/**
 * What the platform's own pods hold on the system pool, estimated from the requests the platform sets:
 * GKE's node daemons (per node), the controllers (Prometheus operator, Grafana, kube-state-metrics,
 * Pushgateway, Kueue, JobSet, Argo Rollouts, cert-manager), and what scales with config (MLflow with its
 * Cloud SQL proxy, Prometheus and Alertmanager). Kueue never lends this to batch work.
 */
export const PLATFORM_RESERVE = {
    perNode: { cpu: 300, memory: 700 * MI },
    controllers: { cpu: 1000, memory: 2 * GI },
    perMonitoringReplica: { cpu: 560, memory: 2 * GI + 192 * MI },
    mlflowSidecar: { cpu: 50, memory: 64 * MI },
};

export interface SystemPoolLoad {
    machineType: string;
    maxNodes: number;
    mlflow: { replicas: number; requests: { cpu: string; memory: string } };
    monitoringReplicas: number;
    /** CPU-only model servers at their max replicas: they share the system pool. */
    cpuServing: { replicas: number; cpu: string; memory: string }[];
}

const cpuMillis = (q: string) => Math.round((parseQuantity(q) ?? 0) * 1000);
const bytes = (q: string) => parseQuantity(q) ?? 0;

/** The system pool's capacity left for CPU batch work, or the shortfall when the platform alone does not fit. */
export function systemBatchCapacity(l: SystemPoolLoad): { cpu: number; memory: number; reserved: { cpu: number; memory: number } } | undefined {
    const shape = machineShape(l.machineType);
    if (!shape) return undefined;
    const node = allocatable(shape);
    const r = PLATFORM_RESERVE;
    const reserved = {
        cpu: r.perNode.cpu * l.maxNodes + r.controllers.cpu + r.perMonitoringReplica.cpu * l.monitoringReplicas + l.mlflow.replicas * (cpuMillis(l.mlflow.requests.cpu) + r.mlflowSidecar.cpu)
            + l.cpuServing.reduce((n, s) => n + s.replicas * cpuMillis(s.cpu), 0),
        memory: r.perNode.memory * l.maxNodes + r.controllers.memory + r.perMonitoringReplica.memory * l.monitoringReplicas + l.mlflow.replicas * (bytes(l.mlflow.requests.memory) + r.mlflowSidecar.memory)
            + l.cpuServing.reduce((n, s) => n + s.replicas * bytes(s.memory), 0),
    };
    return { cpu: node.cpuMillis * l.maxNodes - reserved.cpu, memory: node.memoryBytes * l.maxNodes - reserved.memory, reserved };
}

/** A training pool's capacity for batch work: all of its nodes at max size. */
export function trainingPoolCapacity(p: { name: string; machineType: string; maxNodes: number; schedulableGpusPerNode: number; provisioning: string }): FlavorCapacity {
    const node = allocatable(machineShape(p.machineType) ?? { vcpus: 0, memoryGb: 0 });
    return { flavor: p.name, cpu: node.cpuMillis * p.maxNodes, memory: node.memoryBytes * p.maxNodes, gpu: p.schedulableGpusPerNode * p.maxNodes, flexStart: p.provisioning === "flex-start" };
}

export interface BatchObjects {
    flavors: { name: string; spec: ResourceFlavorSpec }[];
    queues: { namespace: string; spec: ClusterQueueSpec }[];
}

/** The ResourceFlavors (CPU, then each training pool) and a ClusterQueue per team, quotas split from `capacity`. */
export function batchObjects(teams: TeamQuota[], system: { cpu: number; memory: number }, pools: { name: string; acceleratorType: string; provisioning: string; machineType: string; maxNodes: number; schedulableGpusPerNode: number }[]): BatchObjects {
    const capacity: FlavorCapacity[] = [
        { flavor: CPU_FLAVOR, cpu: Math.max(0, system.cpu), memory: Math.max(0, system.memory), gpu: 0 },
        ...pools.map(trainingPoolCapacity),
    ];
    const split = splitCapacity(teams, capacity);
    const flex = capacity.filter((c) => c.flexStart).map((c) => c.flavor);
    return {
        flavors: [{ name: CPU_FLAVOR, spec: cpuFlavor() }, ...pools.map((p) => ({ name: p.name, spec: gpuFlavor(p) }))],
        queues: teams.map((t) => ({ namespace: t.namespace, spec: clusterQueueSpec(t, split.get(t.namespace)!, flex) })),
    };
}

/** The node selector a CPU-only batch pod carries, so Kueue gives it the CPU flavor and never a GPU pool's. */
export const CPU_BATCH_SELECTOR = { [NODE_LABELS.purpose]: "system" };
