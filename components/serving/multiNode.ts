// Multi-node retraining: a JobSet that Kueue admits as one unit (all pods or none), launched on schedule by
// a small CronJob. Pure, typed builders; the plan and tests check the JobSet against its CRD (0.12).
import type * as k8s from "@pulumi/kubernetes";
import { GATE_REPLICATED_JOB, GateOptions, gatePodSpec, RUN_KEY, runKeyEnv } from "../lifecycle/qualityGate";
import { CPU_BATCH_SELECTOR } from "../scheduling/batchPlan";
import { queueLabels } from "../scheduling/kueueObjects";
import { RESTRICTED_CONTAINER, restrictedPod } from "../workloads/podSecurity";
import { ResolvedModel } from "./modelConfig";

type PodSpec = k8s.types.input.core.v1.PodSpec;

export const JOBSET_API = "jobset.x-k8s.io/v1alpha2";
/**
 * kubectl, pinned, for the launcher that creates each run's JobSet: Kubernetes' own image (kubectl as
 * entrypoint, no USER: the pod sets one), newest 1.33 patch found.
 * Checked: kubernetes/kubernetes CHANGELOG/CHANGELOG-1.33.md, v1.33.5 "Container Images" (registry.k8s.io/kubectl:v1.33.5),
 * build/server-image/kubectl/Dockerfile.
 */
export const KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.33.5";

export interface JobSetManifest {
    apiVersion: typeof JOBSET_API;
    kind: "JobSet";
    metadata: { generateName: string; namespace: string; labels: Record<string, string> };
    spec: {
        suspend: boolean;
        ttlSecondsAfterFinished: number;
        network: { enableDNSHostnames: boolean; subdomain: string };
        failurePolicy: { maxRestarts: number; rules?: { name: string; action: "FailJobSet"; targetReplicatedJobs: string[] }[] };
        replicatedJobs: {
            name: string;
            replicas: number;
            /** JobSet 0.12: created only once the named replicated job reaches the status (not on the first). */
            dependsOn?: { name: string; status: "Complete" | "Ready" }[];
            // Template labels go on the child Jobs (jobset_controller.go constructJob), so alerts find the model's runs.
            template: { metadata: { labels: Record<string, string> }; spec: { parallelism: number; completions: number; completionMode: "Indexed"; backoffLimit: number; activeDeadlineSeconds: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };
        }[];
    };
}

/**
 * One run: `nodes` indexed pods, one per node of the compact training pool, each with `gpusPerNode` GPUs.
 * JobSet creates a headless Service (`<subdomain>`) so workers find rank 0 at MASTER_ADDR; a preempted
 * run restarts whole (up to 3 times); Kueue admits it only when all its GPUs fit. With `gate` (a model with
 * `quality`), a `quality-gate` replicated job runs once the workers complete, on a CPU node; its failure
 * (the gate could not decide) fails the run instead of retraining again.
 */
export function jobSetManifest(m: ResolvedModel, pod: PodSpec, labels: Record<string, string>, gate?: Omit<GateOptions, "runKeyField">): JobSetManifest {
    const t = m.retraining!;
    const subdomain = `${m.name}-workers`;
    const container = (pod.containers as k8s.types.input.core.v1.Container[])[0];
    const distributedEnv = [
        { name: "JOBSET_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['jobset.sigs.k8s.io/jobset-name']" } } },
        { name: "NODE_RANK", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
        { name: "MASTER_ADDR", value: `$(JOBSET_NAME)-workers-0-0.${subdomain}` },
        { name: "MASTER_PORT", value: "29500" },
        { name: "NNODES", value: String(t.nodes) },
        { name: "GPUS_PER_NODE", value: String(t.gpusPerNode) },
        ...(gate ? [runKeyEnv(RUN_KEY.jobSet)] : []),
    ];
    const gated = gate && m.quality ? { ...m, quality: m.quality } : undefined;
    return {
        apiVersion: JOBSET_API,
        kind: "JobSet",
        metadata: { generateName: `${m.name}-retrain-`, namespace: m.namespace, labels: { ...labels, ...queueLabels("production-retrain") } },
        spec: {
            suspend: true,
            ttlSecondsAfterFinished: 3 * 86400,
            network: { enableDNSHostnames: true, subdomain },
            failurePolicy: { maxRestarts: 3, ...(gated ? { rules: [{ name: "gate-cannot-decide", action: "FailJobSet" as const, targetReplicatedJobs: [GATE_REPLICATED_JOB] }] } : {}) },
            replicatedJobs: [{
                name: "workers",
                replicas: 1,
                template: {
                    metadata: { labels },
                    spec: {
                        parallelism: t.nodes,
                        completions: t.nodes,
                        completionMode: "Indexed",
                        backoffLimit: 0,
                        activeDeadlineSeconds: t.timeoutMinutes * 60,
                        template: {
                            metadata: { labels },
                            spec: { ...pod, containers: [{ ...container, env: [...distributedEnv, ...((container.env ?? []) as k8s.types.input.core.v1.EnvVar[])], ports: [{ name: "rendezvous", containerPort: 29500 }] }] },
                        },
                    },
                },
            }, ...(gated ? [{
                name: GATE_REPLICATED_JOB,
                replicas: 1,
                dependsOn: [{ name: "workers", status: "Complete" as const }],
                template: {
                    metadata: { labels },
                    spec: {
                        parallelism: 1,
                        completions: 1,
                        completionMode: "Indexed" as const,
                        backoffLimit: 2,
                        activeDeadlineSeconds: 1800,
                        template: { metadata: { labels }, spec: gatePodSpec(pod, gated, gate!, CPU_BATCH_SELECTOR) },
                    },
                },
            }] : [])],
        },
    };
}

/** The launcher's pod: `kubectl create` of the run's JobSet from its ConfigMap, as the launcher account. */
export function launcherPodSpec(serviceAccount: string, configMap: string): PodSpec {
    return {
        serviceAccountName: serviceAccount,
        restartPolicy: "Never",
        securityContext: restrictedPod(1000),
        containers: [{
            name: "launch",
            image: KUBECTL_IMAGE,
            command: ["kubectl", "create", "-f", "/jobset/jobset.json"],
            env: [{ name: "HOME", value: "/tmp" }],
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [{ name: "jobset", mountPath: "/jobset", readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
        }],
        volumes: [{ name: "jobset", configMap: { name: configMap } }, { name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
    };
}
