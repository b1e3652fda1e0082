// The metric inventory: every metric an alert, recording rule, dashboard panel or rollout analysis reads, and
// who produces it. `model-server` and `batch-job` are the contract model images and the platform's jobs
// implement (README, "Metric contract"); the others are exporters the platform installs or Kubernetes runs.
// A query of a metric listed nowhere here fails the inventory test (test/components/metrics.spec.ts). Pure.

export const METRIC_SOURCES = {
    "model-server": "every model image, on its HTTP port at /metrics (scraped with the pod's namespace label)",
    "batch-job": "the platform's retraining and drift jobs, pushed to the Pushgateway (PUSHGATEWAY_URL)",
    "pushgateway": "the Pushgateway itself, per pushed group",
    "quality-gate": "the platform's quality gate after each retraining, pushed to the Pushgateway (job quality_gate)",
    "recording-rule": "the platform's recording rules (components/monitoring/alertRules.ts)",
    "kube-state-metrics": "kube-state-metrics from kube-prometheus-stack",
    "kubelet": "the kubelet's /metrics (volume stats)",
    "cadvisor": "cAdvisor in the kubelet (/metrics/cadvisor)",
    "dcgm": "NVIDIA DCGM exporter on GPU nodes (node-metrics/dcgm-exporter)",
    "kueue": "the Kueue controller's metrics",
    "argo-rollouts": "the Argo Rollouts controller's metrics",
    "prometheus": "Prometheus itself (one `up` per scrape target)",
} as const;

export type MetricSource = keyof typeof METRIC_SOURCES;

export interface MetricSpec { source: MetricSource; type: "counter" | "gauge" | "histogram"; labels: string[]; help: string }

/** The serving contract: what a model image must expose. */
export const SERVING_CONTRACT: Record<string, MetricSpec> = {
    model_requests_total: { source: "model-server", type: "counter", labels: ["model", "code"], help: "requests served, by HTTP status code" },
    model_request_duration_seconds_bucket: { source: "model-server", type: "histogram", labels: ["model", "le"], help: "request latency (a Prometheus histogram `model_request_duration_seconds`)" },
    // Optional: where a model can score its predictions, the release analysis compares versions' mean score.
    model_prediction_score_sum: { source: "model-server", type: "histogram", labels: ["model"], help: "optional: sum of prediction scores (histogram or summary `model_prediction_score`)" },
    model_prediction_score_count: { source: "model-server", type: "histogram", labels: ["model"], help: "optional: number of scored predictions (histogram or summary `model_prediction_score`)" },
};

/**
 * What drift checks push (docs/lifecycle.md, "Drift-triggered retraining"); the threshold is the model's
 * `drift.threshold` (DRIFT_THRESHOLD), the method its `drift.method` (DRIFT_METHOD).
 */
export const BATCH_JOB_CONTRACT: Record<string, MetricSpec> = {
    mlops_model_drift_score: { source: "batch-job", type: "gauge", labels: ["model", "method"], help: "the model's drift score (psi, ks or wasserstein), compared with its threshold" },
    mlops_feature_drift_score: { source: "batch-job", type: "gauge", labels: ["model", "feature", "method"], help: "drift score of one feature" },
    mlops_drift_threshold: { source: "batch-job", type: "gauge", labels: ["model"], help: "the model's drift threshold, pushed with the scores" },
    // Pushed by the platform's drift trigger (components/lifecycle/scripts/drift_trigger.py), job="drift_trigger".
    mlops_retraining_triggered_timestamp_seconds: { source: "batch-job", type: "gauge", labels: ["model", "trigger"], help: "when a retraining run was last started, by trigger (drift)" },
    // Tuning workers (`<model>-tune`) push both after every finished trial, Pushgateway job `mlops-tuning` (docs/lifecycle.md).
    mlops_tuning_trials: { source: "batch-job", type: "gauge", labels: ["namespace", "model", "state"], help: "trials of the model's Optuna study by state (complete, pruned, fail, running, waiting)" },
    mlops_tuning_best_value: { source: "batch-job", type: "gauge", labels: ["namespace", "model"], help: "the study's best objective value so far" },
};

/** What the platform's quality gate pushes after each retraining (components/lifecycle/scripts/quality_gate.py). */
export const QUALITY_GATE_METRICS: Record<string, MetricSpec> = {
    mlops_quality_gate_passed: { source: "quality-gate", type: "gauge", labels: ["namespace", "model", "version"], help: "1 when the version passed the gate (became challenger), 0 when it failed" },
    mlops_quality_gate_metric: { source: "quality-gate", type: "gauge", labels: ["namespace", "model", "version", "metric"], help: "the gated metric's value for the version" },
    mlops_quality_gate_consecutive_failures: { source: "quality-gate", type: "gauge", labels: ["namespace", "model"], help: "versions in a row that failed the gate (from the versions' mlops.quality_gate tags)" },
};

const g = (source: MetricSource, labels: string[] = [], type: MetricSpec["type"] = "gauge"): MetricSpec => ({ source, type, labels, help: "" });

