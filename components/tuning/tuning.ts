// Pure builders of the hyperparameter search (Optuna): the workers' Indexed Job, the storage URL, the hook that
// lets retraining read the best parameters, the dashboard's pod and the NetworkPolicies. See docs/lifecycle.md
// ("Hyperparameter search") for the contract a training image implements.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { cloudSqlProxySidecar, databaseUri } from "../mlflow/manifests";
import { NAMESPACE_NAME_LABEL, NetworkPolicyManifest, googleApisEgress } from "../namespaces/manifests";
import { PlatformFlow } from "../namespaces/platformPolicies";
import { WORKLOAD_LABEL, modelLabels } from "../serving/manifests";
import { ResolvedModel } from "../serving/modelConfig";
import { JobEnvironment, JobIdentity, batchPodSpec, cronJobSpec } from "../serving/modelJobs";
import { ResolvedTuning } from "../serving/lifecycleConfig";
import { RESTRICTED_CONTAINER, restrictedPod } from "../workloads/podSecurity";
import { PRIORITIES } from "../workloads/priorities";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** The studies' database on the platform's Cloud SQL instance, and the user that owns it (not MLflow's). */
export const OPTUNA_DATABASE = "optuna";
export const OPTUNA_DB_USER = "optuna";
/** Key of every storage Secret: the SQLAlchemy URL Optuna's RDBStorage takes. */
export const STORAGE_SECRET_KEY = "url";
/** The platform namespace the dashboard runs in (no other workload: its default deny is the dashboard's). */
export const OPTUNA_NAMESPACE = "optuna";
export const DASHBOARD_NAME = "optuna-dashboard";
export const DASHBOARD_PORT = 8080;

/**
 * optuna-dashboard, pinned (newest release tag, 2025-10-29). Its image is `python:3.12-slim-bookworm` with
 * optuna-dashboard, gunicorn and psycopg2-binary (the Postgres driver) installed as root into the system
 * site-packages, no USER (so any non-root uid reads it), ENTRYPOINT
 * `optuna-dashboard --port 8080 --host 0.0.0.0 --server gunicorn`: the storage URL is the one positional argument.
 * Checked: optuna/optuna-dashboard tag v0.20.0, Dockerfile; .github/workflows/docker-ghcr.yml (published as
 * ghcr.io/optuna/optuna-dashboard:<tag>); optuna_dashboard/_cli.py (storage positional, --host/--port);
 * optuna_dashboard/_app.py (`GET /api/meta`, a cheap JSON view: the probes' path).
 */
export const OPTUNA_DASHBOARD_IMAGE = "ghcr.io/optuna/optuna-dashboard:v0.20.0";
/** The dashboard runs as this non-root user; gunicorn writes its worker heartbeat files under /tmp only. */
export const OPTUNA_DASHBOARD_UID = 1000;

/**
 * Worker settings every study gets. A worker records a heartbeat every `heartbeatSeconds`; a trial whose
 * heartbeat is older than `graceSeconds` (its worker was preempted) is failed and re-queued once per retry,
 * up to `maxRetry`, by RetryHeartbeatStaleTrialCallback (formerly RetryFailedTrialCallback, deprecated in
 * Optuna 4.9). Each index of the Job may fail `backoffLimitPerIndex` times besides preemptions (ignored).
 * Checked: optuna/optuna optuna/storages/_rdb/storage.py (RDBStorage heartbeat_interval, grace_period,
 * heartbeat_stale_trial_callback), optuna/storages/_callbacks.py, optuna/_callbacks.py (MaxTrialsCallback).
 */
export const WORKER_DEFAULTS = { heartbeatSeconds: 60, graceSeconds: 180, maxRetry: 3, backoffLimitPerIndex: 2 };

/**
 * A CronJob needs a schedule even when it only serves as the template of on-demand runs: those are
 * suspended and never fire; a run is `kubectl create job --from=cronjob/<model>-tune`.
 */
export const ON_DEMAND_SCHEDULE = "0 0 1 1 *";

/** The Secret (in the model's namespace) holding the model's study storage URL. */
export function storageSecretName(model: string): string {
    return `${model}-optuna-storage`;
}

/** Optuna's storage URL: Postgres through the Cloud SQL Auth Proxy sidecar on localhost. */
export function storageUrl(password: string): string {
    return databaseUri(OPTUNA_DB_USER, password, OPTUNA_DATABASE);
}

/** Labels of a model's tuning pods: the model's, with workload `tuning`. */
export function tuningLabels(m: { name: string }): Record<string, string> {
    return { ...modelLabels(m, "training"), [WORKLOAD_LABEL]: "tuning" };
}

/** Where a pod finds the study: its storage URL (from the Secret, never a literal) and name. */
export interface StudyRef {
    /** Secret with the URL under STORAGE_SECRET_KEY. */
    secretName: string;
    studyName: string;
    /** The Cloud SQL instance's `project:region:instance`, for the proxy sidecar. */
    connectionName: pulumi.Input<string>;
}

function studyEnv(s: StudyRef): EnvVar[] {
    return [
        { name: "OPTUNA_STORAGE", valueFrom: { secretKeyRef: { name: s.secretName, key: STORAGE_SECRET_KEY } } },
        { name: "OPTUNA_STUDY_NAME", value: s.studyName },
    ];
}

/**
 * The hook that lets a pod read the study: OPTUNA_STORAGE and OPTUNA_STUDY_NAME on its first container, and the
 * Cloud SQL Auth Proxy as a native sidecar (so a Job still completes when the main container exits). Used for
 * the retraining pod, which loads `optuna.load_study(...).best_params`, and for the workers.
 */
export function withOptunaStudy(pod: PodSpec, s: StudyRef): PodSpec {
    const containers = pod.containers as Container[];
    const [first, ...rest] = containers;
    return {
        ...pod,
        // First: a native sidecar must start before any ordinary init container that needs it.
        initContainers: [cloudSqlProxySidecar(s.connectionName), ...((pod.initContainers ?? []) as Container[])],
        containers: [{ ...first, env: [...((first.env ?? []) as EnvVar[]), ...studyEnv(s)] }, ...rest],
    };
}

/** The search space as the workers read it (OPTUNA_SEARCH_SPACE): only the keys config set. */
export function searchSpaceJson(t: ResolvedTuning): string {
    return JSON.stringify(t.searchSpace);
}

/** The study's settings as env, the contract a training image's tuning mode reads. */
export function tuningEnv(t: ResolvedTuning): EnvVar[] {
    const w = WORKER_DEFAULTS;
    return [
        // The image's mode: run trials (retraining pods do not set it).
        { name: "MLOPS_TASK", value: "tune" },
        { name: "OPTUNA_DIRECTION", value: t.direction },
        // Total across every worker: each stops through MaxTrialsCallback(n, states=None) once the study has this many.
        { name: "OPTUNA_N_TRIALS", value: String(t.trials) },
        { name: "OPTUNA_SEARCH_SPACE", value: searchSpaceJson(t) },
        { name: "OPTUNA_PRUNER", value: t.pruner },
        { name: "OPTUNA_OBJECTIVE_METRIC", value: t.objective },
        { name: "OPTUNA_HEARTBEAT_SECONDS", value: String(w.heartbeatSeconds) },
        { name: "OPTUNA_GRACE_PERIOD_SECONDS", value: String(w.graceSeconds) },
        { name: "OPTUNA_MAX_RETRY", value: String(w.maxRetry) },
    ];
}

/**
 * A tuning worker: the model's training pod (same identity, MLflow writer, datasets, Pushgateway, restricted
 * profile) with the study's image, GPUs and resources, the study's env, and the proxy sidecar. Priority
 * `experiment`: Kueue and the scheduler let retraining go first; a preempted trial is retried.
 */
export function tuningPodSpec(m: ResolvedModel, env: JobEnvironment & JobIdentity, s: StudyRef): PodSpec {
    const t = m.tuning!;
    // A worker is a trial, not a retraining run: no quality gate around it.
    const asTraining: ResolvedModel = { ...m, quality: undefined, retraining: { ...m.retraining!, image: t.image, gpu: t.gpu, resources: t.resources } };
    const base = batchPodSpec(asTraining, "training", env, "experiment");
    const [c] = base.containers as Container[];
    return withOptunaStudy({ ...base, containers: [{
        ...c, name: "tune",
        // MODEL_NAMESPACE: the Pushgateway grouping key is job `mlops-tuning`, namespace and model.
        env: [...(c.env as EnvVar[]), ...tuningEnv(t), { name: "MODEL_NAMESPACE", value: m.namespace }],
    }] }, s);
}

/**
 * The `<model>-tune` CronJob: each run an Indexed Job of `parallelism` workers (completions = parallelism: every
 * index runs trials until the study holds `trials`), created suspended for Kueue, which admits all workers at once.
 * Per-index retries (backoffLimitPerIndex, GA in Kubernetes 1.33) so one crashing worker does not end the
 * others; a pod evicted by a disruption (spot preemption, drain) is ignored by the failure policy and recreated.
 * Without a schedule the CronJob is suspended: runs are started on demand.
 */
export function tuningCronJobSpec(m: ResolvedModel, pod: PodSpec): k8s.types.input.batch.v1.CronJobSpec {
    const t = m.tuning!;
    const labels = tuningLabels(m);
    const cron = cronJobSpec(t.schedule ?? ON_DEMAND_SCHEDULE, m.retraining!.timeZone, t.timeoutMinutes * 60, labels, pod, "experiment");
    const job = cron.jobTemplate as k8s.types.input.batch.v1.JobTemplateSpec;
    // backoffLimit left unset: with backoffLimitPerIndex the API defaults it to no global limit.
    const jobSpec = { ...(job.spec as k8s.types.input.batch.v1.JobSpec) };
    delete jobSpec.backoffLimit;
    return {
        ...cron,
        suspend: t.schedule === undefined,
        jobTemplate: {
            ...job,
            spec: {
                ...jobSpec,
                completionMode: "Indexed",
                completions: t.parallelism,
                parallelism: t.parallelism,
                backoffLimitPerIndex: WORKER_DEFAULTS.backoffLimitPerIndex,
                podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] },
            },
        },
    };
}

