// The platform's recording and alerting rules, as PrometheusRule groups. Pure.
//
// Every metric they read is declared, with its producer, in metrics.ts (the serving and batch-job contract
// model authors implement is there and in the README). Each rule is unit-tested by promtool
// (test/engines/rules.spec.ts).

/** Per-model alert settings; models not listed get the defaults. */
export interface ModelAlertSpec {
    /** Model name, the `model` label. */
    model: string;
    /** p95 latency threshold. Defaults to ALERT_DEFAULTS.p95LatencySeconds. */
    p95LatencySeconds?: number;
    /** Seconds between scheduled retraining runs; stale after twice this. Defaults to a week. */
    retrainIntervalSeconds?: number;
    /** The model's `drift.threshold`. Defaults to the threshold its drift check pushes (`mlops_drift_threshold`). */
    driftThreshold?: number;
}

export const ALERT_DEFAULTS = {
    p95LatencySeconds: 1,
    errorRatio: 0.05,
    errorRatioCritical: 0.2,
    retrainIntervalSeconds: 7 * 86400,
    gpuUtilizationLow: 20,
    gpuMemoryHigh: 0.9,
    pvcFull: 0.9,
    quotaHigh: 0.9,
    cpuOfLimit: 0.8,
    memoryOfLimit: 0.85,
    /** Minutes a batch workload may wait in a Kueue queue before an alert. */
    queueWaitMinutes: 60,
    /** Hours a ClusterQueue may sit at its quota before an alert. */
    queueAtQuotaHours: 24,
    /** Minutes a tuning study may run without a new complete or pruned trial. */
    tuningStallMinutes: 120,
};