export const METRICS: Record<string, MetricSpec> = {
    ...SERVING_CONTRACT,
    ...BATCH_JOB_CONTRACT,
    ...QUALITY_GATE_METRICS,
    push_time_seconds: g("pushgateway", ["job"]),
    "model:requests:rate5m": g("recording-rule", ["namespace", "model"]),
    "model:request_errors:ratio_rate5m": g("recording-rule", ["namespace", "model"]),
    "model:request_latency_seconds:p50": g("recording-rule", ["namespace", "model"]),
    "model:request_latency_seconds:p95": g("recording-rule", ["namespace", "model"]),
    "model:request_latency_seconds:p99": g("recording-rule", ["namespace", "model"]),
    kube_cronjob_info: g("kube-state-metrics", ["namespace", "cronjob"]),
    kube_cronjob_status_active: g("kube-state-metrics", ["namespace", "cronjob"]),
    kube_cronjob_status_last_successful_time: g("kube-state-metrics", ["namespace", "cronjob"]),
    kube_deployment_labels: g("kube-state-metrics", ["namespace", "deployment", "label_mlops_platform_workload"]),
    kube_deployment_status_replicas_available: g("kube-state-metrics", ["namespace", "deployment"]),
    kube_horizontalpodautoscaler_spec_max_replicas: g("kube-state-metrics", ["namespace", "horizontalpodautoscaler"]),
    kube_horizontalpodautoscaler_status_current_replicas: g("kube-state-metrics", ["namespace", "horizontalpodautoscaler"]),
    kube_job_owner: g("kube-state-metrics", ["namespace", "job_name", "owner_kind", "owner_name"]),
    kube_job_status_active: g("kube-state-metrics", ["namespace", "job_name"]),
    kube_job_status_completion_time: g("kube-state-metrics", ["namespace", "job_name"]),
    kube_job_status_failed: g("kube-state-metrics", ["namespace", "job_name"]),
    kube_job_status_start_time: g("kube-state-metrics", ["namespace", "job_name"]),
    kube_job_failed: g("kube-state-metrics", ["namespace", "job_name", "condition"]),
    // Job labels allowed in monitoringStack.ts (metricLabelsAllowlist "jobs=[...]").
    kube_job_labels: g("kube-state-metrics", ["namespace", "job_name", "label_app_kubernetes_io_name", "label_mlops_platform_workload", "label_mlops_platform_trigger"]),
    kube_job_created: g("kube-state-metrics", ["namespace", "job_name"]),
    kube_namespace_labels: g("kube-state-metrics", ["namespace"]),
    kube_node_labels: g("kube-state-metrics", ["node"]),
    kube_pod_container_resource_limits: g("kube-state-metrics", ["namespace", "pod", "container", "resource"]),
    kube_pod_container_resource_requests: g("kube-state-metrics", ["namespace", "pod", "container", "resource"]),
    kube_pod_owner: g("kube-state-metrics", ["namespace", "pod", "owner_kind"]),
    kube_pod_status_phase: g("kube-state-metrics", ["namespace", "pod", "phase"]),
    kube_resourcequota: g("kube-state-metrics", ["namespace", "resource", "type"]),
    kubelet_volume_stats_capacity_bytes: g("kubelet", ["namespace", "persistentvolumeclaim"]),
    kubelet_volume_stats_used_bytes: g("kubelet", ["namespace", "persistentvolumeclaim"]),
    container_cpu_usage_seconds_total: g("cadvisor", ["namespace", "pod", "container"], "counter"),
    container_memory_working_set_bytes: g("cadvisor", ["namespace", "pod", "container"]),
    DCGM_FI_DEV_FB_FREE: g("dcgm", ["gpu", "Hostname", "namespace", "pod"]),
    DCGM_FI_DEV_FB_USED: g("dcgm", ["gpu", "Hostname", "namespace", "pod"]),
    DCGM_FI_DEV_GPU_UTIL: g("dcgm", ["gpu", "Hostname", "namespace", "pod"]),
    DCGM_FI_DEV_POWER_USAGE: g("dcgm", ["gpu", "Hostname", "namespace", "pod"]),
    kueue_admission_wait_time_seconds_bucket: g("kueue", ["cluster_queue", "le"], "histogram"),
    kueue_cluster_queue_nominal_quota: g("kueue", ["cluster_queue", "resource", "flavor"]),
    kueue_cluster_queue_resource_usage: g("kueue", ["cluster_queue", "resource", "flavor"]),
    kueue_pending_workloads: g("kueue", ["cluster_queue", "status"]),
    rollout_info_replicas_available: g("argo-rollouts", ["namespace", "name"]),
    // Argo Rollouts' controller metrics (docs/features/controller-metrics.md): 1 for an AnalysisRun metric's phase.
    analysis_run_metric_phase: g("argo-rollouts", ["namespace", "name", "metric", "phase"]),
    up: g("prometheus", ["job", "instance"]),
};
