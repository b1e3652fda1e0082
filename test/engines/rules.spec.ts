// The plan's alerting and recording rules, evaluated by Prometheus's own engine (`promtool test rules`) and
// linted by it (`promtool check rules`). Cases come from two places: generated from the stack config the
// plan used (per-model latency thresholds, retraining intervals, drift thresholds), and written by hand
// with concrete numbers and times, so a changed comparison, threshold, `for` or label fails here.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RUNBOOK_BASE, Rule, RuleGroup, platformRuleGroups } from "../../components/monitoring/alertRules";
import { PlatformConfig, parsePlatformConfig } from "../../stack/platform";
import { loadStackConfig } from "../../scripts/harness/stackConfig";
import { one, planOf } from "../plans";
import { AlertTest, ExpAlert, Labels, TestGroup, expandAnnotations, ruleFile, sel, series, testFile } from "./promtool";
import { onPath, run, tempDir, toolsPresent } from "./tools";

type Stack = "dev" | "prod";
const STACKS: Stack[] = ["dev", "prod"];
const ALERTS = [...new Set(platformRuleGroups().flatMap((g) => g.rules).flatMap((r) => r.alert ?? []))];
const RECORDS = platformRuleGroups().flatMap((g) => g.rules).flatMap((r) => r.record ?? []);

const minutes = (d: string) => {
    const m = /^(\d+)(m|h)$/.exec(d);
    if (!m) throw new Error(`duration ${d}`);
    return Number(m[1]) * (m[2] === "h" ? 60 : 1);
};

/** Builds expectations against the plan's rules: labels given here, annotations expanded from the rule's templates. */
function expectations(groups: RuleGroup[], runbookBase: string) {
    const rules = groups.flatMap((g) => g.rules);
    const rule = (alert: string, severity: string): Rule => {
        const hits = rules.filter((r) => r.alert === alert && r.labels?.severity === severity);
        assert.equal(hits.length, 1, `one ${alert} rule at severity ${severity}`);
        return hits[0];
    };
    /** An alert expected to fire: its labels (severity separately) and the value its annotations show. */
    const fires = (alert: string, severity: string, labels: Labels, value: number): ExpAlert => ({
        exp_labels: { ...labels, severity },
        exp_annotations: { ...expandAnnotations(rule(alert, severity), labels, value), runbook_url: `${runbookBase}#${alert.toLowerCase()}` },
    });
    const at = (alertname: string, minute: number, ...exp: ExpAlert[]): AlertTest => ({ eval_time: `${minute}m`, alertname, exp_alerts: exp });
    const forOf = (alert: string) => minutes(rules.find((r) => r.alert === alert)!.for!);
    return { fires, at, forOf };
}

