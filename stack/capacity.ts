// Config-time capacity checks: the queues Kueue will get, and whether each declared model's pods (serving at
// min replicas, a retraining run as one unit, a drift check) fit a node pool, their namespace's quota and
// their queue. Built from the same pure builders the components use, so the check and the cluster agree.
import { partitionsPerGpu } from "../lib/accelerators";
import { KNOWN_MACHINE_TYPES, allocatable, machineShape } from "../lib/machines";
import { Report } from "../lib/errors";
import { GPU_TAINT, NODE_LABELS, QUEUED_PROVISIONING_TAINT } from "../components/gke/nodeConfig";
import { ResolvedGpuPool } from "../components/gke/gpuNodePool";
import { ResolvedNamespace } from "../components/namespaces/teamNamespace";
import { limitRangeSpec, resourceQuotaSpec } from "../components/namespaces/manifests";
import { BatchObjects, batchObjects, systemBatchCapacity } from "../components/scheduling/batchPlan";
import {
    CapacityInput, NodePoolShape, WorkloadShape, checkCapacity, limitRangeDefaults, nodePoolShape, podShape, queueShape, quotaShape, show,
} from "../components/scheduling/capacity";
import { LOCAL_QUEUE } from "../components/scheduling/kueueObjects";
import { servingPodSpec } from "../components/serving/manifests";
import { ResolvedModel } from "../components/serving/modelConfig";
import { batchPodSpec } from "../components/serving/modelJobs";
import { jobSetManifest } from "../components/serving/multiNode";
import { tuningPodSpec, withOptunaStudy } from "../components/tuning/tuning";

export interface SystemPoolFacts { machineType: string; maxNodes: number; spot: boolean }

/** The node pools as the scheduler will see them. */
export function poolShapes(system: SystemPoolFacts, pools: ResolvedGpuPool[]): NodePoolShape[] {
    const gke = (p: { machineType: string }) => {
        const s = machineShape(p.machineType);
        return s && allocatable(s);
    };
    return [
        nodePoolShape({ name: "system", machineType: system.machineType, labels: { [NODE_LABELS.purpose]: "system", [NODE_LABELS.pool]: "system" }, taints: [], maxNodes: system.maxNodes, spot: system.spot }, gke(system), partitionsPerGpu),
        ...pools.map((p) => nodePoolShape({
            name: p.name, machineType: p.machineType,
            labels: { [NODE_LABELS.purpose]: p.purpose, [NODE_LABELS.pool]: p.name },
            taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: "NoSchedule" }, ...(p.provisioning === "flex-start" ? [{ ...QUEUED_PROVISIONING_TAINT }] : [])],
            maxNodes: p.maxNodes, spot: p.spot,
            accelerator: { type: p.acceleratorType, count: p.acceleratorCount, partitionSize: p.partitionSize, maxClientsPerGpu: p.sharing?.maxClientsPerGpu },
        }, gke(p), partitionsPerGpu)),
    ];
}

export interface BatchPlanInput {
    system: SystemPoolFacts;
    pools: ResolvedGpuPool[];
    namespaces: ResolvedNamespace[];
    models: ResolvedModel[];
    mlflow: { replicas: number; resources: { requests: { cpu: string; memory: string } } };
    monitoringReplicas: number;
}

/**
 * The Kueue objects for this config: the CPU flavor gets what the system pool has left after the platform
 * and CPU serving at max replicas; each training pool, all of its nodes. Reports a system pool too small
 * for the platform alone.
 */
export function planBatch(i: BatchPlanInput, report: Report): BatchObjects {
    if (!machineShape(i.system.machineType)) {
        report("cluster.systemPool.machineType", `must be a machine type whose size the platform knows, so capacity can be proven: ${KNOWN_MACHINE_TYPES}`, i.system.machineType);
    }
    const cpuServing = i.models.filter((m) => !m.gpu).map((m) => ({ replicas: m.replicas.max, ...m.resources }));
    const left = systemBatchCapacity({ machineType: i.system.machineType, maxNodes: i.system.maxNodes, mlflow: { replicas: i.mlflow.replicas, requests: i.mlflow.resources.requests }, monitoringReplicas: i.monitoringReplicas, cpuServing });
    if (left && (left.cpu < 0 || left.memory < 0)) {
        report("cluster.systemPool.maxNodes", `leaves no room: ${i.system.maxNodes} x ${i.system.machineType} cannot hold the platform and CPU model servers at max replicas (they request ${show("cpu", left.reserved.cpu)}, ${show("memory", left.reserved.memory)}); raise maxNodes or choose a larger machineType`, i.system.maxNodes);
    }
    const teams = i.namespaces.map((n) => ({ namespace: n.name, cpu: n.quota.requestsCpu, memory: n.quota.requestsMemory, gpus: n.quota.gpus }));
    return batchObjects(teams, left ?? { cpu: 0, memory: 0 }, i.pools.filter((p) => p.purpose === "training"));
}

