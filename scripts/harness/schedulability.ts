// The schedulability proof over a recorded plan: every pod template the program registers (Deployments,
// Rollouts, StatefulSets, DaemonSets, Jobs, CronJobs, JobSets carried in launcher ConfigMaps, and the Jobs of
// Argo Rollouts analysis templates' `job` metrics), checked
// against the plan's own node pools, ResourceQuotas, LimitRanges and Kueue objects.
import { partitionsPerGpu } from "../../lib/accelerators";
import { allocatable, machineShape } from "../../lib/machines";
import { QUEUED_PROVISIONING_TAINT } from "../../components/gke/nodeConfig";
import {
    CapacityInput, KueueShape, NamespaceLimits, NodePoolShape, WorkloadShape, WorkloadVerdict,
    checkCapacity, checkQueueQuotas, limitRangeDefaults, nodePoolShape, podShape, queueShape, quotaShape,
} from "../../components/scheduling/capacity";
import { ResourceRecord } from "./recorder";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const GKE_EFFECT: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };
const QUEUE_LABEL = "kueue.x-k8s.io/queue-name";

function pools(rs: ResourceRecord[]): NodePoolShape[] {
    return rs.filter((r) => r.type === "gcp:container/nodePool:NodePool").map((r) => {
        const i = r.inputs as Json;
        const nc = i.nodeConfig ?? {};
        const ga = nc.guestAccelerators?.[0];
        const shape = machineShape(nc.machineType);
        return nodePoolShape({
            name: nc.labels?.["mlops.platform/pool"] ?? r.name,
            machineType: nc.machineType,
            labels: nc.labels ?? {},
            // GKE adds the queued-provisioning taint itself to flex-start pools' nodes.
            taints: [
                ...(nc.taints ?? []).map((t: Json) => ({ key: t.key, value: t.value, effect: GKE_EFFECT[t.effect] ?? t.effect })),
                ...(i.queuedProvisioning?.enabled === true ? [{ ...QUEUED_PROVISIONING_TAINT }] : []),
            ],
            maxNodes: i.autoscaling?.totalMaxNodeCount ?? i.autoscaling?.maxNodeCount ?? i.nodeCount ?? 0,
            spot: nc.spot === true,
            accelerator: ga && { type: ga.type, count: ga.count, partitionSize: ga.gpuPartitionSize, maxClientsPerGpu: ga.gpuSharingConfig?.maxSharedClientsPerGpu },
        }, shape && allocatable(shape), partitionsPerGpu);
    });
}

const kindOf = (r: ResourceRecord) => (r.inputs as Json)?.kind ?? r.type.split(":").pop();

function namespaces(rs: ResourceRecord[]): Record<string, NamespaceLimits> {
    const out: Record<string, NamespaceLimits> = {};
    for (const r of rs) {
        const i = r.inputs as Json;
        const ns = i?.metadata?.namespace;
        if (r.type === "kubernetes:core/v1:ResourceQuota") (out[ns] ??= {}).quota = quotaShape(i.spec?.hard);
        if (r.type === "kubernetes:core/v1:LimitRange") (out[ns] ??= {}).defaults = limitRangeDefaults(i.spec);
    }
    return out;
}

function kueue(rs: ResourceRecord[]): KueueShape {
    const of = (kind: string) => rs.filter((r) => r.type === `kubernetes:kueue.x-k8s.io/v1beta2:${kind}`).map((r) => r.inputs as Json);
    const localQueues: Record<string, string> = {};
    for (const q of of("LocalQueue")) localQueues[`${q.metadata.namespace}/${q.metadata.name}`] = q.spec.clusterQueue;
    return {
        flavors: of("ResourceFlavor").map((f) => ({ name: f.metadata.name, nodeLabels: f.spec?.nodeLabels ?? {}, tolerations: f.spec?.tolerations ?? [] })),
        clusterQueues: of("ClusterQueue").map((q) => queueShape(q.metadata.name, q.spec)),
        localQueues,
    };
}

