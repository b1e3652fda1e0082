import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_NAME_LABEL, googleApisEgress } from "../namespaces/manifests";
import { RESTRICTED_CONTAINER, restrictedPod } from "../workloads/podSecurity";
import { gpuScheduling, MODEL_UID, modelLabels, doubled, mlflowCredentialsEnv } from "./manifests";
import { ResolvedModel } from "./modelConfig";
import { jobSetManifest, launcherPodSpec } from "./multiNode";
import { PRIORITY_CLASSES, PriorityClass, queueLabels } from "../scheduling/kueueObjects";
import { DRIFT_TRIGGER_FILE, DRIFT_TRIGGER_SCRIPT, driftTriggerNames, driftTriggerRules, withDriftTrigger } from "../lifecycle/driftTrigger";
import { GATE_FILES, gateConfigMapName, QUALITY_GATE_SCRIPT, withQualityGate } from "../lifecycle/qualityGate";

/** Changes a pod spec (e.g. adds the tuning study's env and proxy sidecar). */
export type PodHook = (pod: k8s.types.input.core.v1.PodSpec) => k8s.types.input.core.v1.PodSpec;

export interface JobEnvironment {
    trackingUri: string;
    pushgatewayUrl: string;
    datasetsBucket: pulumi.Input<string>;
    /** The pinned MLflow image: platform-owned steps (the quality gate) run their stdlib scripts with its python3. */
    mlflowImage: string;
}

/** What one model's batch pods run as: its Kubernetes service account and its MLflow writer's Secret. */
export interface JobIdentity {
    serviceAccount: string;
    mlflowCredentials: string;
}

/** Pure: the env of a model's platform-owned batch steps: MLflow as the model's writer, the Pushgateway, HOME. */
export function platformStepEnv(env: JobEnvironment & JobIdentity) {
    return [
        { name: "MLFLOW_TRACKING_URI", value: env.trackingUri },
        ...mlflowCredentialsEnv(env.mlflowCredentials),
        { name: "PUSHGATEWAY_URL", value: env.pushgatewayUrl },
        { name: "HOME", value: "/tmp" },
    ];
}

/**
 * Pure: a batch pod (retraining or drift check) under the restricted profile, reporting to the Pushgateway,
 * signed in to MLflow as the model's writer. A single-pod retraining of a model with `quality` ends with the
 * platform's quality gate (components/lifecycle/qualityGate.ts); a multi-node run adds it in its JobSet.
 */
export function batchPodSpec(m: ResolvedModel, kind: "training" | "drift", env: JobEnvironment & JobIdentity, priority: PriorityClass = "production-retrain", trainerHook: PodHook = (p) => p): k8s.types.input.core.v1.PodSpec {
    // The hook changes the trainer's pod before the gate wraps it, so what it adds reaches the trainer.
    const pod = trainerHook(batchPod(m, kind, env, priority));
    if (kind !== "training" || !m.quality || m.retraining!.nodes > 1) return pod;
    return withQualityGate(pod, { ...m, quality: m.quality }, { image: env.mlflowImage, env: platformStepEnv(env) });
}

function batchPod(m: ResolvedModel, kind: "training" | "drift", env: JobEnvironment & JobIdentity, priority: PriorityClass): k8s.types.input.core.v1.PodSpec {
    const t = m.retraining;
    const gpu = kind === "training" ? t?.gpu : undefined;
    const g = gpuScheduling(gpu, "training");
    const resources = kind === "training" ? t!.resources : { cpu: "1", memory: "4Gi" };
    return {
        serviceAccountName: env.serviceAccount,
        automountServiceAccountToken: false,
        restartPolicy: "Never",
        // Preemptible: serving and the platform may evict it; it waits for room rather than evicting anyone.
        priorityClassName: PRIORITY_CLASSES[priority].podPriorityClass,
        securityContext: restrictedPod(MODEL_UID),
        nodeSelector: g.nodeSelector,
        ...(g.tolerations ? { tolerations: g.tolerations } : {}),
        containers: [{
            name: kind,
            image: kind === "training" ? t!.image : m.drift!.image,
            env: [
                { name: "MLFLOW_TRACKING_URI", value: env.trackingUri },
                ...mlflowCredentialsEnv(env.mlflowCredentials),
                { name: "MLFLOW_EXPERIMENT_NAME", value: m.name },
                { name: "MODEL_NAME", value: m.name },
                // A pinned model's jobs judge what is released, the `champion` alias: it moves only when a release
                // succeeds, so it lags a version bump during the release and stays put after an abort.
                { name: "MODEL_URI", value: m.version !== undefined ? `models:/${m.registeredModel}@champion` : m.modelUri },
                { name: "DATASETS_BUCKET", value: pulumi.interpolate`gs://${env.datasetsBucket}` },
                { name: "PUSHGATEWAY_URL", value: env.pushgatewayUrl },
                ...(kind === "drift" ? [{ name: "DRIFT_THRESHOLD", value: String(m.drift!.threshold) }, { name: "DRIFT_METHOD", value: m.drift!.method }] : []),
                { name: "HOME", value: "/tmp" },
            ],
            resources: {
                requests: { cpu: resources.cpu, memory: resources.memory, ...g.gpuResources },
                limits: { cpu: doubled(resources.cpu), memory: resources.memory, ...g.gpuResources },
            },
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        }],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "20Gi" } }],
    };
}