/**
 * A model's tuning flows, beyond its namespace's baseline (DNS, metadata server, MLflow): workers reach Google
 * APIs (datasets, Cloud SQL Admin for the proxy) and the Pushgateway; workers and retraining pods reach Cloud
 * SQL's private IPs on 3307 (the proxy's server port).
 */
export function tuningNetworkPolicies(m: { name: string }, o: { privateServicesCidr: string; monitoringNamespace: string }): NetworkPolicyManifest[] {
    return [
        {
            name: `${m.name}-tune-egress`,
            spec: {
                podSelector: { matchLabels: { "app.kubernetes.io/name": m.name, [WORKLOAD_LABEL]: "tuning" } },
                policyTypes: ["Egress"],
                egress: [
                    googleApisEgress(),
                    { to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: o.monitoringNamespace } } }], ports: [{ protocol: "TCP", port: 9091 }] },
                ],
            },
        },
        {
            name: `${m.name}-optuna-storage-egress`,
            spec: {
                podSelector: { matchExpressions: [
                    { key: "app.kubernetes.io/name", operator: "In", values: [m.name] },
                    { key: WORKLOAD_LABEL, operator: "In", values: ["training", "tuning"] },
                ] },
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: o.privateServicesCidr } }], ports: [{ protocol: "TCP", port: 3307 }] }],
            },
        },
    ];
}