export interface Rule {
    record?: string;
    alert?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export interface RuleGroup {
    name: string;
    interval?: string;
    rules: Rule[];
}

/** Where the runbooks (docs/runbooks.md) are published; `monitoring.runbookBaseUrl` overrides it. */
export const RUNBOOK_BASE = "https://github.com/acme/mlops-platform/blob/main/docs/runbooks.md";

const escape = (s: string) => s.replace(/[\\.^$*+?()[\]{}|]/g, "\\\\$&");

/**
 * One alert expression with a threshold per model and a default for the rest: a term for each model with an
 * override and one for every other model at the default, joined with `or` (the terms select disjoint models).
 * One rule per alert and severity, never two with the same labels (`promtool check rules` flags those as
 * duplicates). `build` gets a label matcher value: the model itself, or a negated alternation of the
 * overridden ones.
 */
function perModel(models: ModelAlertSpec[], pick: (m: ModelAlertSpec) => number | undefined, fallback: number, build: (match: { op: "=" | "!~"; value: string }, threshold: number) => string): string {
    const overridden = models.filter((m) => pick(m) !== undefined);
    const terms = overridden.map((m) => build({ op: "=", value: m.model }, pick(m)!));
    terms.push(build({ op: "!~", value: overridden.length ? overridden.map((m) => escape(m.model)).join("|") : "" }, fallback));
    return terms.length === 1 ? terms[0] : terms.map((t) => `(${t})`).join(" or ");
}

export function platformRuleGroups(models: ModelAlertSpec[] = [], runbookBase = RUNBOOK_BASE, mlflowJob = "mlflow"): RuleGroup[] {
    const d = ALERT_DEFAULTS;
    const alert = (name: string, severity: "info" | "warning" | "critical", expr: string, forDuration: string, summary: string, description: string): Rule => ({
        alert: name, expr, for: forDuration,
        labels: { severity },
        annotations: { summary, description, runbook_url: `${runbookBase}#${name.toLowerCase()}` },
    });
    const latencyRecording = [0.5, 0.95, 0.99].map((q) => ({
        record: `model:request_latency_seconds:p${Math.round(q * 100)}`,
        expr: `histogram_quantile(${q}, sum by (namespace, model, le) (rate(model_request_duration_seconds_bucket[5m])))`,
    }));
    const latencyAlert = perModel(models, (m) => m.p95LatencySeconds, d.p95LatencySeconds,
        (m, t) => `model:request_latency_seconds:p95{model${m.op}"${m.value}"} > ${t}`);
    // Retraining CronJobs are named <model>-retrain; the model label is taken from that name.
    const staleAlert = perModel(models, (m) => m.retrainIntervalSeconds, d.retrainIntervalSeconds, (m, t) => {
        const cronjob = m.op === "=" ? `cronjob="${m.value}-retrain"` : `cronjob=~".+-retrain", cronjob!~"(${m.value})-retrain"`;
        return `time() - max by (namespace, model) (label_replace(kube_cronjob_status_last_successful_time{${cronjob}}, "model", "$1", "cronjob", "(.+)-retrain")) > ${2 * t}`;
    });
    // The model's drift score against its configured threshold; a model not listed, against the one its check pushes.
    const driftScore = (match: string) => `max by (namespace, model, method) (mlops_model_drift_score{${match}})`;
    const withDrift = models.filter((m) => m.driftThreshold !== undefined);
    const driftAlert = [
        ...withDrift.map((m) => `${driftScore(`model="${m.model}"`)} > ${m.driftThreshold}`),
        `${driftScore(`model!~"${withDrift.map((m) => escape(m.model)).join("|")}"`)} > on (namespace, model) group_left () max by (namespace, model) (mlops_drift_threshold)`,
    ].map((t, _i, all) => (all.length > 1 ? `(${t})` : t)).join(" or ");

    return [
        {
            name: "mlops-model-serving.recording",
            interval: "30s",
            rules: [
                ...latencyRecording,
                { record: "model:requests:rate5m", expr: "sum by (namespace, model) (rate(model_requests_total[5m]))" },
                { record: "model:request_errors:ratio_rate5m", expr: `sum by (namespace, model) (rate(model_requests_total{code=~"5.."}[5m])) / sum by (namespace, model) (rate(model_requests_total[5m]))` },
            ],
        },
        {
            name: "mlops-model-serving",
            rules: [
                alert("ModelLatencyHigh", "warning", latencyAlert, "10m", "Model {{ $labels.model }} p95 latency is above its threshold",
                    "p95 latency of {{ $labels.namespace }}/{{ $labels.model }} is {{ $value | humanizeDuration }} over the last 5 minutes."),
                alert("ModelErrorRatioHigh", "warning", `model:request_errors:ratio_rate5m > ${d.errorRatio}`, "5m", "Model {{ $labels.model }} fails more than 5% of requests",
                    "{{ $value | humanizePercentage }} of requests to {{ $labels.namespace }}/{{ $labels.model }} returned 5xx."),
                alert("ModelErrorRatioHigh", "critical", `model:request_errors:ratio_rate5m > ${d.errorRatioCritical}`, "5m", "Model {{ $labels.model }} fails more than 20% of requests",
                    "{{ $value | humanizePercentage }} of requests to {{ $labels.namespace }}/{{ $labels.model }} returned 5xx."),
                alert("ModelNoReplicasAvailable", "critical",
                    `(kube_deployment_status_replicas_available * on (namespace, deployment) group_left () kube_deployment_labels{label_mlops_platform_workload="serving"}) == 0 or rollout_info_replicas_available == 0`,
                    "2m", "A model has no available serving replicas", "{{ $labels.namespace }}/{{ $labels.deployment }}{{ $labels.name }} has no available replicas: requests fail."),
                alert("ModelAutoscalerAtMaximum", "warning",
                    "kube_horizontalpodautoscaler_status_current_replicas >= kube_horizontalpodautoscaler_spec_max_replicas",
                    "15m", "Autoscaler {{ $labels.horizontalpodautoscaler }} has been at its maximum for 15 minutes",
                    "{{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} cannot scale further; raise maxReplicas or the namespace quota."),
            ],
        },
        {
            name: "mlops-training",
            rules: [
                // Every retraining Job carries the model's labels (kube-state-metrics exposes them through
                // metricLabelsAllowlist): scheduled and drift-started runs, a multi-node run's launcher, workers and
                // gate. kube_job_failed is the Job's Failed condition (backoff or deadline exhausted): a preempted
                // pod that was retried and succeeded does not count (kube-state-metrics docs/metrics/workload/job-metrics.md).
                alert("RetrainingFailed", "warning",
                    `max by (namespace, job_name) (kube_job_failed{condition="true"} == 1) * on (namespace, job_name) group_left (model) label_replace(kube_job_labels{label_mlops_platform_workload="training"}, "model", "$1", "label_app_kubernetes_io_name", "(.+)")`,
                    "0m", "Retraining of {{ $labels.model }} failed", "Job {{ $labels.namespace }}/{{ $labels.job_name }} of {{ $labels.model }} failed: the training run did not finish, or its quality gate could not decide. No new version was judged."),
                alert("QualityGateFailedTwice", "warning", "max by (namespace, model) (mlops_quality_gate_consecutive_failures) >= 2",
                    "0m", "The last {{ $value }} retrained versions of {{ $labels.model }} failed the quality gate",
                    "{{ $value }} versions of {{ $labels.namespace }}/{{ $labels.model }} in a row missed the quality bar (MLflow tag mlops.quality_gate.reason on each): the champion stays; check the data and the training run."),
                alert("RetrainingStale", "warning", staleAlert, "1h", "Model {{ $labels.model }} has not retrained successfully in twice its schedule",
                    "The last successful retraining of {{ $labels.namespace }}/{{ $labels.model }} was {{ $value | humanizeDuration }} ago."),
                alert("ModelDriftHigh", "warning", driftAlert,
                    "0m", "Drift of {{ $labels.model }} is above its threshold",
                    "The drift check of {{ $labels.namespace }}/{{ $labels.model }} scored {{ $value }} ({{ $labels.method }}); the Model drift dashboard shows which features moved."),
                // Informational: drift started a retraining run (components/lifecycle/scripts/drift_trigger.py) in the last hour.
                alert("DriftRetrainingTriggered", "info",
                    `time() - max by (namespace, model) (mlops_retraining_triggered_timestamp_seconds{trigger="drift"}) < 3600`,
                    "0m", "Drift started a retraining run of {{ $labels.model }}",
                    "Drift of {{ $labels.namespace }}/{{ $labels.model }} started a retraining run {{ $value | humanizeDuration }} ago; it waits in Kueue like a scheduled run (Jobs labelled mlops.platform/trigger=drift)."),
            ],
        },
        {
            name: "mlops-tuning",
            rules: [alert("TuningStudyStalled", "warning", tuningStalledExpr(d.tuningStallMinutes), "5m",
                "The tuning study of {{ $labels.model }} has finished no trial in ${d.tuningStallMinutes / 60} hours",
                `{{ $value }} worker(s) of {{ $labels.namespace }}/{{ $labels.model }}-tune have run for over ${d.tuningStallMinutes} minutes without a new complete or pruned trial: stuck trials, a database that cannot be reached, or a search too slow for its timeout.`)],
        },
        {
            name: "mlops-batch-queues",
            rules: [
                alert("BatchWorkloadWaitingLong", "warning", "max by (cluster_queue) (kueue_pending_workloads) > 0",
                    `${d.queueWaitMinutes}m`, "Workloads have waited in queue {{ $labels.cluster_queue }} for over ${d.queueWaitMinutes} minutes",
                    "{{ $value }} workload(s) are pending in ClusterQueue {{ $labels.cluster_queue }}: its quota (and what it can borrow) is in use, or flex-start capacity is not available yet."),
                alert("BatchQueueAtQuota", "warning",
                    "sum by (cluster_queue, resource) (kueue_cluster_queue_resource_usage) / sum by (cluster_queue, resource) (kueue_cluster_queue_nominal_quota > 0) >= 1",
                    `${d.queueAtQuotaHours}h`, "ClusterQueue {{ $labels.cluster_queue }} has used all its {{ $labels.resource }} quota for a day",
                    `The team's {{ $labels.resource }} quota has been fully used for ${d.queueAtQuotaHours} hours: raise it in the namespace's config, or expect queueing.`),
            ],
        },
        {
            name: "mlops-gpu",
            rules: [
                alert("GpuUnderutilizedDuringTraining", "warning",
                    `avg by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{pod!=""}) < ${d.gpuUtilizationLow} and on (namespace, pod) (kube_pod_owner{owner_kind="Job"} * on (namespace, pod) group_left () (kube_pod_status_phase{phase="Running"} == 1))`,
                    "30m", "GPUs of {{ $labels.pod }} are below 20% utilization while it trains",
                    "{{ $labels.namespace }}/{{ $labels.pod }} averages {{ $value }}% GPU utilization: check the input pipeline or ask for fewer GPUs."),
                alert("GpuMemoryHigh", "warning",
                    `DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) > ${d.gpuMemoryHigh}`,
                    "10m", "GPU memory of {{ $labels.Hostname }} GPU {{ $labels.gpu }} is above 90%",
                    "{{ $value | humanizePercentage }} of the GPU's memory is used (pod {{ $labels.namespace }}/{{ $labels.pod }}): out-of-memory errors are near."),
            ],
        },
        {
            name: "mlops-platform",
            rules: [
                alert("PersistentVolumeFillingUp", "warning",
                    `kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > ${d.pvcFull}`,
                    "5m", "Volume {{ $labels.persistentvolumeclaim }} is more than 90% full", "{{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full."),
                alert("NamespaceQuotaNearlyUsed", "warning",
                    `kube_resourcequota{type="used"} / ignoring (type) (kube_resourcequota{type="hard"} > 0) > ${d.quotaHigh}`,
                    "15m", "Namespace {{ $labels.namespace }} has used more than 90% of its {{ $labels.resource }} quota",
                    "{{ $value | humanizePercentage }} of {{ $labels.resource }} in {{ $labels.namespace }} is used; new pods will be refused at 100%."),
                alert("MlflowDown", "critical", `up{job="${mlflowJob}"} == 0 or absent(up{job="${mlflowJob}"})`,
                    "5m", "MLflow is down", "Prometheus cannot scrape the MLflow tracking server: experiments and the model registry are unavailable."),
                alert("ContainerCpuHigh", "warning",
                    `sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{container!=""}[5m])) / sum by (namespace, pod, container) (kube_pod_container_resource_limits{resource="cpu"}) > ${d.cpuOfLimit}`,
                    "5m", "Container {{ $labels.container }} uses more than 80% of its CPU limit", "{{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} is at {{ $value | humanizePercentage }} of its CPU limit and may be throttled."),
                alert("ContainerMemoryHigh", "warning",
                    `sum by (namespace, pod, container) (container_memory_working_set_bytes{container!=""}) / sum by (namespace, pod, container) (kube_pod_container_resource_limits{resource="memory"}) > ${d.memoryOfLimit}`,
                    "5m", "Container {{ $labels.container }} uses more than 85% of its memory limit", "{{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} is at {{ $value | humanizePercentage }} of its memory limit: it will be OOM-killed at 100%."),
            ],
        },
    ];
}

/**
 * A study is stalled when a `<model>-tune` Job has had active workers for longer than `minutes` and the model's
 * count of finished (complete or pruned) trials neither changed in that window nor appeared in it (a first push
 * is a new series, which `changes` does not count). The value is the number of active workers.
 */
export function tuningStalledExpr(minutes: number): string {
    const finished = `mlops_tuning_trials{state=~"complete|pruned"}`;
    const running = `max by (namespace, job_name) ((kube_job_status_active > 0) and on (namespace, job_name) (time() - kube_job_status_start_time > ${minutes * 60}))`;
    const studies = `max by (namespace, model) (label_replace(${running} * on (namespace, job_name) group_left (owner_name) kube_job_owner{owner_kind="CronJob", owner_name=~".+-tune"}, "model", "$1", "owner_name", "(.+)-tune"))`;
    const progress = `max by (namespace, model) ((changes(${finished}[${minutes}m]) > 0) or (${finished} unless ${finished} offset ${minutes}m))`;
    return `${studies} unless on (namespace, model) ${progress}`;
}

/** Every PromQL expression of a set of groups, for checks. */
export function ruleExpressions(groups: RuleGroup[]): string[] {
    return groups.flatMap((g) => g.rules.map((r) => r.expr));
}
