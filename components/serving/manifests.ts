// Pure, typed builders for a model's Kubernetes objects. Custom resources are typed with
// @kubernetes-models, so a misspelt field fails the type check; tests run their validate().
import type { IAnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import type { IRollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import type { IServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { GPU_TAINT, NODE_LABELS } from "../gke/nodeConfig";
import { CPU_BATCH_SELECTOR } from "../scheduling/batchPlan";
import { RESTRICTED_CONTAINER, restrictedPod, spreadAcrossZones } from "../workloads/podSecurity";
import { PRIORITIES } from "../workloads/priorities";
import { ResolvedModel } from "./modelConfig";

export const MODEL_UID = 1000;
export const WORKLOAD_LABEL = "mlops.platform/workload";

/** Labels every pod of a model carries; Services, PDBs and monitors select by the first two. */
export function modelLabels(m: { name: string }, workload: "serving" | "training" | "drift"): Record<string, string> {
    return { "app.kubernetes.io/name": m.name, [WORKLOAD_LABEL]: workload, "app.kubernetes.io/part-of": "mlops-platform" };
}

export function servingSelector(m: { name: string }): Record<string, string> {
    return { "app.kubernetes.io/name": m.name, [WORKLOAD_LABEL]: "serving" };
}

/** Service names: clients call `<name>`; Argo Rollouts steers `-stable`/`-canary` (or `-preview`). */
export function serviceNames(m: { name: string; rollout: { strategy: string } }) {
    const s = m.rollout.strategy;
    return {
        main: m.name,
        stable: s === "canary" ? `${m.name}-stable` : undefined,
        canary: s === "canary" ? `${m.name}-canary` : s === "blueGreen" ? `${m.name}-preview` : undefined,
    };
}

/**
 * Placement: on a GPU pool, the pool's purpose, name and accelerator labels, the GPU taint's toleration and
 * GPU limits; without GPUs, batch pods select the system pool (so Kueue gives them the CPU flavor only).
 */
export function gpuScheduling(gpu: { count: number; pool: string; acceleratorType: string } | undefined, purpose: "serving" | "training"): {
    nodeSelector?: Record<string, string>; tolerations?: { key: string; operator: "Exists"; effect: "NoSchedule" }[]; gpuResources: Record<string, string>;
} {
    if (!gpu) return { nodeSelector: purpose === "training" ? { ...CPU_BATCH_SELECTOR } : undefined, gpuResources: {} };
    return {
        nodeSelector: { [NODE_LABELS.purpose]: purpose, "cloud.google.com/gke-accelerator": gpu.acceleratorType, [NODE_LABELS.pool]: gpu.pool },
        tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: "NoSchedule" }],
        gpuResources: { "nvidia.com/gpu": String(gpu.count) },
    };
}

/** An MLflow client's user and password, from a Secret that must exist: a missing Secret stops the pod, not a load. */
export function mlflowCredentialsEnv(secretName: string) {
    return [
        { name: "MLFLOW_TRACKING_USERNAME", valueFrom: { secretKeyRef: { name: secretName, key: "username" } } },
        { name: "MLFLOW_TRACKING_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "password" } } },
    ];
}

/**
 * The serving pod: restricted profile, probes on the health path, zone spreading, GPUs when asked. It loads
 * its model through MLflow as the model's read-only user (`mlflowCredentials`, a Secret in its namespace).
 */
export function servingPodSpec(m: ResolvedModel, env: { trackingUri: string; serviceAccount: string; mlflowCredentials: string }): IPodSpec {
    const g = gpuScheduling(m.gpu, "serving");
    return {
        serviceAccountName: env.serviceAccount,
        automountServiceAccountToken: false,
        priorityClassName: PRIORITIES.serving.name,
        securityContext: restrictedPod(MODEL_UID),
        ...(g.nodeSelector ? { nodeSelector: g.nodeSelector } : {}),
        ...(g.tolerations ? { tolerations: g.tolerations } : {}),
        containers: [{
            name: "model",
            image: m.image,
            ports: [{ name: "http", containerPort: m.port }],
            env: [
                { name: "MLFLOW_TRACKING_URI", value: env.trackingUri },
                ...mlflowCredentialsEnv(env.mlflowCredentials),
                { name: "MODEL_URI", value: m.modelUri },
                { name: "MODEL_NAME", value: m.name },
                { name: "PORT", value: String(m.port) },
                { name: "HOME", value: "/tmp" },
            ],
            // Loading a large model can take minutes: the startup probe gives it 10 before liveness applies.
            startupProbe: { httpGet: { path: m.healthPath, port: "http" }, periodSeconds: 10, failureThreshold: 60 },
            readinessProbe: { httpGet: { path: m.healthPath, port: "http" }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
            livenessProbe: { httpGet: { path: m.healthPath, port: "http" }, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
            resources: {
                requests: { cpu: m.resources.cpu, memory: m.resources.memory, ...g.gpuResources },
                limits: { cpu: doubled(m.resources.cpu), memory: m.resources.memory, ...g.gpuResources },
            },
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        }],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "4Gi" } }],
        topologySpreadConstraints: spreadAcrossZones(servingSelector(m)),
        terminationGracePeriodSeconds: 30,
    };
}

/** Twice a CPU quantity, as a quantity: limits leave room for bursts above the request. */
export function doubled(cpu: string): string {
    const m = /^([0-9.]+)(m?)$/.exec(cpu);
    if (!m) return cpu;
    const v = Number(m[1]) * 2;
    return `${Number.isInteger(v) ? v : v.toFixed(3).replace(/0+$/, "")}${m[2]}`;
}

/**
 * Prometheus analysis of the new version: success rate and p95 latency of the pods behind the canary (or
 * preview) Service, measured five times a minute apart. One failed measurement aborts the rollout, and
 * Argo Rollouts then returns all traffic to the stable version.
 */
export function analysisTemplateSpec(m: ResolvedModel, prometheusUrl: string): IAnalysisTemplate["spec"] {
    const sel = `namespace="{{args.namespace}}", service="{{args.service}}"`;
    return {
        args: [{ name: "namespace" }, { name: "service" }],
        metrics: [
            {
                name: "success-rate",
                interval: "1m",
                count: 5,
                failureLimit: 1,
                successCondition: `result[0] >= ${m.rollout.analysis.successRate}`,
                provider: { prometheus: { address: prometheusUrl, query: `sum(rate(model_requests_total{${sel}, code!~"5.."}[2m])) / sum(rate(model_requests_total{${sel}}[2m]))` } },
            },
            {
                name: "p95-latency",
                interval: "1m",
                count: 5,
                failureLimit: 1,
                successCondition: `result[0] <= ${m.rollout.analysis.p95LatencySeconds}`,
                provider: { prometheus: { address: prometheusUrl, query: `histogram_quantile(0.95, sum by (le) (rate(model_request_duration_seconds_bucket{${sel}}[2m])))` } },
            },
        ],
    };
}

/** The Rollout's strategy: canary steps with a pause and analysis after each weight, or blue-green. */
export function rolloutStrategy(m: ResolvedModel, analysisTemplate: string): IRollout["spec"]["strategy"] {
    const names = serviceNames(m);
    const analysis = { templates: [{ templateName: analysisTemplate }], args: [{ name: "namespace", value: m.namespace }, { name: "service", value: names.canary! }] };
    if (m.rollout.strategy === "blueGreen") {
        return {
            blueGreen: {
                activeService: names.main,
                previewService: names.canary!,
                prePromotionAnalysis: analysis,
                autoPromotionEnabled: true,
                scaleDownDelaySeconds: 60,
            },
        };
    }
    const steps = m.rollout.steps.filter((w) => w < 100).flatMap((w) => [
        { setWeight: w },
        { pause: { duration: `${m.rollout.pauseMinutes}m` } },
        { analysis: { templates: analysis.templates, args: analysis.args } },
    ]);
    return { canary: { stableService: names.stable!, canaryService: names.canary!, steps, abortScaleDownDelaySeconds: 30 } };
}

/** Scrapes `/metrics` through the stable and canary (or preview) Services; the `service` label tells them apart. */
export function serviceMonitorSpec(m: ResolvedModel): IServiceMonitor["spec"] {
    return {
        selector: { matchLabels: { "app.kubernetes.io/name": m.name, "mlops.platform/metrics": "true" } },
        endpoints: [{ port: "http", path: "/metrics", interval: "15s" }],
    };
}