/** Cases that follow the stack config: each model's thresholds, as the plan was given them. */
function generatedCases(groups: RuleGroup[], cfg: PlatformConfig): TestGroup[] {
    const { fires, at, forOf } = expectations(groups, cfg.monitoring.runbookBaseUrl);
    const other = { name: "unlisted-model", namespace: "ml-serving" };
    const tests: TestGroup[] = [];

    // ModelLatencyHigh: 1.5x the threshold fires after `for`; exactly the threshold never does.
    const latency = [...cfg.models.map((m) => ({ name: m.name, namespace: m.namespace, t: m.rollout.analysis.p95LatencySeconds })), { ...other, t: 1 }];
    const lf = forOf("ModelLatencyHigh");
    tests.push({
        name: "ModelLatencyHigh at each model's configured p95 threshold",
        interval: "1m",
        input_series: latency.flatMap((m) => [
            series("model:request_latency_seconds:p95", { namespace: m.namespace, model: m.name }, `${m.t * 1.5}x${lf + 5}`),
            series("model:request_latency_seconds:p95", { namespace: `${m.namespace}-at-threshold`, model: m.name }, `${m.t}x${lf + 5}`),
        ]),
        alert_rule_test: [
            at("ModelLatencyHigh", lf - 1),
            at("ModelLatencyHigh", lf, ...latency.map((m) => fires("ModelLatencyHigh", "warning", { namespace: m.namespace, model: m.name }, m.t * 1.5))),
        ],
    });

    // RetrainingStale: a last success older than twice the interval since t=0 fires after `for`; one exactly
    // twice the interval old at that time does not. (promtool's clock starts at 0, so timestamps are negative.)
    const sf = forOf("RetrainingStale");
    const stale = [...cfg.models.map((m) => ({ name: m.name, namespace: m.namespace, i: m.retraining?.intervalSeconds ?? 7 * 86400 })), { ...other, i: 7 * 86400 }];
    tests.push({
        name: "RetrainingStale at twice each model's configured retraining interval",
        interval: "1m",
        input_series: stale.flatMap((m) => [
            series("kube_cronjob_status_last_successful_time", { namespace: m.namespace, cronjob: `${m.name}-retrain` }, `${-2 * m.i - 1}x${sf + 5}`),
            series("kube_cronjob_status_last_successful_time", { namespace: `${m.namespace}-at-threshold`, cronjob: `${m.name}-retrain` }, `${-2 * m.i + sf * 60}x${sf + 5}`),
        ]),
        alert_rule_test: [
            at("RetrainingStale", sf - 1),
            at("RetrainingStale", sf, ...stale.map((m) => fires("RetrainingStale", "warning", { namespace: m.namespace, model: m.name }, sf * 60 + 2 * m.i + 1))),
        ],
    });

    // ModelDriftHigh: each model's score against its configured threshold; a model the config does not list,
    // against the threshold its check pushes.
    const drift = cfg.models.filter((m) => m.drift).map((m) => ({ name: m.name, namespace: m.namespace, t: m.drift!.threshold }));
    const score = (namespace: string, model: string) => ({ namespace, model, method: "psi" });
    tests.push({
        name: "ModelDriftHigh at each model's configured drift threshold",
        interval: "1m",
        input_series: [
            ...drift.flatMap((m) => [
                series("mlops_model_drift_score", score(m.namespace, m.name), `_ ${m.t + 0.01}x5`),
                series("mlops_model_drift_score", score(`${m.namespace}-at-threshold`, m.name), `_ ${m.t}x5`),
                // A pushed threshold does not override the configured one.
                series("mlops_drift_threshold", { namespace: m.namespace, model: m.name }, "0.9x5"),
            ]),
            series("mlops_drift_threshold", { namespace: other.namespace, model: other.name }, "0.3x5"),
            series("mlops_model_drift_score", score(other.namespace, other.name), "_ 0.31x5"),
            series("mlops_drift_threshold", { namespace: `${other.namespace}-at-threshold`, model: other.name }, "0.3x5"),
            series("mlops_model_drift_score", score(`${other.namespace}-at-threshold`, other.name), "_ 0.3x5"),
        ],
        // Pushed at 1m: quiet before, firing at 1m plus `for`.
        alert_rule_test: [at("ModelDriftHigh", forOf("ModelDriftHigh")), at("ModelDriftHigh", 1 + forOf("ModelDriftHigh"),
            ...drift.map((m) => fires("ModelDriftHigh", "warning", score(m.namespace, m.name), m.t + 0.01)),
            fires("ModelDriftHigh", "warning", score(other.namespace, other.name), 0.31))],
    });
    return tests;
}

