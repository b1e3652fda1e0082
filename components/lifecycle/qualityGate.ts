// The quality gate of a model's retraining: a platform-owned step after training that marks the registered
// version `challenger` only when it meets the model's `quality` bound and keeps up with the champion. Pure
// builders; the script (scripts/quality_gate.py, Python stdlib) runs in the pinned MLflow image from a ConfigMap.
// See docs/lifecycle.md, "Quality gate", for the contract with the training image.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as k8s from "@pulumi/kubernetes";
import { RESTRICTED_CONTAINER } from "../workloads/podSecurity";
// The pod label a drift-started run carries (`mlops.platform/trigger: drift`); the gate reads it as MLOPS_TRIGGER.
import { TRIGGER_LABEL } from "./driftTrigger";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** The gate's script, shipped in a ConfigMap (the same file the tests run with python3). */
export const QUALITY_GATE_SCRIPT = fs.readFileSync(path.join(__dirname, "scripts", "quality_gate.py"), "utf8");

/** Where the script is mounted, its file name, and the container's name. */
export const GATE_FILES = { dir: "/opt/mlops/quality-gate", script: "quality_gate.py", volume: "quality-gate-script", tmp: "quality-gate-tmp" } as const;
export const GATE_CONTAINER = "quality-gate";
/** The replicated job of a multi-node run's JobSet that runs the gate once the workers complete. */
export const GATE_REPLICATED_JOB = "quality-gate";

/** The run tag the trainer sets from MLOPS_RUN_KEY, and the labels whose value is unique per retraining run. */
export const RUN_KEY = {
    tag: "mlops.run_key",
    env: "MLOPS_RUN_KEY",
    /**
     * A Job's pods carry its UID (Kubernetes 1.27+ `batch.kubernetes.io/controller-uid`); a JobSet's pods its
     * name (`jobset.sigs.k8s.io/jobset-name`, from generateName, so one per run). Checked: kubernetes
     * pkg/apis/batch/types.go (ControllerUidLabel) and kubernetes-sigs/jobset pkg/controllers/jobset_controller.go
     * (labelAndAnnotateObject labels pods with JobSetNameKey; there is no jobset-uid pod label).
     */
    job: "metadata.labels['batch.kubernetes.io/controller-uid']",
    jobSet: "metadata.labels['jobset.sigs.k8s.io/jobset-name']",
} as const;


/** MLflow names the gate writes (docs/lifecycle.md). */
export const GATE_NAMES = {
    challenger: "challenger",
    champion: "champion",
    gateTag: "mlops.quality_gate",
    reasonTag: "mlops.quality_gate.reason",
    triggerTag: "mlops.trigger",
    /** Pushgateway job label of the gate's metrics. */
    pushJob: "quality_gate",
} as const;

/** Requests of the gate: a few REST calls. Limits: memory equal, CPU bounded. */
export const GATE_RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "128Mi" } };

/** What the gate needs of a model (a ResolvedModel with `quality` fits). */
export interface GatedModel {
    name: string;
    namespace: string;
    registeredModel: string;
    quality: { metric: string; direction: "maximize" | "minimize"; threshold: number; maxRegression: number };
}

export interface GateOptions {
    /** The MLflow image (has python3). Required. */
    image: string;
    /** Env shared with the model's batch containers: MLflow URI and writer credentials, PUSHGATEWAY_URL, HOME. Required. */
    env: EnvVar[];
    /** Downward API path of the run key: RUN_KEY.job or RUN_KEY.jobSet. Required. */
    runKeyField: string;
}

/** The ConfigMap carrying a model's gate script. */
export function gateConfigMapName(model: string): string {
    return `${model}-quality-gate`;
}

/** Pure: the env that ties a training container to its gate (MLOPS_RUN_KEY; the trainer tags its run with it). */
export function runKeyEnv(runKeyField: string): EnvVar {
    return { name: RUN_KEY.env, valueFrom: { fieldRef: { fieldPath: runKeyField } } };
}

