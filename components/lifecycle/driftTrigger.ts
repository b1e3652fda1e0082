// Drift-triggered retraining: the drift check's pod runs the model's drift image first (an init container that
// scores and writes its verdict), then the platform's trigger (scripts/drift_trigger.py), which starts one
// retraining run through Kueue when the score is above the threshold. Pure builders; see docs/lifecycle.md.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as k8s from "@pulumi/kubernetes";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

/** The label on Jobs, JobSets and pods a drift check started (the MLflow run tag `mlops.trigger` says the same). */
export const TRIGGER_LABEL = "mlops.platform/trigger";
/** On the `<model>-retrain` CronJob: when drift last started a run (RFC 3339); the cooldown counts from it. */
export const LAST_TRIGGER_ANNOTATION = "mlops.platform/last-drift-trigger";
/** Where the drift image writes its verdict, on the pod's shared `work` volume. */
export const DRIFT_RESULT_PATH = "/work/drift.json";
/** The script, as the ConfigMap ships it. */
export const DRIFT_TRIGGER_SCRIPT = fs.readFileSync(path.join(__dirname, "scripts", "drift_trigger.py"), "utf8");
export const DRIFT_TRIGGER_FILE = "drift_trigger.py";
/** Where the pod's projected API token and CA are mounted (the path clients expect). */
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** What the trigger needs of a model (structurally a ResolvedModel with drift retraining on). */
export interface DriftTriggerModel {
    name: string;
    namespace: string;
    drift: { threshold: number; method: string; retrain?: { cooldownMinutes: number } };
    /** nodes > 1: the run is a JobSet from the `<name>-retrain-jobset` ConfigMap. */
    retraining?: { nodes: number };
}

/** Names of the trigger's objects and of what it acts on. */
export function driftTriggerNames(m: { name: string; retraining?: { nodes: number } }) {
    return {
        /** The drift pod's own service account: only it holds the trigger's Role. */
        serviceAccount: `${m.name}-drift`,
        role: `${m.name}-drift-trigger`,
        configMap: `${m.name}-drift-trigger`,
        retrainCronJob: `${m.name}-retrain`,
        /** Set for multi-node models: the JobSet the trigger creates comes from it. */
        jobSetConfigMap: (m.retraining?.nodes ?? 1) > 1 ? `${m.name}-retrain-jobset` : undefined,
    };
}

/**
 * Pure: the least the trigger needs. Read and annotate (get, patch) the model's own retrain CronJob and add
 * its Job to the CronJob's status.active (patch cronjobs/status), so the schedule's concurrencyPolicy Forbid
 * waits for it; list the namespace's Jobs (in flight?) and create one. Multi-node: read the JobSet template
 * ConfigMap, list and create JobSets. `create` and `list` cannot be narrowed by name (RBAC docs: resourceNames
 * do not apply to them).
 */
export function driftTriggerRules(m: { name: string; retraining?: { nodes: number } }): PolicyRule[] {
    const n = driftTriggerNames(m);
    const cron: PolicyRule[] = [
        { apiGroups: ["batch"], resources: ["cronjobs"], resourceNames: [n.retrainCronJob], verbs: ["get", "patch"] },
    ];
    if (n.jobSetConfigMap) {
        return [
            ...cron,
            { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list"] },
            { apiGroups: [""], resources: ["configmaps"], resourceNames: [n.jobSetConfigMap], verbs: ["get"] },
            { apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: ["list", "create"] },
        ];
    }
    return [
        ...cron,
        { apiGroups: ["batch"], resources: ["cronjobs/status"], resourceNames: [n.retrainCronJob], verbs: ["patch"] },
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list", "create"] },
    ];
}

export interface DriftTriggerPodArgs {
    /** The pinned MLflow image (python3, the standard library): the trigger's interpreter. */
    image: string;
    pushgatewayUrl: string;
}

/**
 * Pure: the drift check's pod with the trigger. The model's drift container becomes an init container that
 * writes DRIFT_RESULT; the trigger container then reads it. Only the trigger mounts an API token (a projected,
 * hour-long one, with the cluster CA); the pod runs as the drift service account, which the Role is bound to.
 */
export function withDriftTrigger(pod: PodSpec, m: DriftTriggerModel, a: DriftTriggerPodArgs): PodSpec {
    if (!m.drift.retrain) throw new Error(`withDriftTrigger: model ${m.name} has no drift retraining`);
    const n = driftTriggerNames(m);
    const [check] = pod.containers as Container[];
    const work = { name: "work", mountPath: "/work" };
    const resultEnv = { name: "DRIFT_RESULT", value: DRIFT_RESULT_PATH };
    const trigger: Container = {
        name: "retrain-trigger",
        image: a.image,
        command: ["python3", `/scripts/${DRIFT_TRIGGER_FILE}`],
        env: [
            { name: "MODEL_NAME", value: m.name },
            { name: "MODEL_NAMESPACE", value: m.namespace },
            { name: "RETRAIN_CRONJOB", value: n.retrainCronJob },
            ...(n.jobSetConfigMap ? [{ name: "RETRAIN_JOBSET_CONFIGMAP", value: n.jobSetConfigMap }] : []),
            { name: "DRIFT_THRESHOLD", value: String(m.drift.threshold) },
            { name: "DRIFT_METHOD", value: m.drift.method },
            { name: "DRIFT_COOLDOWN_MINUTES", value: String(m.drift.retrain.cooldownMinutes) },
            resultEnv,
            { name: "PUSHGATEWAY_URL", value: a.pushgatewayUrl },
            { name: "HOME", value: "/tmp" },
        ],
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        securityContext: check.securityContext,
        volumeMounts: [
            { ...work, readOnly: true },
            { name: "scripts", mountPath: "/scripts", readOnly: true },
            { name: "kube-api-access", mountPath: SA_DIR, readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
        ],
    };
    return {
        ...pod,
        serviceAccountName: n.serviceAccount,
        // No automatic token: the projected volume below reaches the trigger container alone.
        automountServiceAccountToken: false,
        initContainers: [{
            ...check,
            env: [...(check.env as k8s.types.input.core.v1.EnvVar[]), resultEnv],
            volumeMounts: [...(check.volumeMounts as k8s.types.input.core.v1.VolumeMount[]), work],
        }],
        containers: [trigger],
        volumes: [
            ...(pod.volumes as k8s.types.input.core.v1.Volume[]),
            { name: "work", emptyDir: { sizeLimit: "16Mi" } },
            { name: "scripts", configMap: { name: n.configMap, defaultMode: 0o444 } },
            // What the kubelet mounts by default, made explicit (kube-root-ca.crt is in every namespace since 1.21).
            {
                name: "kube-api-access",
                projected: {
                    defaultMode: 0o644,
                    sources: [
                        { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
                        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                    ],
                },
            },
        ],
    };
}