/** Cases written by hand, with concrete numbers and times. `prod` adds the prod config's own thresholds. */
function handWrittenCases(groups: RuleGroup[], runbookBase: string, stack: Stack): TestGroup[] {
    const { fires, at } = expectations(groups, runbookBase);
    const fd = { namespace: "ml-serving", model: "fraud-detector" };
    const tests: TestGroup[] = [
        {
            name: "recording rules: latency percentiles, request rate and 5xx ratio per namespace and model",
            interval: "1m",
            input_series: [
                // Every request takes between 0.5 s and 1 s: quantile q is 0.5 + 0.5 q. One request a second.
                series("model_request_duration_seconds_bucket", { ...fd, pod: "p1", le: "0.5" }, "0x20"),
                series("model_request_duration_seconds_bucket", { ...fd, pod: "p1", le: "1" }, "0+60x20"),
                series("model_request_duration_seconds_bucket", { ...fd, pod: "p1", le: "+Inf" }, "0+60x20"),
                // 0.9 requests a second succeed and 0.1 fail, over two pods.
                series("model_requests_total", { ...fd, pod: "p1", code: "200" }, "0+30x20"),
                series("model_requests_total", { ...fd, pod: "p2", code: "200" }, "0+24x20"),
                series("model_requests_total", { ...fd, pod: "p1", code: "503" }, "0+6x20"),
            ],
            promql_expr_test: [
                { expr: "model:request_latency_seconds:p50", eval_time: "10m", exp_samples: [{ labels: sel("model:request_latency_seconds:p50", fd), value: 0.75 }] },
                { expr: "model:request_latency_seconds:p95", eval_time: "10m", exp_samples: [{ labels: sel("model:request_latency_seconds:p95", fd), value: 0.975 }] },
                { expr: "model:request_latency_seconds:p99", eval_time: "10m", exp_samples: [{ labels: sel("model:request_latency_seconds:p99", fd), value: 0.995 }] },
                { expr: "model:requests:rate5m", eval_time: "10m", exp_samples: [{ labels: sel("model:requests:rate5m", fd), value: 1 }] },
                { expr: "model:request_errors:ratio_rate5m", eval_time: "10m", exp_samples: [{ labels: sel("model:request_errors:ratio_rate5m", fd), value: 0.1 }] },
            ],
        },
        {
            name: "ModelErrorRatioHigh: warning above 5%, critical above 20%, after 5m",
            interval: "1m",
            input_series: [
                series("model:request_errors:ratio_rate5m", { namespace: "a", model: "m" }, "0.05x10"),
                series("model:request_errors:ratio_rate5m", { namespace: "b", model: "m" }, "0.06x10"),
                series("model:request_errors:ratio_rate5m", { namespace: "c", model: "m" }, "0.2x10"),
                series("model:request_errors:ratio_rate5m", { namespace: "d", model: "m" }, "0.21x10"),
            ],
            alert_rule_test: [
                at("ModelErrorRatioHigh", 4),
                at("ModelErrorRatioHigh", 5,
                    fires("ModelErrorRatioHigh", "warning", { namespace: "b", model: "m" }, 0.06),
                    fires("ModelErrorRatioHigh", "warning", { namespace: "c", model: "m" }, 0.2),
                    fires("ModelErrorRatioHigh", "warning", { namespace: "d", model: "m" }, 0.21),
                    fires("ModelErrorRatioHigh", "critical", { namespace: "d", model: "m" }, 0.21)),
            ],
        },
        {
            name: "ModelNoReplicasAvailable: a serving Deployment or a Rollout at 0 for 2m",
            interval: "1m",
            input_series: [
                series("kube_deployment_status_replicas_available", { namespace: "ml-serving", deployment: "m1" }, "0x5"),
                series("kube_deployment_labels", { namespace: "ml-serving", deployment: "m1", label_mlops_platform_workload: "serving" }, "1x5"),
                series("kube_deployment_status_replicas_available", { namespace: "ml-serving", deployment: "m2" }, "1x5"),
                series("kube_deployment_labels", { namespace: "ml-serving", deployment: "m2", label_mlops_platform_workload: "serving" }, "1x5"),
                series("kube_deployment_status_replicas_available", { namespace: "mlflow", deployment: "mlflow" }, "0x5"),
                series("kube_deployment_labels", { namespace: "mlflow", deployment: "mlflow" }, "1x5"),
                series("rollout_info_replicas_available", { namespace: "ml-serving", name: "fraud-detector" }, "0x5"),
                series("rollout_info_replicas_available", { namespace: "ml-serving", name: "churn-predictor" }, "2x5"),
            ],
            alert_rule_test: [
                at("ModelNoReplicasAvailable", 1),
                at("ModelNoReplicasAvailable", 2,
                    fires("ModelNoReplicasAvailable", "critical", { namespace: "ml-serving", deployment: "m1" }, 0),
                    fires("ModelNoReplicasAvailable", "critical", { namespace: "ml-serving", name: "fraud-detector" }, 0)),
            ],
        },
        {
            name: "ModelAutoscalerAtMaximum: current replicas at (not below) the maximum for 15m",
            interval: "1m",
            input_series: [
                series("kube_horizontalpodautoscaler_status_current_replicas", { namespace: "ml-serving", horizontalpodautoscaler: "at-max" }, "8x20"),
                series("kube_horizontalpodautoscaler_spec_max_replicas", { namespace: "ml-serving", horizontalpodautoscaler: "at-max" }, "8x20"),
                series("kube_horizontalpodautoscaler_status_current_replicas", { namespace: "ml-serving", horizontalpodautoscaler: "below" }, "7x20"),
                series("kube_horizontalpodautoscaler_spec_max_replicas", { namespace: "ml-serving", horizontalpodautoscaler: "below" }, "8x20"),
            ],
            alert_rule_test: [
                at("ModelAutoscalerAtMaximum", 14),
                at("ModelAutoscalerAtMaximum", 15, fires("ModelAutoscalerAtMaximum", "warning", { namespace: "ml-serving", horizontalpodautoscaler: "at-max" }, 8)),
            ],
        },
        {
            name: "RetrainingFailed: a failed retraining Job of any kind (scheduled, drift-started, multi-node), at once; retried pods and drift checks do not count",
            interval: "1m",
            input_series: [
                // Scheduled single-pod run: failed for good (its Failed condition) from 1m.
                series("kube_job_failed", { namespace: "ml-serving", job_name: "fraud-detector-retrain-1", condition: "true" }, "_ 1x3"),
                series("kube_job_labels", { namespace: "ml-serving", job_name: "fraud-detector-retrain-1", label_app_kubernetes_io_name: "fraud-detector", label_mlops_platform_workload: "training" }, "1x3"),
                // A pod preempted and retried: failed pods, but no Failed condition.
                series("kube_job_failed", { namespace: "ml-serving", job_name: "fraud-detector-retrain-2", condition: "true" }, "_ 0x3"),
                series("kube_job_status_failed", { namespace: "ml-serving", job_name: "fraud-detector-retrain-2" }, "_ 1x3"),
                series("kube_job_labels", { namespace: "ml-serving", job_name: "fraud-detector-retrain-2", label_app_kubernetes_io_name: "fraud-detector", label_mlops_platform_workload: "training" }, "1x3"),
                // A drift-started run of churn-predictor, from 2m.
                series("kube_job_failed", { namespace: "ml-serving", job_name: "churn-predictor-drift-retrain-x", condition: "true" }, "_ _ 1x2"),
                series("kube_job_labels", { namespace: "ml-serving", job_name: "churn-predictor-drift-retrain-x", label_app_kubernetes_io_name: "churn-predictor", label_mlops_platform_workload: "training", label_mlops_platform_trigger: "drift" }, "1x3"),
                // A multi-node run's gate Job (created by the JobSet, with the template's labels).
                series("kube_job_failed", { namespace: "ml-training", job_name: "ranker-retrain-abcde-quality-gate-0", condition: "true" }, "_ 1x3"),
                series("kube_job_labels", { namespace: "ml-training", job_name: "ranker-retrain-abcde-quality-gate-0", label_app_kubernetes_io_name: "ranker", label_mlops_platform_workload: "training" }, "1x3"),
                // A failed drift check is not a retraining.
                series("kube_job_failed", { namespace: "ml-serving", job_name: "fraud-detector-drift-1", condition: "true" }, "_ 1x3"),
                series("kube_job_labels", { namespace: "ml-serving", job_name: "fraud-detector-drift-1", label_app_kubernetes_io_name: "fraud-detector", label_mlops_platform_workload: "drift" }, "1x3"),
            ],
            alert_rule_test: [
                at("RetrainingFailed", 0),
                at("RetrainingFailed", 1,
                    fires("RetrainingFailed", "warning", { namespace: "ml-serving", job_name: "fraud-detector-retrain-1", model: "fraud-detector" }, 1),
                    fires("RetrainingFailed", "warning", { namespace: "ml-training", job_name: "ranker-retrain-abcde-quality-gate-0", model: "ranker" }, 1)),
                at("RetrainingFailed", 2,
                    fires("RetrainingFailed", "warning", { namespace: "ml-serving", job_name: "churn-predictor-drift-retrain-x", model: "churn-predictor" }, 1),
                    fires("RetrainingFailed", "warning", { namespace: "ml-serving", job_name: "fraud-detector-retrain-1", model: "fraud-detector" }, 1),
                    fires("RetrainingFailed", "warning", { namespace: "ml-training", job_name: "ranker-retrain-abcde-quality-gate-0", model: "ranker" }, 1)),
            ],
        },
        {
            name: "QualityGateFailedTwice: two failed versions in a row, at once; one failure, or a pass after it, does not",
            interval: "1m",
            input_series: [
                // fraud-detector: v12 failed (1), v13 failed (2) at 3m, v14 passed (0) at 5m.
                series("mlops_quality_gate_consecutive_failures", { job: "quality_gate", namespace: "ml-serving", model: "fraud-detector" }, "1 1 1 2 2 0 0"),
                // churn-predictor: one failure only.
                series("mlops_quality_gate_consecutive_failures", { job: "quality_gate", namespace: "ml-serving", model: "churn-predictor" }, "1x6"),
            ],
            alert_rule_test: [
                at("QualityGateFailedTwice", 2),
                at("QualityGateFailedTwice", 3, fires("QualityGateFailedTwice", "warning", { namespace: "ml-serving", model: "fraud-detector" }, 2)),
                at("QualityGateFailedTwice", 4, fires("QualityGateFailedTwice", "warning", { namespace: "ml-serving", model: "fraud-detector" }, 2)),
                at("QualityGateFailedTwice", 5),
            ],
        },
        {
            name: "BatchWorkloadWaitingLong: a pending workload for 60m",
            interval: "1m",
            input_series: [
                series("kueue_pending_workloads", { cluster_queue: "ml-training", status: "active" }, "1x70"),
                series("kueue_pending_workloads", { cluster_queue: "ml-serving", status: "active" }, "0x70"),
            ],
            alert_rule_test: [at("BatchWorkloadWaitingLong", 59), at("BatchWorkloadWaitingLong", 60, fires("BatchWorkloadWaitingLong", "warning", { cluster_queue: "ml-training" }, 1))],
        },
        {
            name: "BatchQueueAtQuota: usage at (not below) the nominal quota for 24h",
            interval: "1m",
            input_series: [
                series("kueue_cluster_queue_resource_usage", { cluster_queue: "ml-training", resource: "nvidia.com/gpu", flavor: "a100" }, "4x1500"),
                series("kueue_cluster_queue_nominal_quota", { cluster_queue: "ml-training", resource: "nvidia.com/gpu", flavor: "a100" }, "4x1500"),
                series("kueue_cluster_queue_resource_usage", { cluster_queue: "ml-serving", resource: "nvidia.com/gpu", flavor: "l4" }, "3x1500"),
                series("kueue_cluster_queue_nominal_quota", { cluster_queue: "ml-serving", resource: "nvidia.com/gpu", flavor: "l4" }, "4x1500"),
                series("kueue_cluster_queue_resource_usage", { cluster_queue: "ml-experiments", resource: "cpu", flavor: "default" }, "2x1500"),
                series("kueue_cluster_queue_nominal_quota", { cluster_queue: "ml-experiments", resource: "cpu", flavor: "default" }, "0x1500"),
            ],
            alert_rule_test: [at("BatchQueueAtQuota", 24 * 60 - 1), at("BatchQueueAtQuota", 24 * 60, fires("BatchQueueAtQuota", "warning", { cluster_queue: "ml-training", resource: "nvidia.com/gpu" }, 1))],
        },
        {
            name: "GpuUnderutilizedDuringTraining: a running Job pod below 20% for 30m",
            interval: "1m",
            input_series: [
                ...["low", "at-threshold", "not-running", "serving"].map((pod, i) =>
                    series("DCGM_FI_DEV_GPU_UTIL", { gpu: "0", Hostname: "n1", namespace: "ml-training", pod }, `${[19, 20, 5, 5][i]}x40`)),
                ...["low", "at-threshold", "not-running"].map((pod) => series("kube_pod_owner", { namespace: "ml-training", pod, owner_kind: "Job", owner_name: "j" }, "1x40")),
                series("kube_pod_owner", { namespace: "ml-training", pod: "serving", owner_kind: "ReplicaSet", owner_name: "rs" }, "1x40"),
                ...["low", "at-threshold", "serving"].map((pod) => series("kube_pod_status_phase", { namespace: "ml-training", pod, phase: "Running" }, "1x40")),
                series("kube_pod_status_phase", { namespace: "ml-training", pod: "not-running", phase: "Running" }, "0x40"),
            ],
            alert_rule_test: [at("GpuUnderutilizedDuringTraining", 29), at("GpuUnderutilizedDuringTraining", 30, fires("GpuUnderutilizedDuringTraining", "warning", { namespace: "ml-training", pod: "low" }, 19))],
        },
        {
            name: "GpuMemoryHigh: above 90% of the framebuffer for 10m",
            interval: "1m",
            input_series: [
                series("DCGM_FI_DEV_FB_USED", { gpu: "0", Hostname: "n1", namespace: "ml-serving", pod: "p" }, "91x15"),
                series("DCGM_FI_DEV_FB_FREE", { gpu: "0", Hostname: "n1", namespace: "ml-serving", pod: "p" }, "9x15"),
                series("DCGM_FI_DEV_FB_USED", { gpu: "1", Hostname: "n1", namespace: "ml-serving", pod: "q" }, "90x15"),
                series("DCGM_FI_DEV_FB_FREE", { gpu: "1", Hostname: "n1", namespace: "ml-serving", pod: "q" }, "10x15"),
            ],
            alert_rule_test: [at("GpuMemoryHigh", 9), at("GpuMemoryHigh", 10, fires("GpuMemoryHigh", "warning", { gpu: "0", Hostname: "n1", namespace: "ml-serving", pod: "p" }, 0.91))],
        },
        {
            name: "PersistentVolumeFillingUp: above 90% for 5m",
            interval: "1m",
            input_series: [
                series("kubelet_volume_stats_used_bytes", { namespace: "mlflow", persistentvolumeclaim: "full" }, "91x10"),
                series("kubelet_volume_stats_capacity_bytes", { namespace: "mlflow", persistentvolumeclaim: "full" }, "100x10"),
                series("kubelet_volume_stats_used_bytes", { namespace: "mlflow", persistentvolumeclaim: "at-threshold" }, "90x10"),
                series("kubelet_volume_stats_capacity_bytes", { namespace: "mlflow", persistentvolumeclaim: "at-threshold" }, "100x10"),
            ],
            alert_rule_test: [at("PersistentVolumeFillingUp", 4), at("PersistentVolumeFillingUp", 5, fires("PersistentVolumeFillingUp", "warning", { namespace: "mlflow", persistentvolumeclaim: "full" }, 0.91))],
        },
        {
            name: "NamespaceQuotaNearlyUsed: above 90% of a hard quota for 15m",
            interval: "1m",
            input_series: [
                series("kube_resourcequota", { namespace: "ml-serving", resourcequota: "mlops-quota", resource: "requests.cpu", type: "used" }, "37x20"),
                series("kube_resourcequota", { namespace: "ml-serving", resourcequota: "mlops-quota", resource: "requests.cpu", type: "hard" }, "40x20"),
                series("kube_resourcequota", { namespace: "ml-serving", resourcequota: "mlops-quota", resource: "requests.memory", type: "used" }, "90x20"),
                series("kube_resourcequota", { namespace: "ml-serving", resourcequota: "mlops-quota", resource: "requests.memory", type: "hard" }, "100x20"),
                series("kube_resourcequota", { namespace: "ml-serving", resourcequota: "mlops-quota", resource: "persistentvolumeclaims", type: "used" }, "0x20"),
                series("kube_resourcequota", { namespace: "ml-serving", resourcequota: "mlops-quota", resource: "persistentvolumeclaims", type: "hard" }, "0x20"),
            ],
            alert_rule_test: [at("NamespaceQuotaNearlyUsed", 14), at("NamespaceQuotaNearlyUsed", 15, fires("NamespaceQuotaNearlyUsed", "warning", { namespace: "ml-serving", resourcequota: "mlops-quota", resource: "requests.cpu" }, 0.925))],
        },
        {
            name: "MlflowDown: scraped and down for 5m",
            interval: "1m",
            input_series: [series("up", { job: "mlflow", instance: "10.0.0.1:5000", namespace: "mlflow" }, "0x10"), series("up", { job: "mlflow", instance: "10.0.0.2:5000", namespace: "mlflow" }, "1x10")],
            alert_rule_test: [at("MlflowDown", 4), at("MlflowDown", 5, fires("MlflowDown", "critical", { job: "mlflow", instance: "10.0.0.1:5000", namespace: "mlflow" }, 0))],
        },
        {
            name: "MlflowDown: not scraped at all for 5m",
            interval: "1m",
            input_series: [series("up", { job: "grafana", instance: "10.0.0.3:3000" }, "1x10")],
            alert_rule_test: [at("MlflowDown", 4), at("MlflowDown", 5, fires("MlflowDown", "critical", { job: "mlflow" }, 1))],
        },
        {
            name: "ContainerCpuHigh: above 80% of the CPU limit for 5m (the 5m rate reaches its level at 5m)",
            interval: "1m",
            input_series: [
                series("container_cpu_usage_seconds_total", { namespace: "ml-serving", pod: "p", container: "busy", id: "/a" }, "0+60x20"),
                series("kube_pod_container_resource_limits", { namespace: "ml-serving", pod: "p", container: "busy", resource: "cpu", unit: "core" }, "1x20"),
                series("container_cpu_usage_seconds_total", { namespace: "ml-serving", pod: "p", container: "at-threshold", id: "/b" }, "0+48x20"),
                series("kube_pod_container_resource_limits", { namespace: "ml-serving", pod: "p", container: "at-threshold", resource: "cpu", unit: "core" }, "1x20"),
            ],
            // 1 core of 1 is above 0.8 from 5m (before, the rate still climbs: 0.8 at 4m), so it fires at 10m.
            alert_rule_test: [at("ContainerCpuHigh", 9), at("ContainerCpuHigh", 10, fires("ContainerCpuHigh", "warning", { namespace: "ml-serving", pod: "p", container: "busy" }, 1))],
        },
        {
            name: "ContainerMemoryHigh: above 85% of the memory limit for 5m",
            interval: "1m",
            input_series: [
                series("container_memory_working_set_bytes", { namespace: "ml-serving", pod: "p", container: "big", id: "/a" }, "86x10"),
                series("kube_pod_container_resource_limits", { namespace: "ml-serving", pod: "p", container: "big", resource: "memory", unit: "byte" }, "100x10"),
                series("container_memory_working_set_bytes", { namespace: "ml-serving", pod: "p", container: "at-threshold", id: "/b" }, "85x10"),
                series("kube_pod_container_resource_limits", { namespace: "ml-serving", pod: "p", container: "at-threshold", resource: "memory", unit: "byte" }, "100x10"),
            ],
            alert_rule_test: [at("ContainerMemoryHigh", 4), at("ContainerMemoryHigh", 5, fires("ContainerMemoryHigh", "warning", { namespace: "ml-serving", pod: "p", container: "big" }, 0.86))],
        },
        {
            name: "DriftRetrainingTriggered: for an hour after drift started a run; a scheduled run is not announced",
            interval: "1m",
            // The trigger pushed its timestamp at 1m (60 s); a scheduled run's timestamp never fires it.
            input_series: [
                series("mlops_retraining_triggered_timestamp_seconds", { ...fd, trigger: "drift" }, "_ 60x70"),
                series("mlops_retraining_triggered_timestamp_seconds", { namespace: "ml-serving", model: "churn-predictor", trigger: "schedule" }, "60x70"),
            ],
            alert_rule_test: [
                at("DriftRetrainingTriggered", 0),
                at("DriftRetrainingTriggered", 30, fires("DriftRetrainingTriggered", "info", fd, 1740)),
                at("DriftRetrainingTriggered", 60, fires("DriftRetrainingTriggered", "info", fd, 3540)),
                at("DriftRetrainingTriggered", 61),
            ],
        },
        {
            // Every Job starts at t=0 with 2 active workers. stuck: 3 complete trials all along; progressing: a 4th
            // at 100m; first: its first trial finishes at 90m (a new series); done: no active worker; retrain: a
            // retraining Job. Running for over 120m from 121m, firing 5m later.
            name: "TuningStudyStalled: active tune workers for over 120m with no new complete or pruned trial, for 5m",
            interval: "1m",
            input_series: [
                ...["stuck", "progressing", "first", "done"].flatMap((model) => [
                    series("kube_job_status_active", { namespace: "ml-serving", job_name: `${model}-tune-1` }, model === "done" ? "0x140" : "2x140"),
                    series("kube_job_status_start_time", { namespace: "ml-serving", job_name: `${model}-tune-1` }, "0x140"),
                    series("kube_job_owner", { namespace: "ml-serving", job_name: `${model}-tune-1`, owner_kind: "CronJob", owner_name: `${model}-tune`, owner_is_controller: "true" }, "1x140"),
                ]),
                series("kube_job_status_active", { namespace: "ml-serving", job_name: "fraud-detector-retrain-1" }, "1x140"),
                series("kube_job_status_start_time", { namespace: "ml-serving", job_name: "fraud-detector-retrain-1" }, "0x140"),
                series("kube_job_owner", { namespace: "ml-serving", job_name: "fraud-detector-retrain-1", owner_kind: "CronJob", owner_name: "fraud-detector-retrain", owner_is_controller: "true" }, "1x140"),
                series("mlops_tuning_trials", { job: "mlops-tuning", namespace: "ml-serving", model: "stuck", state: "complete" }, "3x140"),
                series("mlops_tuning_trials", { job: "mlops-tuning", namespace: "ml-serving", model: "stuck", state: "fail" }, "0+1x140"),
                series("mlops_tuning_trials", { job: "mlops-tuning", namespace: "ml-serving", model: "progressing", state: "complete" }, "3x100 4x40"),
                series("mlops_tuning_trials", { job: "mlops-tuning", namespace: "ml-serving", model: "first", state: "pruned" }, "_x90 1x50"),
                series("mlops_tuning_trials", { job: "mlops-tuning", namespace: "ml-serving", model: "done", state: "complete" }, "3x140"),
            ],
            alert_rule_test: [
                at("TuningStudyStalled", 125),
                at("TuningStudyStalled", 126, fires("TuningStudyStalled", "warning", { namespace: "ml-serving", model: "stuck" }, 2)),
            ],
        },
    ];
    if (stack === "prod") {
        // The prod config's own numbers: fraud-detector's p95 threshold is 0.5 s, churn-predictor retrains
        // daily (stale after 2 days) and fraud-detector's drift threshold is 0.2.
        tests.push(
            {
                name: "prod: ModelLatencyHigh for fraud-detector above 0.5 s for 10m",
                interval: "1m",
                input_series: [
                    series("model:request_latency_seconds:p95", fd, "0.51x15"),
                    series("model:request_latency_seconds:p95", { namespace: "ml-staging", model: "fraud-detector" }, "0.5x15"),
                ],
                alert_rule_test: [at("ModelLatencyHigh", 9), at("ModelLatencyHigh", 10, {
                    exp_labels: { ...fd, severity: "warning" },
                    exp_annotations: {
                        summary: "Model fraud-detector p95 latency is above its threshold",
                        description: "p95 latency of ml-serving/fraud-detector is 510ms over the last 5 minutes.",
                        runbook_url: `${RUNBOOK_BASE}#modellatencyhigh`,
                    },
                })],
            },
            {
                name: "prod: RetrainingStale for churn-predictor after 2 days, for 1h",
                interval: "1m",
                // Last success exactly 2 days before t=0: more than 2 days old from 1m, so firing from 61m.
                input_series: [series("kube_cronjob_status_last_successful_time", { namespace: "ml-serving", cronjob: "churn-predictor-retrain" }, "-172800x70")],
                alert_rule_test: [at("RetrainingStale", 60), at("RetrainingStale", 61, {
                    exp_labels: { namespace: "ml-serving", model: "churn-predictor", severity: "warning" },
                    exp_annotations: {
                        summary: "Model churn-predictor has not retrained successfully in twice its schedule",
                        description: "The last successful retraining of ml-serving/churn-predictor was 2d 1h 1m 0s ago.",
                        runbook_url: `${RUNBOOK_BASE}#retrainingstale`,
                    },
                })],
            },
            {
                name: "prod: ModelDriftHigh for fraud-detector above 0.2, at once (the score is pushed at 1m)",
                interval: "1m",
                input_series: [
                    series("mlops_model_drift_score", { ...fd, method: "psi" }, "_ 0.21x3"),
                    series("mlops_model_drift_score", { namespace: "ml-staging", model: "fraud-detector", method: "psi" }, "_ 0.2x3"),
                    series("mlops_feature_drift_score", { ...fd, feature: "amount", method: "psi" }, "_ 0.5x3"),
                ],
                alert_rule_test: [at("ModelDriftHigh", 0), at("ModelDriftHigh", 1, {
                    exp_labels: { ...fd, method: "psi", severity: "warning" },
                    exp_annotations: {
                        summary: "Drift of fraud-detector is above its threshold",
                        description: "The drift check of ml-serving/fraud-detector scored 0.21 (psi); the Model drift dashboard shows which features moved.",
                        runbook_url: `${RUNBOOK_BASE}#modeldrifthigh`,
                    },
                })],
            },
        );
    }
    return tests;
}