/** Pure: the gate's thresholds and identity as env (numbers as JavaScript prints them: 0.85, 0.01). */
export function gateEnv(m: GatedModel, runKeyField: string): EnvVar[] {
    const q = m.quality;
    return [
        { name: "MODEL_NAME", value: m.name },
        { name: "MODEL_NAMESPACE", value: m.namespace },
        { name: "REGISTERED_MODEL", value: m.registeredModel },
        { name: "MLFLOW_EXPERIMENT_NAME", value: m.name },
        { name: "QUALITY_METRIC", value: q.metric },
        { name: "QUALITY_DIRECTION", value: q.direction },
        { name: "QUALITY_THRESHOLD", value: String(q.threshold) },
        { name: "QUALITY_MAX_REGRESSION", value: String(q.maxRegression) },
        runKeyEnv(runKeyField),
        // A drift-started run's pods carry the trigger label; a missing label reads as "", which the gate takes as schedule.
        { name: "MLOPS_TRIGGER", valueFrom: { fieldRef: { fieldPath: `metadata.labels['${TRIGGER_LABEL}']` } } },
    ];
}

/** Pure: the gate container: the script from its ConfigMap, under the restricted profile, writing only /tmp. */
export function gateContainer(m: GatedModel, o: GateOptions): Container {
    return {
        name: GATE_CONTAINER,
        image: o.image,
        command: ["python3", `${GATE_FILES.dir}/${GATE_FILES.script}`],
        env: [...o.env, ...gateEnv(m, o.runKeyField)],
        resources: GATE_RESOURCES,
        securityContext: RESTRICTED_CONTAINER,
        volumeMounts: [{ name: GATE_FILES.tmp, mountPath: "/tmp" }, { name: GATE_FILES.volume, mountPath: GATE_FILES.dir, readOnly: true }],
    };
}

/** The volumes the gate container mounts. */
export function gateVolumes(model: string): k8s.types.input.core.v1.Volume[] {
    return [
        { name: GATE_FILES.tmp, emptyDir: { sizeLimit: "64Mi" } },
        { name: GATE_FILES.volume, configMap: { name: gateConfigMapName(model) } },
    ];
}

/**
 * Pure: a single-pod retraining with its gate. The trainer becomes the init container and the gate the pod's
 * container: it starts only if training succeeded, in the same pod (same Kueue admission, same node; the pod's
 * requests stay the trainer's, the larger of the two), and a failed training fails the pod before the gate.
 */
export function withQualityGate(pod: PodSpec, m: GatedModel, o: Omit<GateOptions, "runKeyField">): PodSpec {
    const [trainer, ...rest] = pod.containers as Container[];
    if (rest.length) throw new Error(`withQualityGate: ${m.name}'s retraining pod must have one container, has ${rest.length + 1}`);
    return {
        ...pod,
        initContainers: [...((pod.initContainers ?? []) as Container[]), { ...trainer, env: [...((trainer.env ?? []) as EnvVar[]), runKeyEnv(RUN_KEY.job)] }],
        containers: [gateContainer(m, { ...o, runKeyField: RUN_KEY.job })],
        volumes: [...((pod.volumes ?? []) as k8s.types.input.core.v1.Volume[]), ...gateVolumes(m.name)],
    };
}

/**
 * Pure: the gate's own pod in a multi-node run (a JobSet replicated job after the workers): the workers' pod
 * settings (identity, security, priority) without GPUs, on the CPU batch nodes.
 */
export function gatePodSpec(workerPod: PodSpec, m: GatedModel, o: Omit<GateOptions, "runKeyField">, cpuNodeSelector: Record<string, string>): PodSpec {
    // The pod-wide settings only: its own container, volumes and CPU node selector replace the workers'.
    const keep = ["serviceAccountName", "automountServiceAccountToken", "restartPolicy", "priorityClassName", "securityContext"] as const;
    const rest = Object.fromEntries(keep.filter((k) => workerPod[k] !== undefined).map((k) => [k, workerPod[k]])) as Partial<PodSpec>;
    return {
        ...rest,
        nodeSelector: { ...cpuNodeSelector },
        containers: [gateContainer(m, { ...o, runKeyField: RUN_KEY.jobSet })],
        volumes: gateVolumes(m.name),
    };
}