/** Every pod template of the plan, with the pods one unit needs. */
export function workloads(rs: ResourceRecord[], limits: Record<string, NamespaceLimits>): WorkloadShape[] {
    const hpaMin = new Map<string, number>();
    for (const r of rs.filter((x) => x.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) {
        const i = r.inputs as Json;
        hpaMin.set(`${i.spec.scaleTargetRef.kind}/${i.metadata.namespace}/${i.spec.scaleTargetRef.name}`, i.spec.minReplicas ?? 1);
    }
    const out: WorkloadShape[] = [];
    let record: ResourceRecord;
    const push = (kind: string, meta: Json, spec: Json, pods: number, extra: Partial<WorkloadShape>) => {
        const ns = meta?.namespace ?? "default";
        // Autonamed objects (a Job Pulumi names) go by their logical name.
        const name = typeof meta?.name === "string" && meta.name !== "[unknown]" ? meta.name : meta?.generateName ?? record.name;
        out.push({ name: `${kind} ${ns}/${name}`, namespace: ns, pod: podShape(spec ?? {}, limits[ns]?.defaults), pods, longRunning: false, ...extra });
    };
    for (const r of rs) {
        if (!r.custom || !r.type.startsWith("kubernetes:")) continue;
        record = r;
        const i = r.inputs as Json;
        const kind = kindOf(r);
        const meta = i?.metadata ?? {};
        const replicas = (k: string) => i.spec?.replicas ?? hpaMin.get(`${k}/${meta.namespace}/${meta.name}`) ?? 1;
        if (kind === "Deployment" || kind === "StatefulSet" || kind === "Rollout") {
            push(kind, meta, i.spec?.template?.spec, replicas(kind), { longRunning: true });
        } else if (kind === "DaemonSet") {
            push(kind, meta, i.spec?.template?.spec, 1, { longRunning: true, daemon: true });
        } else if (kind === "Job") {
            push(kind, meta, i.spec?.template?.spec, i.spec?.parallelism ?? 1, { queue: meta.labels?.[QUEUE_LABEL] });
        } else if (kind === "CronJob") {
            const jt = i.spec?.jobTemplate ?? {};
            push(kind, meta, jt.spec?.template?.spec, jt.spec?.parallelism ?? 1, { queue: jt.metadata?.labels?.[QUEUE_LABEL] });
        } else if (kind === "AnalysisTemplate" || kind === "ClusterAnalysisTemplate") {
            // A `job` metric: Argo Rollouts creates the Job in the Rollout's namespace during a release.
            for (const metric of i.spec?.metrics ?? []) {
                const job = metric.provider?.job;
                if (!job) continue;
                push("AnalysisJob", { ...meta, name: `${meta.name}/${metric.name}` }, job.spec?.template?.spec, job.spec?.parallelism ?? 1, { queue: job.metadata?.labels?.[QUEUE_LABEL] });
            }
        } else if (kind === "ConfigMap") {
            // A launcher's JobSet: all its pods are one unit, admitted by Kueue together.
            for (const text of Object.values(i.data ?? {})) {
                // A JSON document of kind JobSet (not, say, a script that mentions one).
                if (typeof text !== "string" || !text.trimStart().startsWith("{") || !text.includes("\"JobSet\"")) continue;
                const js = JSON.parse(text);
                for (const rj of js.spec?.replicatedJobs ?? []) {
                    const pods = (rj.replicas ?? 1) * (rj.template?.spec?.parallelism ?? 1);
                    push("JobSet", { ...js.metadata, name: `${js.metadata.generateName ?? js.metadata.name}${rj.name}` }, rj.template?.spec?.template?.spec, pods, { queue: js.metadata?.labels?.[QUEUE_LABEL] });
                }
            }
        }
    }
    return out;
}

/** Builds the inputs of the proof from a plan's resources. */
export function capacityInput(rs: ResourceRecord[]): CapacityInput {
    const ns = namespaces(rs);
    return { pools: pools(rs), namespaces: ns, kueue: kueue(rs), workloads: workloads(rs, ns) };
}

/** Checks every pod template of a plan. */
export function checkSchedulability(rs: ResourceRecord[]): WorkloadVerdict[] {
    return checkCapacity(capacityInput(rs));
}

/** Flavors whose queues promise more than their pools have. */
export function checkQueueCapacity(rs: ResourceRecord[]): string[] {
    return checkQueueQuotas(kueue(rs), pools(rs));
}