describe("alert and recording rules, evaluated by promtool", function () {
    this.timeout(120_000);
    const out: Partial<Record<Stack, { check: string; test: string; code: number; tests: TestGroup[] }>> = {};

    before(async function () {
        if (!toolsPresent(["promtool"], "rule unit tests (promtool test rules, promtool check rules)")) return this.skip();
        const promtool = onPath("promtool")!;
        for (const stack of STACKS) {
            const plan = await planOf(stack);
            const groups = one(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-rules").inputs.spec.groups as RuleGroup[];
            const cfg = parsePlatformConfig(loadStackConfig(stack).values, stack);
            const dir = tempDir(`rules-${stack}`);
            fs.writeFileSync(path.join(dir, "rules.yml"), ruleFile(groups));
            const tests = [...generatedCases(groups, cfg), ...handWrittenCases(groups, cfg.monitoring.runbookBaseUrl, stack)];
            fs.writeFileSync(path.join(dir, "tests.yml"), testFile("rules.yml", tests));
            const check = await run(promtool, ["check", "rules", "--lint=all", "--lint-fatal", "rules.yml"], dir);
            const test = await run(promtool, ["test", "rules", "tests.yml"], dir);
            out[stack] = { check: `${check.code}\n${check.stdout}${check.stderr}`, test: test.stdout + test.stderr, code: test.code, tests };
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            it("promtool check rules: the rule file loads with no lint finding", () => {
                assert.match(out[stack]!.check, /^0\n/, out[stack]!.check);
                assert.doesNotMatch(out[stack]!.check, /duplicate/i, out[stack]!.check);
            });
            it("promtool test rules passes", () => assert.equal(out[stack]!.code, 0, out[stack]!.test));
            for (const alert of ALERTS) {
                it(`${alert}: fires and stays quiet where it should, with its labels and annotations`, () => {
                    const cases = out[stack]!.tests.flatMap((t) => t.alert_rule_test ?? []).filter((t) => t.alertname === alert);
                    assert.ok(cases.some((c) => c.exp_alerts.length > 0), `a case where ${alert} fires`);
                    assert.ok(cases.some((c) => c.exp_alerts.length === 0), `a case where ${alert} does not fire`);
                    assert.doesNotMatch(out[stack]!.test, new RegExp(`alertname: ${alert},`), out[stack]!.test);
                });
            }
            it(`recording rules ${RECORDS.join(", ")}: the values and labels they record`, () => {
                const exprs = out[stack]!.tests.flatMap((t) => t.promql_expr_test ?? []).map((t) => t.expr);
                assert.deepEqual([...new Set(exprs)].sort(), [...RECORDS].sort());
                assert.doesNotMatch(out[stack]!.test, /expr: "model:/, out[stack]!.test);
            });
        });
    }
});