/**
 * Pure: a CronJob spec that never overlaps runs, gives up on missed starts, retries (spot preemption), and
 * cleans up. Its Jobs go to Kueue: created suspended with the namespace's LocalQueue and a priority class,
 * so a run waits in line for quota (and GPUs) instead of failing.
 */
export function cronJobSpec(schedule: string, timeZone: string, activeDeadlineSeconds: number, labels: Record<string, string>, pod: k8s.types.input.core.v1.PodSpec, priority: PriorityClass = "production-retrain"): k8s.types.input.batch.v1.CronJobSpec {
    return {
        schedule,
        timeZone,
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
            metadata: { labels: { ...labels, ...queueLabels(priority) } },
            spec: {
                suspend: true,
                backoffLimit: 3,
                activeDeadlineSeconds,
                ttlSecondsAfterFinished: 3 * 86400,
                template: { metadata: { labels }, spec: pod },
            },
        },
    };
}

export interface ModelJobsArgs {
    model: ResolvedModel;
    /** The control plane's range: the multi-node launcher and the drift trigger call the API server. Required. */
    apiServerCidr: string;
    project: string;
    /** Google service account ID for the jobs (unique per stack). Required. */
    serviceAccountId: string;
    env: JobEnvironment;
    /** Namespace of the Pushgateway. Required. */
    monitoringNamespace: string;
    /** Secret in the model's namespace with its MLflow writer (keys `username`, `password`; see MlflowUsers). Required. */
    mlflowCredentials: string;
    /** The pinned MLflow image (python3): runs the drift trigger. Required when drift starts retraining. */
    scriptImage?: string;
    /** Changes the retraining pod (e.g. the tuning study's env and proxy sidecar, so it reads the best parameters). Defaults to none. */
    trainingPodHook?: PodHook;
    k8sProvider: k8s.Provider;
}

/**
 * A model's scheduled batch work: a `<name>-retrain` CronJob (on a training GPU pool when asked) and a
 * `<name>-drift` CronJob, with a service account that may read the datasets bucket, and egress to Google
 * APIs and the Pushgateway.
 */
export class ModelJobs extends pulumi.ComponentResource {
    public readonly cronJobs: string[] = [];
    /** The jobs' Google service account (Workload Identity of `<model>-jobs`). */
    public readonly serviceAccount: gcp.serviceaccount.Account;