export function dashboardLabels(): Record<string, string> {
    return { "app.kubernetes.io/name": DASHBOARD_NAME, "app.kubernetes.io/component": "dashboard", "app.kubernetes.io/part-of": "mlops-platform" };
}

/**
 * The dashboard's namespace flows: out to Google APIs and the metadata server (the proxy's Workload Identity),
 * to Cloud SQL on 3307, and DNS. No ingress at all: people reach it with `kubectl port-forward`, which the API
 * server authenticates (Google identity) and authorizes (RBAC `pods/portforward`), and which enters the pod's
 * network namespace from the node, past NetworkPolicies. Nothing else in the cluster can connect to it.
 */
export function dashboardFlows(privateServicesCidr: string): Record<string, PlatformFlow> {
    return {
        dns: { kind: "dns" },
        "gke-metadata-server": { kind: "gkeMetadataServer" },
        "google-apis": { kind: "googleApis" },
        "cloud-sql": { kind: "toCidrs", cidrs: [privateServicesCidr], ports: [3307] },
    };
}

/** The dashboard pod: the pinned image reading every study, through the proxy sidecar, restricted profile. */
export function dashboardPodSpec(o: { serviceAccountName: string; secretName: string; connectionName: pulumi.Input<string> }): PodSpec {
    return {
        serviceAccountName: o.serviceAccountName,
        automountServiceAccountToken: false,
        priorityClassName: PRIORITIES.platformCritical.name,
        securityContext: restrictedPod(OPTUNA_DASHBOARD_UID),
        initContainers: [cloudSqlProxySidecar(o.connectionName)],
        containers: [{
            name: DASHBOARD_NAME,
            image: OPTUNA_DASHBOARD_IMAGE,
            // Appended to the image's entrypoint: the storage URL, expanded by the kubelet from the Secret.
            args: ["$(OPTUNA_STORAGE)"],
            env: [
                { name: "OPTUNA_STORAGE", valueFrom: { secretKeyRef: { name: o.secretName, key: STORAGE_SECRET_KEY } } },
                { name: "HOME", value: "/tmp" },
            ],
            ports: [{ name: "http", containerPort: DASHBOARD_PORT }],
            readinessProbe: { httpGet: { path: "/api/meta", port: "http" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
            livenessProbe: { httpGet: { path: "/api/meta", port: "http" }, initialDelaySeconds: 20, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        }],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
        terminationGracePeriodSeconds: 30,
    };
}