const ENV = { trackingUri: "", pushgatewayUrl: "", datasetsBucket: "", mlflowImage: "", serviceAccount: "check", mlflowCredentials: "check" };
const STUDY = { secretName: "check", studyName: "check", connectionName: "check" };

/**
 * Each model's pods: serving at min replicas (long-running), a retraining run, a drift check and a tuning study's
 * workers, all at once (queued; the study's Indexed Job is admitted as one unit of `parallelism` pods).
 */
export function modelWorkloads(m: ResolvedModel, limits: CapacityInput["namespaces"]): (WorkloadShape & { field: string })[] {
    const defaults = limits[m.namespace]?.defaults;
    const out: (WorkloadShape & { field: string })[] = [{
        field: "replicas.min", name: `${m.rollout.strategy === "rolling" ? "Deployment" : "Rollout"} ${m.namespace}/${m.name}`, namespace: m.namespace,
        pod: podShape(servingPodSpec(m, ENV), defaults), pods: m.replicas.min, longRunning: true,
    }];
    if (m.retraining) {
        // With a study, retraining reads its best parameters through the Cloud SQL proxy sidecar.
        const pod = m.tuning ? withOptunaStudy(batchPodSpec(m, "training", ENV), STUDY) : batchPodSpec(m, "training", ENV);
        const multi = m.retraining.nodes > 1;
        out.push({
            field: "retraining", name: `${multi ? "JobSet" : "CronJob"} ${m.namespace}/${m.name}-retrain`, namespace: m.namespace,
            pod: podShape(multi ? jobSetManifest(m, pod, {}).spec.replicatedJobs[0].template.spec.template.spec : pod, defaults),
            pods: m.retraining.nodes, longRunning: false, queue: LOCAL_QUEUE,
        });
    }
    if (m.tuning && m.retraining) {
        out.push({
            field: "tuning", name: `CronJob ${m.namespace}/${m.name}-tune`, namespace: m.namespace,
            pod: podShape(tuningPodSpec(m, ENV, STUDY), defaults), pods: m.tuning.parallelism, longRunning: false, queue: LOCAL_QUEUE,
        });
    }
    if (m.drift) {
        out.push({ field: "drift", name: `CronJob ${m.namespace}/${m.name}-drift`, namespace: m.namespace, pod: podShape(batchPodSpec(m, "drift", ENV), defaults), pods: 1, longRunning: false, queue: LOCAL_QUEUE });
    }
    return out;
}

/**
 * Proves every model's pods schedulable and admissible; each problem is reported on the model's key,
 * naming the workload, the check (node, pool, quota, queue) and the numbers. Nothing when the system pool's
 * machine type is unknown: planBatch reports that once, where every model would fail on it too.
 * @param report reports on `models[i].<field>`.
 */
export function checkModelCapacity(i: BatchPlanInput, batch: BatchObjects, reportModel: (index: number, field: string, message: string) => void): void {
    if (!machineShape(i.system.machineType)) return;
    const namespaces: CapacityInput["namespaces"] = {};
    for (const n of i.namespaces) namespaces[n.name] = { quota: quotaShape(resourceQuotaSpec(n.quota).hard), defaults: limitRangeDefaults(limitRangeSpec(n.containerDefaults)) };
    const localQueues: Record<string, string> = {};
    for (const q of batch.queues) localQueues[`${q.namespace}/${LOCAL_QUEUE}`] = q.namespace;
    const workloads = i.models.map((m) => modelWorkloads(m, namespaces));
    const verdicts = checkCapacity({
        pools: poolShapes(i.system, i.pools),
        namespaces,
        kueue: {
            flavors: batch.flavors.map((f) => ({ name: f.name, nodeLabels: f.spec.nodeLabels ?? {}, tolerations: f.spec.tolerations ?? [] })),
            clusterQueues: batch.queues.map((q) => queueShape(q.namespace, q.spec)),
            localQueues,
        },
        workloads: workloads.flat(),
    });
    let k = 0;
    workloads.forEach((ws, index) => ws.forEach((w) => {
        for (const p of verdicts[k++].problems) reportModel(index, w.field, `${w.name} cannot run: ${p}`);
    }));
}
