// Pure builders of a model's release-time quality check and its promotion to `champion`: the script's
// ConfigMap, the Argo Rollouts AnalysisTemplates whose `job` metric runs it, the Rollout analysis that passes
// it the candidate's MODEL_URI, and the init container that gates rolling models. See docs/lifecycle.md
// "## Promotion". Imports only the ground and lower components (no serving types: callers pass them in).
import * as fs from "node:fs";
import * as path from "node:path";
import type { IAnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import type { IRolloutAnalysis } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/RolloutAnalysis";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IJobSpec } from "kubernetes-models/batch/v1/JobSpec";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { RESTRICTED_CONTAINER, restrictedPod } from "../workloads/podSecurity";
import { PRIORITIES } from "../workloads/priorities";

/** The script, shipped in a ConfigMap and run by the pinned MLflow image's python3 (stdlib only). */
export const RELEASE_SCRIPT_FILE = "release_check.py";
export const RELEASE_SCRIPT = fs.readFileSync(path.join(__dirname, "scripts", RELEASE_SCRIPT_FILE), "utf8");
/** Where the ConfigMap is mounted (read-only). */
export const SCRIPTS_DIR = "/opt/mlops/lifecycle";
/** The analysis argument carrying the candidate's `models:/<name>/<version>`. */
export const MODEL_URI_ARG = "model-uri";
/** The AnalysisTemplate metric names (Argo Rollouts names the Jobs `<run uid>.<metric>.<n>`, 63 chars at most). */
export const RELEASE_METRICS = { check: "release-quality", promote: "release-champion" } as const;

export type ReleaseMode = "check" | "promote";

/** What the release check needs of a model (a ResolvedModel fits). */
export interface ReleaseModel {
    name: string;
    namespace: string;
    /** The release gate's bound, from `quality` in stack config. */
    quality: { metric: string; direction: "maximize" | "minimize"; threshold: number };
}

/** Where and as whom the check runs. */
export interface ReleaseEnv {
    trackingUri: string;
    /** MLFLOW_TRACKING_USERNAME/PASSWORD from the model's reader (check) or writer (promote) Secret. */
    credentialsEnv: IContainer["env"];
    /** The pod's user; the MLflow image has no USER of its own. */
    uid: number;
}

export const releaseNames = (m: { name: string }) => ({
    configMap: `${m.name}-release-check`,
    check: `${m.name}-release-check`,
    promote: `${m.name}-release-promote`,
});

/** Labels of the check's pods: not the serving selector, so no Service, PDB or HPA counts them. */
export function releaseLabels(m: { name: string }): Record<string, string> {
    return { "app.kubernetes.io/name": m.name, "app.kubernetes.io/component": "release-check", "app.kubernetes.io/part-of": "mlops-platform" };
}

/**
 * The check's container. `modelUri` is a literal (init container) or `{{args.model-uri}}`, which Argo Rollouts
 * replaces in the metric before it creates the Job (utils/analysis/factory.go ResolveMetricArgs, v1.9.0).
 */
export function releaseContainer(m: ReleaseModel, env: ReleaseEnv, mode: ReleaseMode, image: string, modelUri: string, volumes: { scripts: string; tmp: string }): IContainer {
    const q = m.quality;
    return {
        name: mode === "check" ? "release-check" : "release-promote",
        image,
        command: ["python3", `${SCRIPTS_DIR}/${RELEASE_SCRIPT_FILE}`, mode],
        env: [
            { name: "MODEL_URI", value: modelUri },
            { name: "MLFLOW_TRACKING_URI", value: env.trackingUri },
            ...(env.credentialsEnv ?? []),
            ...(mode === "check" ? [
                { name: "QUALITY_METRIC", value: q.metric },
                { name: "QUALITY_DIRECTION", value: q.direction },
                { name: "QUALITY_THRESHOLD", value: String(q.threshold) },
            ] : [{ name: "RELEASE_CONTEXT", value: `Rollout ${m.namespace}/${m.name}` }]),
            { name: "HOME", value: "/tmp" },
            { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
        ],
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        securityContext: RESTRICTED_CONTAINER,
        volumeMounts: [{ name: volumes.scripts, mountPath: SCRIPTS_DIR, readOnly: true }, { name: volumes.tmp, mountPath: "/tmp" }],
    };
}

/**
 * The Job an analysis run creates: restricted, in the model's namespace (default deny there; its
 * allow-platform-services policy admits MLflow), no Kueue queue label (Kueue 0.19's chart leaves
 * manageJobsWithoutQueueName false, so the Job starts at once), at serving priority: it gates a release. It
 * runs as the namespace's default service account without a token: it needs no Kubernetes or Google identity,
 * only the MLflow login from its env.
 */
export function releaseJobSpec(m: ReleaseModel, env: ReleaseEnv, mode: ReleaseMode, image: string): IJobSpec {
    const names = releaseNames(m);
    const pod: IPodSpec = {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        priorityClassName: PRIORITIES.serving.name,
        securityContext: restrictedPod(env.uid),
        containers: [releaseContainer(m, env, mode, image, `{{args.${MODEL_URI_ARG}}}`, { scripts: "scripts", tmp: "tmp" })],
        volumes: [
            { name: "scripts", configMap: { name: names.configMap, defaultMode: 0o444 } },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
    };
    // No retries: the script retries MLflow itself; a refusal must fail the measurement at once.
    return { backoffLimit: 0, activeDeadlineSeconds: 300, ttlSecondsAfterFinished: 86400, template: { metadata: { labels: releaseLabels(m) }, spec: pod } };
}

/**
 * An AnalysisTemplate with one `job` metric (Argo Rollouts' job provider: a Job that succeeds passes, one that
 * fails fails the run; count and failureLimit default to one measurement, no failure allowed).
 */
export function releaseAnalysisSpec(m: ReleaseModel, env: ReleaseEnv, mode: ReleaseMode, image: string): IAnalysisTemplate["spec"] {
    return {
        args: [{ name: MODEL_URI_ARG }],
        metrics: [{
            name: RELEASE_METRICS[mode],
            failureLimit: 0,
            provider: { job: { metadata: { labels: releaseLabels(m) }, spec: releaseJobSpec(m, env, mode, image) } },
        }],
    };
}

/**
 * The Rollout's analysis reference. The candidate's MODEL_URI is read from the Rollout's own pod template
 * (fieldRef paths outside `metadata` are walked through the Rollout's JSON: utils/analysis/factory.go
 * extractValueFromRollout, v1.9.0), so a version bump changes the pod template and nothing else.
 */
export function releaseAnalysis(template: string, modelUriEnvIndex: number): IRolloutAnalysis {
    return {
        templates: [{ templateName: template }],
        args: [{ name: MODEL_URI_ARG, valueFrom: { fieldRef: { fieldPath: `spec.template.spec.containers[0].env[${modelUriEnvIndex}].value` } } }],
    };
}

/** Index of MODEL_URI in the pod's first container's env. @throws when it has none. */
export function modelUriEnvIndex(pod: IPodSpec): number {
    const i = (pod.containers[0]?.env ?? []).findIndex((e) => e.name === "MODEL_URI");
    if (i < 0) throw new Error("the serving container has no MODEL_URI env: the release check cannot find the candidate's version");
    return i;
}

/**
 * A rolling model's pod with the check as an init container: a version below the gate never becomes ready,
 * and maxUnavailable 0 keeps the old pods serving. Uses the serving pod's own reader credentials and /tmp.
 */
export function withReleaseInitCheck(pod: IPodSpec, m: ReleaseModel, env: ReleaseEnv, image: string, modelUri: string): IPodSpec {
    const names = releaseNames(m);
    const tmp = pod.volumes?.find((v) => v.emptyDir !== undefined)?.name;
    if (!tmp) throw new Error("the serving pod has no emptyDir for /tmp");
    return {
        ...pod,
        initContainers: [...(pod.initContainers ?? []), releaseContainer(m, env, "check", image, modelUri, { scripts: "release-check", tmp })],
        volumes: [...(pod.volumes ?? []), { name: "release-check", configMap: { name: names.configMap, defaultMode: 0o444 } }],
    };
}

/** A gated model whose aborted releases are recorded on the version, and the MLflow user that records them. */
export interface AbortRecorder {
    model: string;
    /** MLflow user with EDIT on the registered model (the model's writer: set-tag needs can_update). */
    username: string;
}

/** Argo Rollouts' notification trigger for an abort (utils/record/record.go translateReasonToTrigger("RolloutAborted"), v1.9.0). */
export const ABORT_TRIGGER = "on-rollout-aborted";
export const ABORT_TEMPLATES = { release: "mlops-release-aborted", reason: "mlops-release-abort-reason" } as const;
/** The notification webhook service of a model (one each: each signs in as its own model's writer). */
export const abortService = (model: string) => `mlflow-${model}`;
/** The Rollout annotation that subscribes it (docs/features/notifications.md, Subscriptions, v1.9.0). */
export const abortSubscription = (model: string) => ({ [`notifications.argoproj.io/subscribe.${ABORT_TRIGGER}.${abortService(model)}`]: "" });
/** Keys of the notification Secret holding a model's credentials (`$key` in the service config). */
export const abortSecretKeys = (model: string) => ({ username: `${abortService(model)}-username`, password: `${abortService(model)}-password` });

// Go text/template with sprig (notifications-engine v0.5.0 pkg/templates/service.go), over the vars Argo Rollouts
// passes (utils/record/record.go NewAPIFactorySettings: `rollout`, `analysisRuns`). The version comes from the
// Rollout's pod template, as the release check's own argument does.
const ABORT_VARS = [
    `{{- $uri := "" -}}{{- range (index .rollout.spec.template.spec.containers 0).env -}}{{- if eq .name "MODEL_URI" -}}{{- $uri = .value -}}{{- end -}}{{- end -}}`,
    '{{- $name := regexReplaceAll "^models:/([^/@]+)/([0-9]+)$" $uri "${1}" -}}',
    '{{- $version := regexReplaceAll "^models:/([^/@]+)/([0-9]+)$" $uri "${2}" -}}',
].join("\n");
const tagBody = (key: string, value: string) => `${ABORT_VARS}\n{"name": {{ toJson $name }}, "version": {{ toJson $version }}, "key": "${key}", "value": ${value}}`;
const REASON = [
    `{{- $reason := "" -}}`,
    `{{- range $run := .analysisRuns -}}{{- with $run.status -}}{{- if or (eq .phase "Failed") (eq .phase "Error") -}}{{- $reason = printf "%s%s: %s; " $reason $run.metadata.name .message -}}{{- end -}}{{- end -}}{{- end -}}`,
    `{{- if not $reason -}}{{- $reason = "aborted without a failed analysis (by hand, or past its progress deadline)" -}}{{- end -}}`,
].join("\n");

/**
 * Pure: the Argo Rollouts chart's notification settings (values notifications.notifiers/templates/triggers,
 * argo-rollouts 2.41.0) that record an abort on the candidate version: `mlops.release=aborted` and
 * `mlops.release.reason` (the failed analysis runs' messages), through MLflow's REST set-tag
 * (POST /api/2.0/mlflow/model-versions/set-tag, model_registry.proto). The webhook format is notifications-
 * engine v0.5.0's (pkg/services/webhook.go: url, headers, basicAuth; template webhook.<service>.method/path/body);
 * `$key` values come from the argo-rollouts-notification-secret.
 */
export function abortNotifications(recorders: AbortRecorder[], trackingUri: string) {
    const notifiers: Record<string, string> = {};
    for (const r of recorders) {
        const k = abortSecretKeys(r.model);
        notifiers[`service.webhook.${abortService(r.model)}`] = [
            `url: ${trackingUri}`,
            "headers:",
            "  - name: Content-Type",
            "    value: application/json",
            "basicAuth:",
            `  username: $${k.username}`,
            `  password: $${k.password}`,
        ].join("\n") + "\n";
    }
    const webhook = (body: string) => Object.fromEntries(recorders.map((r) => [abortService(r.model), { method: "POST", path: "/api/2.0/mlflow/model-versions/set-tag", body }]));
    const yamlOf = (o: unknown) => JSON.stringify(o, null, 2) + "\n";
    return {
        notifiers,
        templates: {
            [`template.${ABORT_TEMPLATES.release}`]: yamlOf({ webhook: webhook(tagBody("mlops.release", `"aborted"`)) }),
            [`template.${ABORT_TEMPLATES.reason}`]: yamlOf({ webhook: webhook(`${REASON}\n${tagBody("mlops.release.reason", "{{ toJson (trunc 4000 $reason) }}")}`) }),
        },
        triggers: { [`trigger.${ABORT_TRIGGER}`]: `- send: [${ABORT_TEMPLATES.release}, ${ABORT_TEMPLATES.reason}]\n` },
    };
}
