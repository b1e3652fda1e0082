import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_NAME_LABEL, googleApisEgress } from "../namespaces/manifests";
import { RESTRICTED_CONTAINER, restrictedPod } from "../workloads/podSecurity";
import { gpuScheduling, MODEL_UID, modelLabels, doubled, mlflowCredentialsEnv } from "./manifests";
import { ResolvedModel } from "./modelConfig";
import { jobSetManifest, launcherPodSpec } from "./multiNode";
import { PRIORITY_CLASSES, PriorityClass, queueLabels } from "../scheduling/kueueObjects";

export interface JobEnvironment {
    trackingUri: string;
    pushgatewayUrl: string;
    datasetsBucket: pulumi.Input<string>;
}

/** What one model's batch pods run as: its Kubernetes service account and its MLflow writer's Secret. */
export interface JobIdentity {
    serviceAccount: string;
    mlflowCredentials: string;
}

/**
 * Pure: a batch pod (retraining or drift check) under the restricted profile, reporting to the Pushgateway,
 * signed in to MLflow as the model's writer.
 */
export function batchPodSpec(m: ResolvedModel, kind: "training" | "drift", env: JobEnvironment & JobIdentity, priority: PriorityClass = "production-retrain"): k8s.types.input.core.v1.PodSpec {
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
                ...(kind === "drift" ? [{ name: "DRIFT_THRESHOLD", value: String(m.drift!.threshold) }] : []),
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
    /** The control plane's range: the multi-node launcher calls the API server. Required. */
    apiServerCidr: string;
    project: string;
    /** Google service account ID for the jobs (unique per stack). Required. */
    serviceAccountId: string;
    env: JobEnvironment;
    /** Namespace of the Pushgateway. Required. */
    monitoringNamespace: string;
    /** Secret in the model's namespace with its MLflow writer (keys `username`, `password`; see MlflowUsers). Required. */
    mlflowCredentials: string;
    k8sProvider: k8s.Provider;
}

/**
 * A model's scheduled batch work: a `<name>-retrain` CronJob (on a training GPU pool when asked) and a
 * `<name>-drift` CronJob, with a service account that may read the datasets bucket, and egress to Google
 * APIs and the Pushgateway.
 */
export class ModelJobs extends pulumi.ComponentResource {
    public readonly cronJobs: string[] = [];

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
        if (m.retraining && m.retraining.nodes > 1) {
            this.multiNode(name, m, env, args, k8sOpts);
            this.cronJobs.push(`${m.name}-retrain`);
        } else if (m.retraining) {
            const labels = modelLabels(m, "training");
            const cronName = `${m.name}-retrain`;
            new k8s.batch.v1.CronJob(`${name}-retrain`, {
                metadata: { name: cronName, namespace: ns, labels },
                spec: cronJobSpec(m.retraining.schedule, m.retraining.timeZone, m.retraining.timeoutMinutes * 60, labels, batchPodSpec(m, "training", env)),
            }, k8sOpts);
            this.cronJobs.push(cronName);
        }
        if (m.drift) {
            const labels = modelLabels(m, "drift");
            const cronName = `${m.name}-drift`;
            new k8s.batch.v1.CronJob(`${name}-drift`, {
                metadata: { name: cronName, namespace: ns, labels },
                spec: cronJobSpec(m.drift.schedule, m.drift.timeZone, 3600, labels, batchPodSpec(m, "drift", env)),
            }, k8sOpts);
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

        this.registerOutputs({ cronJobs: this.cronJobs });
    }

    /**
     * Multi-node retraining: the run is a JobSet (in a ConfigMap); a `<name>-retrain` CronJob creates one
     * per schedule with kubectl, as a service account that may only create JobSets in this namespace.
     */
    private multiNode(name: string, m: ResolvedModel, env: JobEnvironment & JobIdentity, args: ModelJobsArgs, k8sOpts: pulumi.CustomResourceOptions) {
        const ns = m.namespace;
        const labels = modelLabels(m, "training");
        const launcher = `${m.name}-launcher`;
        const launcherLabels = { ...modelLabels(m, "training"), "app.kubernetes.io/component": "launcher" };
        const pod = batchPodSpec(m, "training", env);
        const manifest = pulumi.output(pod).apply((p) => JSON.stringify(jobSetManifest(m, p as k8s.types.input.core.v1.PodSpec, labels), null, 2));
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
        }, { ...k8sOpts, dependsOn: [configMap] });
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
