// Pure, typed builders for a model's Kubernetes objects. Custom resources are typed with
// @kubernetes-models, so a misspelt field fails the type check; tests run their validate().
import type { IAnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import type { IRollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import type { IRolloutAnalysis } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/RolloutAnalysis";
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

/** The header that sends a request to a blue-green model's preview (pre-promotion) version. */
export const PREVIEW_HEADER = { name: "X-Model-Preview", value: "true" } as const;
/** Argo Rollouts' managed header route of an A/B test (added to the HTTPRoute and removed by the plugin). */
export const AB_ROUTE = "ab-test";
/** The traffic-router plugin's name, under which it reads its configuration (plugin README, v0.15.0). */
export const GATEWAY_PLUGIN_NAME = "argoproj-labs/gatewayAPI";

/** True when the new version takes a share of the route's traffic: a stable and a canary Service. */
export const splitsTraffic = (s: string) => s === "canary" || s === "abTest" || s === "shadow";

/**
 * Service names, the HTTPRoute's backends: Argo Rollouts steers `-stable`/`-canary` (canary, abTest, shadow) or
 * `<name>`/`-preview` (blueGreen); a rolling model has `<name>` only.
 */
export function serviceNames(m: { name: string; rollout: { strategy: string } }) {
    const s = m.rollout.strategy;
    return {
        main: m.name,
        stable: splitsTraffic(s) ? `${m.name}-stable` : undefined,
        canary: splitsTraffic(s) ? `${m.name}-canary` : s === "blueGreen" ? `${m.name}-preview` : undefined,
    };
}

/** The Service whose traffic the analysis compares the new version against. */
export function baselineService(m: { name: string; rollout: { strategy: string } }): string {
    const n = serviceNames(m);
    return n.stable ?? n.main;
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
 * Prometheus analysis of the new version, one template for every strategy. `service` names the Service whose
 * pods are measured (the canary or preview Service: the new version's own traffic, real or mirrored);
 * `baseline` the Service of the version it is compared with. Absolute checks: success rate and p95 latency.
 * Comparisons: the new version's error ratio and p95 may exceed the baseline's by at most 1 point and 20 %,
 * and its mean prediction score (where the server exports `model_prediction_score`) may differ by at most 0.1;
 * a server without that metric passes the comparison (`or vector(0)`). One failed measurement aborts, and Argo
 * Rollouts returns all traffic to the baseline. `count` is how many one-minute measurements a run takes: the
 * pause of a canary step, or an A/B test's or shadow's whole duration.
 */
export function analysisTemplateSpec(m: ResolvedModel, prometheusUrl: string): IAnalysisTemplate["spec"] {
    const sel = (svc: string) => `namespace="{{args.namespace}}", service="{{args.${svc}}}"`;
    const errors = (svc: string) => `(sum(rate(model_requests_total{${sel(svc)}, code=~"5.."}[5m])) or vector(0)) / sum(rate(model_requests_total{${sel(svc)}}[5m]))`;
    const p95 = (svc: string) => `histogram_quantile(0.95, sum by (le) (rate(model_request_duration_seconds_bucket{${sel(svc)}}[5m])))`;
    const meanScore = (svc: string) => `(sum(rate(model_prediction_score_sum{${sel(svc)}}[10m])) / sum(rate(model_prediction_score_count{${sel(svc)}}[10m])))`;
    const metric = (name: string, successCondition: string, query: string) => ({
        name, interval: "1m", count: "{{args.count}}", failureLimit: 1, successCondition,
        provider: { prometheus: { address: prometheusUrl, query } },
    });
    return {
        args: [{ name: "namespace" }, { name: "service" }, { name: "baseline" }, { name: "count", value: "5" }],
        metrics: [
            metric("success-rate", `result[0] >= ${m.rollout.analysis.successRate}`,
                `sum(rate(model_requests_total{${sel("service")}, code!~"5.."}[2m])) / sum(rate(model_requests_total{${sel("service")}}[2m]))`),
            metric("p95-latency", `result[0] <= ${m.rollout.analysis.p95LatencySeconds}`,
                `histogram_quantile(0.95, sum by (le) (rate(model_request_duration_seconds_bucket{${sel("service")}}[2m])))`),
            metric("error-ratio-vs-baseline", "result[0] <= 0.01", `(${errors("service")}) - (${errors("baseline")} or vector(0))`),
            metric("p95-vs-baseline", "result[0] <= 1.2", `${p95("service")} / (${p95("baseline")} > 0)`),
            metric("prediction-shift-vs-baseline", "result[0] <= 0.1", `abs(${meanScore("service")} - ${meanScore("baseline")}) or vector(0)`),
        ],
    };
}

/** Argo Rollouts' Gateway API plugin configuration: the HTTPRoute whose weights (and header rules) it sets. */
export function gatewayRouting(m: ResolvedModel, routeName: string) {
    // resolveModel sets abTest for strategy abTest only, so no strategy check is needed here.
    const header = m.rollout.abTest?.header || m.rollout.abTest?.cookie;
    return {
        ...(header ? { managedRoutes: [{ name: AB_ROUTE }] } : {}),
        plugins: { [GATEWAY_PLUGIN_NAME]: { namespace: m.namespace, httpRoutes: [{ name: routeName, ...(header ? { useHeaderRoutes: true } : {}) }] } },
    };
}

/**
 * The Rollout's strategy. Every traffic-split step is followed by analysis of the new version's own Service
 * against the baseline's:
 * - canary: setWeight (the plugin sets the HTTPRoute weights), pause, analysis, per step;
 * - abTest: the candidate takes a fixed share (setWeight) or only requests with the header/cookie
 *   (setHeaderRoute), for the test's duration while the analysis runs; passing promotes it, failing aborts;
 * - shadow: the candidate is scaled up without weight and receives the route's mirrored copies; after the
 *   shadow analysis passes, the canary steps move user traffic;
 * - blueGreen: pre-promotion analysis of the preview Service against the active one.
 * With `release` (a model with a quality gate), the release check runs before any traffic moves (the first
 * step; blueGreen: with the pre-promotion analysis) and the promotion to `champion` after the last analysis
 * (the last step; blueGreen: post-promotion analysis). See components/lifecycle/release.ts.
 */
export function rolloutStrategy(m: ResolvedModel, analysisTemplate: string, routeName: string, release?: { check: IRolloutAnalysis; promote?: IRolloutAnalysis }): IRollout["spec"]["strategy"] {
    const names = serviceNames(m);
    const templates = [{ templateName: analysisTemplate }];
    const args = (minutes: number) => [
        { name: "namespace", value: m.namespace }, { name: "service", value: names.canary! },
        { name: "baseline", value: baselineService(m) }, { name: "count", value: String(minutes) },
    ];
    if (m.rollout.strategy === "blueGreen") {
        const pre = { templates, args: args(m.rollout.pauseMinutes) };
        return {
            blueGreen: {
                activeService: names.main,
                previewService: names.canary!,
                // One run: the quality check's Job and the Prometheus metrics; the switch waits for both.
                prePromotionAnalysis: release ? { templates: [...release.check.templates!, ...templates], args: [...release.check.args!, ...pre.args] } : pre,
                ...(release?.promote ? { postPromotionAnalysis: release.promote } : {}),
                autoPromotionEnabled: true,
                scaleDownDelaySeconds: 60,
            },
        };
    }
    const canarySteps = m.rollout.steps.filter((w) => w < 100).flatMap((w) => [
        { setWeight: w },
        { pause: { duration: `${m.rollout.pauseMinutes}m` } },
        { analysis: { templates, args: args(m.rollout.pauseMinutes) } },
    ]);
    let steps: NonNullable<NonNullable<IRollout["spec"]["strategy"]>["canary"]>["steps"] = canarySteps;
    if (m.rollout.strategy === "abTest") {
        const ab = m.rollout.abTest!;
        const match = ab.header
            ? [{ headerName: ab.header.name, headerValue: { exact: ab.header.value } }]
            : ab.cookie ? [{ headerName: "Cookie", headerValue: { regex: `(^|;\\s*)${ab.cookie.name}=${ab.cookie.value}(;|$)` } }] : undefined;
        steps = [
            // Header/cookie mode: candidate pods without a weight, reached only by matching requests.
            ...(match ? [{ setCanaryScale: { replicas: m.replicas.min } }, { setHeaderRoute: { name: AB_ROUTE, match } }] : [{ setWeight: ab.share }]),
            { analysis: { templates, args: args(ab.durationMinutes) } },
            ...(match ? [{ setHeaderRoute: { name: AB_ROUTE } }, { setCanaryScale: { matchTrafficWeight: true } }] : []),
        ];
    } else if (m.rollout.strategy === "shadow") {
        // Weight 0: no user request reaches the candidate; the route's RequestMirror filter copies them to it. Its
        // pods stay up through the first weight (no reload), then scale with the weight.
        const [first, ...rest] = canarySteps;
        steps = [
            { setCanaryScale: { replicas: m.replicas.min } },
            { analysis: { templates, args: args(m.rollout.shadow!.durationMinutes) } },
            ...(first ? [first, { setCanaryScale: { matchTrafficWeight: true } }] : [{ setCanaryScale: { matchTrafficWeight: true } }]),
            ...rest,
        ];
    }
    if (release) steps = [{ analysis: release.check }, ...steps, ...(release.promote ? [{ analysis: release.promote }] : [])];
    return {
        canary: {
            stableService: names.stable!, canaryService: names.canary!, steps, abortScaleDownDelaySeconds: 30,
            trafficRouting: gatewayRouting(m, routeName),
        },
    };
}

/** Scrapes `/metrics` through the stable and canary (or preview) Services; the `service` label tells them apart. */
export function serviceMonitorSpec(m: ResolvedModel): IServiceMonitor["spec"] {
    return {
        selector: { matchLabels: { "app.kubernetes.io/name": m.name, "mlops.platform/metrics": "true" } },
        endpoints: [{ port: "http", path: "/metrics", interval: "15s" }],
    };
}