    constructor(name: string, args: ModelJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:serving:ModelJobs", name, {}, opts);
        const m = args.model;
        const ns = m.namespace;
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const ksaName = `${m.name}-jobs`;

        const gsa = new gcp.serviceaccount.Account(`${name}-jobs`, {
            accountId: args.serviceAccountId,
            displayName: `Retraining and drift jobs of ${m.name} (Workload Identity)`,
        }, { parent: this });
        this.serviceAccount = gsa;
        new gcp.storage.BucketIAMMember(`${name}-datasets-reader`, {
            bucket: args.env.datasetsBucket, role: "roles/storage.objectViewer", member: pulumi.interpolate`serviceAccount:${gsa.email}`,
        }, { parent: this });
        new gcp.serviceaccount.IAMMember(`${name}-jobs-workload-identity`, {
            serviceAccountId: gsa.name, role: "roles/iam.workloadIdentityUser",
            member: `serviceAccount:${args.project}.svc.id.goog[${ns}/${ksaName}]`,
        }, { parent: this });
        new k8s.core.v1.ServiceAccount(`${name}-jobs-ksa`, {
            metadata: { name: ksaName, namespace: ns, labels: modelLabels(m, "training"), annotations: { "iam.gke.io/gcp-service-account": gsa.email } },
            automountServiceAccountToken: false,
        }, k8sOpts);

        const env = { ...args.env, serviceAccount: ksaName, mlflowCredentials: args.mlflowCredentials };
        // The quality gate's script, mounted read-only into the retraining pod (or the JobSet's gate pod).
        const gateScript = m.quality && m.retraining ? [new k8s.core.v1.ConfigMap(`${name}-quality-gate`, {
            metadata: { name: gateConfigMapName(m.name), namespace: ns, labels: modelLabels(m, "training") },
            data: { [GATE_FILES.script]: QUALITY_GATE_SCRIPT },
        }, k8sOpts)] : [];
        const trainingPod = () => batchPodSpec(m, "training", env, undefined, args.trainingPodHook);
        if (m.retraining && m.retraining.nodes > 1) {
            this.multiNode(name, m, env, args, k8sOpts, gateScript);
            this.cronJobs.push(`${m.name}-retrain`);
        } else if (m.retraining) {
            const labels = modelLabels(m, "training");
            const cronName = `${m.name}-retrain`;
            new k8s.batch.v1.CronJob(`${name}-retrain`, {
                metadata: { name: cronName, namespace: ns, labels },
                spec: cronJobSpec(m.retraining.schedule, m.retraining.timeZone, m.retraining.timeoutMinutes * 60, labels, trainingPod()),
            }, { ...k8sOpts, dependsOn: gateScript });
            this.cronJobs.push(cronName);
        }
        if (m.drift) {
            const labels = modelLabels(m, "drift");
            const cronName = `${m.name}-drift`;
            const check = batchPodSpec(m, "drift", env);
            const trigger = m.drift.retrain ? this.driftTrigger(name, m, gsa, args, k8sOpts) : undefined;
            new k8s.batch.v1.CronJob(`${name}-drift`, {
                metadata: { name: cronName, namespace: ns, labels },
                spec: cronJobSpec(m.drift.schedule, m.drift.timeZone, 3600, labels, trigger ? withDriftTrigger(check, { ...m, drift: m.drift }, trigger.podArgs) : check),
            }, { ...k8sOpts, dependsOn: trigger?.ready ?? [] });
            this.cronJobs.push(cronName);
        }

        // Batch pods read datasets from GCS and push metrics; nothing else leaves the namespace.
        new k8s.networking.v1.NetworkPolicy(`${name}-jobs-egress`, {
            metadata: { name: `${m.name}-jobs-egress`, namespace: ns, labels: modelLabels(m, "training") },
            spec: {
                podSelector: { matchExpressions: [
                    { key: "app.kubernetes.io/name", operator: "In", values: [m.name] },
                    { key: "mlops.platform/workload", operator: "In", values: ["training", "drift"] },
                ] },
                policyTypes: ["Egress"],
                egress: [
                    googleApisEgress(),
                    { to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: args.monitoringNamespace } } }], ports: [{ protocol: "TCP", port: 9091 }] },
                ],
            },
        }, k8sOpts);

        this.registerOutputs({ cronJobs: this.cronJobs, serviceAccount: this.serviceAccount });
    }

    /**
     * Drift-triggered retraining (components/lifecycle/driftTrigger.ts): the drift pod's own service account
     * (same Google identity, for the datasets), bound to a Role that may start only this model's retraining,
     * the trigger script, and egress to the API server.
     */
    private driftTrigger(name: string, m: ResolvedModel, gsa: gcp.serviceaccount.Account, args: ModelJobsArgs, k8sOpts: pulumi.CustomResourceOptions) {
        if (!args.scriptImage) throw new Error(`ModelJobs ${name}: scriptImage is required when drift starts retraining`);
        const ns = m.namespace;
        const n = driftTriggerNames(m);
        const labels = modelLabels(m, "drift");
        new gcp.serviceaccount.IAMMember(`${name}-drift-workload-identity`, {
            serviceAccountId: gsa.name, role: "roles/iam.workloadIdentityUser",
            member: `serviceAccount:${args.project}.svc.id.goog[${ns}/${n.serviceAccount}]`,
        }, { parent: this });
        const sa = new k8s.core.v1.ServiceAccount(`${name}-drift-ksa`, {
            metadata: { name: n.serviceAccount, namespace: ns, labels, annotations: { "iam.gke.io/gcp-service-account": gsa.email } },
            automountServiceAccountToken: false,
        }, k8sOpts);
        const script = new k8s.core.v1.ConfigMap(`${name}-drift-trigger`, {
            metadata: { name: n.configMap, namespace: ns, labels },
            data: { [DRIFT_TRIGGER_FILE]: DRIFT_TRIGGER_SCRIPT },
        }, k8sOpts);
        const role = new k8s.rbac.v1.Role(`${name}-drift-trigger`, {
            metadata: { name: n.role, namespace: ns, labels },
            rules: driftTriggerRules(m),
        }, k8sOpts);
        const binding = new k8s.rbac.v1.RoleBinding(`${name}-drift-trigger`, {
            metadata: { name: n.role, namespace: ns, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: n.role },
            subjects: [{ kind: "ServiceAccount", name: n.serviceAccount, namespace: ns }],
        }, k8sOpts);
        // The trigger calls the API server (the control plane's private endpoint); nothing else is added.
        new k8s.networking.v1.NetworkPolicy(`${name}-drift-trigger-egress`, {
            metadata: { name: `${m.name}-drift-trigger-egress`, namespace: ns, labels },
            spec: {
                podSelector: { matchLabels: { "app.kubernetes.io/name": m.name, "mlops.platform/workload": "drift" } },
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: args.apiServerCidr } }], ports: [{ protocol: "TCP", port: 443 }] }],
            },
        }, k8sOpts);
        return { podArgs: { image: args.scriptImage, pushgatewayUrl: args.env.pushgatewayUrl }, ready: [sa, script, role, binding] };
    }

    /**
     * Multi-node retraining: the run is a JobSet (in a ConfigMap); a `<name>-retrain` CronJob creates one
     * per schedule with kubectl, as a service account that may only create JobSets in this namespace.
     */
    private multiNode(name: string, m: ResolvedModel, env: JobEnvironment & JobIdentity, args: ModelJobsArgs, k8sOpts: pulumi.CustomResourceOptions, gateScript: pulumi.Resource[]) {
        const ns = m.namespace;
        const labels = modelLabels(m, "training");
        const launcher = `${m.name}-launcher`;
        const launcherLabels = { ...modelLabels(m, "training"), "app.kubernetes.io/component": "launcher" };
        const pod = batchPodSpec(m, "training", env, undefined, args.trainingPodHook);
        const gate = m.quality ? { image: env.mlflowImage, env: platformStepEnv(env) } : undefined;
        const manifest = pulumi.output({ pod, gate }).apply((o) => JSON.stringify(jobSetManifest(m, o.pod as k8s.types.input.core.v1.PodSpec, labels, o.gate), null, 2));
        const configMap = new k8s.core.v1.ConfigMap(`${name}-jobset`, {
            metadata: { name: `${m.name}-retrain-jobset`, namespace: ns, labels },
            data: { "jobset.json": manifest },
        }, k8sOpts);
        new k8s.core.v1.ServiceAccount(`${name}-launcher`, { metadata: { name: launcher, namespace: ns, labels: launcherLabels } }, k8sOpts);
        new k8s.rbac.v1.Role(`${name}-launcher`, {
            metadata: { name: launcher, namespace: ns, labels: launcherLabels },
            rules: [{ apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: ["create", "get", "list"] }],
        }, k8sOpts);
        new k8s.rbac.v1.RoleBinding(`${name}-launcher`, {
            metadata: { name: launcher, namespace: ns, labels: launcherLabels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: launcher },
            subjects: [{ kind: "ServiceAccount", name: launcher, namespace: ns }],
        }, k8sOpts);
        new k8s.batch.v1.CronJob(`${name}-retrain`, {
            metadata: { name: `${m.name}-retrain`, namespace: ns, labels: launcherLabels },
            spec: cronJobSpec(m.retraining!.schedule, m.retraining!.timeZone, 600, launcherLabels, launcherPodSpec(launcher, `${m.name}-retrain-jobset`)),
        }, { ...k8sOpts, dependsOn: [configMap, ...gateScript] });
        // The launcher reaches only the API server (the control plane's private endpoint).
        new k8s.networking.v1.NetworkPolicy(`${name}-launcher-egress`, {
            metadata: { name: `${m.name}-launcher-egress`, namespace: ns, labels: launcherLabels },
            spec: {
                podSelector: { matchLabels: { "app.kubernetes.io/name": m.name, "app.kubernetes.io/component": "launcher" } },
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: args.apiServerCidr } }], ports: [{ protocol: "TCP", port: 443 }] }],
            },
        }, k8sOpts);
    }
}
