import * as assert from "node:assert/strict";
import { cronJobSpec, batchPodSpec } from "../../components/serving/modelJobs";
import { ModelContext, ModelOptions, cronInterval, resolveModel } from "../../components/serving/modelConfig";
import {
    analysisTemplateSpec, baselineService, doubled, gpuScheduling, modelLabels, rolloutStrategy, serviceMonitorSpec, serviceNames, servingPodSpec,
    servingSelector, splitsTraffic,
} from "../../components/serving/manifests";
import { backendPolicy, httpRouteSpec, internalGatewayIp } from "../../components/serving/routing";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { assertRejected, modelTestContext, stackValues } from "../helpers";
import { Any } from "../plans";
import { promqlErrors } from "../promql";

const none = () => assert.fail("no issue expected");
const ctx: ModelContext = modelTestContext();
const pools = ctx.pools;
const base: ModelOptions = {
    name: "fraud-detector", image: "us-docker.pkg.dev/acme/models/fraud-detector:1.4.2",
    gpu: { count: 1, pool: "l4-serving" },
    rollout: { strategy: "canary", steps: [5, 25, 50, 100], pauseMinutes: 5, analysis: { successRate: 0.99, p95LatencySeconds: 1 } },
    retraining: { schedule: "0 2 * * 0", image: "us-docker.pkg.dev/acme/train/fraud:1.4.2", gpu: { count: 1, pool: "a100-training" }, timeoutMinutes: 240 },
    drift: { schedule: "0 */6 * * *", threshold: 0.2 },
};
const issuesOf = (o: ModelOptions, c = ctx) => {
    const issues: { field: string; message: string; value: unknown[] }[] = [];
    resolveModel(o, c, (field, message, ...value) => issues.push({ field, message, value }));
    return issues;
};
const MODELS = "mlops-platform:models";

describe("serving (pure parts)", () => {
    it("resolves the issue's example with defaults", () => {
        const m = resolveModel(base, ctx, none);
        assert.equal(m.namespace, "ml-serving");
        assert.deepEqual(m.replicas, { min: 2, max: 10 });
        assert.equal(m.port, 8080);
        assert.equal(m.modelUri, "models:/fraud-detector@champion");
        assert.deepEqual(m.gpu, { count: 1, pool: "l4-serving", acceleratorType: "nvidia-l4" });
        assert.equal(m.retraining!.intervalSeconds, 7 * 86400);
        assert.equal(m.retraining!.timeZone, "Etc/UTC");
        assert.equal(m.drift!.image, base.retraining!.image, "the drift check defaults to the training image");
    });

    describe("rejects, naming the field", () => {
        const cases: [string, (o: Any) => void, string, RegExp][] = [
            ["a name that is not DNS-1123", (o) => { o.name = "Fraud_Detector"; }, "name", /DNS-1123/],
            ["min above max", (o) => { o.replicas = { min: 5, max: 3 }; }, "replicas.max", /from replicas.min \(5\)/],
            ["weights that fall", (o) => { o.rollout.steps = [50, 25, 100]; }, "rollout.steps", /rising/],
            ["weights that do not end at 100", (o) => { o.rollout.steps = [10, 50]; }, "rollout.steps", /ending at 100/],
            ["a pool that does not exist", (o) => { o.gpu.pool = "h100"; }, "gpu.pool", /is not a GPU pool; allowed: l4-serving/],
            ["serving on a training pool", (o) => { o.gpu.pool = "a100-training"; }, "gpu.pool", /is a training pool; gpu needs a serving pool: l4-serving/],
            ["retraining on a serving pool", (o) => { o.retraining.gpu.pool = "l4-serving"; }, "retraining.gpu.pool", /needs a training pool: a100-training/],
            ["more GPUs than the pool's nodes have", (o) => { o.gpu.count = 3; }, "gpu.count", /from 1 to 2 \(the GPUs per node of pool l4-serving\)/],
            ["an invalid cron schedule", (o) => { o.retraining.schedule = "0 25 * * *"; }, "retraining.schedule", /not a valid cron schedule/],
            ["a cron schedule with seconds", (o) => { o.drift.schedule = "0 0 */6 * * *"; }, "drift.schedule", /five fields/],
            ["an image with latest", (o) => { o.image = "us-docker.pkg.dev/acme/models/fraud:latest"; }, "image", /not use the tag `latest`/],
            ["an unpinned training image", (o) => { o.retraining.image = "python"; }, "retraining.image", /pinned by tag or digest/],
            ["an unknown time zone", (o) => { o.retraining.timeZone = "Mars/Olympus"; }, "retraining.timeZone", /IANA time zone/],
            ["an unknown strategy", (o) => { o.rollout.strategy = "mirror"; }, "rollout.strategy", /allowed: canary, blueGreen, rolling, abTest, shadow/],
            ["a success rate above 1", (o) => { o.rollout.analysis.successRate = 99; }, "rollout.analysis.successRate", /at most 1/],
            ["an external endpoint without auth (never open)", (o) => { o.endpoint = { exposure: "external", hostname: "fraud.api.example.com" }; }, "endpoint.auth", /required with exposure external \(never open\); allowed: iap, cloudArmor/],
            ["an external endpoint without a hostname", (o) => { o.endpoint = { exposure: "external", auth: "iap" }; }, "endpoint.hostname", /required with exposure external/],
            ["Cloud Armor without an allow-list", (o) => { o.endpoint = { exposure: "external", hostname: "f.example.com", auth: "cloudArmor" }; }, "endpoint.allowList", /required with auth cloudArmor/],
            ["an allow-list open to everyone", (o) => { o.endpoint = { exposure: "external", hostname: "f.example.com", auth: "cloudArmor", allowList: ["0.0.0.0/0"] }; }, "endpoint.allowList[0]", /other than 0.0.0.0\/0/],
            ["a hostname on an internal endpoint", (o) => { o.endpoint = { exposure: "internal", hostname: "f.example.com" }; }, "endpoint.hostname", /only allowed with exposure external/],
            ["an unknown exposure", (o) => { o.endpoint = { exposure: "public" }; }, "endpoint.exposure", /allowed: internal, vpc, external/],
            ["A/B settings on a canary", (o) => { o.rollout.abTest = { share: 10 }; }, "rollout.abTest", /only allowed with strategy abTest/],
            ["an A/B share above half", (o) => { o.rollout.strategy = "abTest"; o.rollout.abTest = { share: 60 }; }, "rollout.abTest.share", /1 to 50/],
            ["an A/B test on both a header and a cookie", (o) => { o.rollout.strategy = "abTest"; o.rollout.abTest = { header: { name: "X-B", value: "1" }, cookie: { name: "b", value: "1" } }; }, "rollout.abTest", /header or cookie, not both/],
            ["an A/B header that is not a header name", (o) => { o.rollout.strategy = "abTest"; o.rollout.abTest = { header: { name: "X B", value: "1" } }; }, "rollout.abTest.header.name", /HTTP header name/],
            ["a shadow phase shorter than 5 minutes", (o) => { o.rollout.strategy = "shadow"; o.rollout.shadow = { durationMinutes: 1 }; }, "rollout.shadow.durationMinutes", /5 to 10080/],
        ];
        for (const [title, change, field, message] of cases) {
            it(title, () => {
                const o = structuredClone(base) as Any;
                change(o);
                const hits = issuesOf(o).filter((i) => i.field === field);
                assert.equal(hits.length, 1, JSON.stringify(issuesOf(o)));
                assert.match(hits[0].message, message);
            });
        }

        it("multi-node training on a pool without compact placement, or with more GPUs per node than it has", () => {
            const o = structuredClone(base) as Any;
            o.retraining.nodes = 2;
            o.retraining.gpusPerNode = 1;
            assert.match(issuesOf(o).find((i) => i.field === "retraining.gpu.pool")!.message, /must have placement: compact/);
            const compact = [...pools.slice(0, 1), { ...pools[1], placement: "compact" as const }];
            o.retraining.gpusPerNode = 2;
            assert.match(issuesOf(o, { ...ctx, pools: compact }).find((i) => i.field === "retraining.gpusPerNode")!.message, /from 1 to 1 \(the GPUs per node of pool a100-training\)/);
            o.retraining.gpusPerNode = 1;
            assert.deepEqual(issuesOf(o, { ...ctx, pools: compact }), []);
        });

        it("a multi-node run larger than the namespace's GPU quota, from stack config", () => {
            const raw = stackValues("prod");
            (raw["mlops-platform:models"] as Any[])[2].retraining.nodes = 3;
            assertRejected(raw, `${MODELS}[2].retraining.nodes`, 3, /\(3 x 8\) exceeds the GPU quota of namespace ml-training \(16\)/);
        });

        it("duplicate model names and a GPU request above the namespace quota, from stack config", () => {
            const raw = stackValues("prod");
            (raw[MODELS] as Any[])[1].name = "fraud-detector";
            assertRejected(raw, `${MODELS}[1].name`, "fraud-detector", /duplicates mlops-platform:models\[0\]\.name/);
            const raw2 = stackValues("prod");
            (raw2["mlops-platform:namespaces"] as Any[])[0].quota.gpus = 0;
            assertRejected(raw2, `${MODELS}[0].gpu.count`, 1, /exceeds the GPU quota of namespace ml-serving \(0\)/);
        });
    });

    it("measures schedules with a cron parser", () => {
        assert.deepEqual(cronInterval("0 */6 * * *"), { seconds: 21600 });
        assert.deepEqual(cronInterval("@daily"), { seconds: 86400 });
        assert.match((cronInterval("61 * * * *") as { error: string }).error, /not a valid cron schedule/);
    });

    it("builds canary steps with a pause and analysis after every weight below 100", () => {
        const m = resolveModel(base, ctx, none);
        const strategy = rolloutStrategy(m, "fraud-detector-analysis", "fraud-detector") as Any;
        assert.equal(strategy.canary.stableService, "fraud-detector-stable");
        assert.equal(strategy.canary.canaryService, "fraud-detector-canary");
        assert.deepEqual(strategy.canary.steps.filter((s: Any) => s.setWeight).map((s: Any) => s.setWeight), [5, 25, 50]);
        assert.deepEqual(strategy.canary.steps.slice(0, 3).map((s: Any) => Object.keys(s)[0]), ["setWeight", "pause", "analysis"]);
        assert.deepEqual(strategy.canary.steps[1], { pause: { duration: "5m" } });
    });

    it("every canary analysis measures the canary Service against the stable one, for the step's pause", () => {
        const m = resolveModel(base, ctx, none);
        const steps = (rolloutStrategy(m, "fraud-detector-analysis", "fraud-detector") as Any).canary.steps.filter((s: Any) => s.analysis);
        assert.equal(steps.length, 3);
        for (const s of steps) {
            assert.deepEqual(s.analysis, { templates: [{ templateName: "fraud-detector-analysis" }], args: [
                { name: "namespace", value: "ml-serving" }, { name: "service", value: "fraud-detector-canary" },
                { name: "baseline", value: "fraud-detector-stable" }, { name: "count", value: "5" },
            ] });
        }
    });

    it("the analysis template measures args.service and compares it with args.baseline", () => {
        const spec = analysisTemplateSpec(resolveModel(base, ctx, none), "http://prometheus:9090") as Any;
        const services = (q: string) => [...q.matchAll(/service="\{\{args\.(\w+)\}\}"/g)].map((x) => x[1]);
        assert.equal(spec.metrics.length, 5);
        assert.deepEqual(spec.metrics.map((x: Any) => [x.name, services(x.provider.prometheus.query)]), [
            ["success-rate", ["service", "service"]],
            ["p95-latency", ["service"]],
            ["error-ratio-vs-baseline", ["service", "service", "baseline", "baseline"]],
            ["p95-vs-baseline", ["service", "baseline"]],
            ["prediction-shift-vs-baseline", ["service", "service", "baseline", "baseline"]],
        ]);
        assert.deepEqual(spec.args, [{ name: "namespace" }, { name: "service" }, { name: "baseline" }, { name: "count", value: "5" }]);
        assert.ok(spec.metrics.every((x: Any) => x.provider.prometheus.address === "http://prometheus:9090" && x.count === "{{args.count}}" && x.interval === "1m"));
    });

    it("blue-green uses pre-promotion analysis on the preview Service", () => {
        const m = resolveModel({ ...base, rollout: { strategy: "blueGreen" } }, ctx, none);
        const bg = (rolloutStrategy(m, "a", "fraud-detector") as Any).blueGreen;
        assert.deepEqual([bg.activeService, bg.previewService], ["fraud-detector", "fraud-detector-preview"]);
        assert.deepEqual(bg.prePromotionAnalysis.args, [
            { name: "namespace", value: "ml-serving" }, { name: "service", value: "fraud-detector-preview" },
            { name: "baseline", value: "fraud-detector" }, { name: "count", value: "5" },
        ]);
        assert.deepEqual(serviceNames(resolveModel({ ...base, rollout: { strategy: "rolling" } }, ctx, none)), { main: "fraud-detector", stable: undefined, canary: undefined });
    });

    it("routes: canary weights 100/0, a shadow mirror to the canary Service, the blue-green preview header; hostnames by exposure", () => {
        const gw = { internal: "models-internal", external: "models-external", namespace: "model-gateways" };
        const canary = resolveModel({ ...base, endpoint: { exposure: "external", hostname: "fraud.api.example.com", auth: "iap" } }, ctx, none);
        const r = httpRouteSpec(canary, gw) as Any;
        assert.deepEqual(r.hostnames, ["fraud-detector.ml-serving.cluster.models.internal", "fraud-detector.ml-serving.vpc.models.internal", "fraud.api.example.com"]);
        assert.deepEqual(r.parentRefs.map((p: Any) => [p.name, p.sectionName]), [["models-internal", "cluster"], ["models-internal", "vpc"], ["models-external", "https-fraud-detector"]]);
        assert.deepEqual(r.rules[0].backendRefs, [{ name: "fraud-detector-stable", port: 8080, weight: 100 }, { name: "fraud-detector-canary", port: 8080, weight: 0 }]);
        assert.equal(r.rules[0].filters, undefined);
        const shadow = httpRouteSpec(resolveModel({ ...base, rollout: { strategy: "shadow" } }, ctx, none), gw) as Any;
        assert.deepEqual(shadow.rules[0].filters, [{ type: "RequestMirror", requestMirror: { backendRef: { name: "fraud-detector-canary", port: 8080 } } }]);
        assert.deepEqual(shadow.hostnames, ["fraud-detector.ml-serving.cluster.models.internal"]);
        const bg = httpRouteSpec(resolveModel({ ...base, rollout: { strategy: "blueGreen" } }, ctx, none), gw) as Any;
        assert.deepEqual(bg.rules.map((x: Any) => [x.matches[0].headers?.[0]?.name, x.backendRefs[0].name]), [["X-Model-Preview", "fraud-detector-preview"], [undefined, "fraud-detector"]]);
        assert.deepEqual(backendPolicy(canary, "fraud-detector-stable", undefined, {}).spec.default.iap, { enabled: true });
    });

    it("A/B by share or cookie; shadow scales the candidate without weight before the canary steps", () => {
        const share = (rolloutStrategy(resolveModel({ ...base, rollout: { strategy: "abTest", abTest: { share: 20, durationMinutes: 90 } } }, ctx, none), "a", "r") as Any).canary;
        assert.deepEqual(share.steps.map((x: Any) => Object.keys(x)[0]), ["setWeight", "analysis"]);
        assert.equal(share.steps[0].setWeight, 20);
        assert.equal(share.trafficRouting.managedRoutes, undefined);
        const cookie = (rolloutStrategy(resolveModel({ ...base, rollout: { strategy: "abTest", abTest: { cookie: { name: "variant", value: "b" } } } }, ctx, none), "a", "r") as Any).canary;
        assert.deepEqual(cookie.steps[1].setHeaderRoute.match, [{ headerName: "Cookie", headerValue: { regex: "(^|;\\s*)variant=b(;|$)" } }]);
        const shadow = (rolloutStrategy(resolveModel({ ...base, rollout: { strategy: "shadow", steps: [50, 100] } }, ctx, none), "a", "r") as Any).canary;
        assert.deepEqual(shadow.steps.map((x: Any) => Object.keys(x)[0]), ["setCanaryScale", "analysis", "setWeight", "setCanaryScale", "pause", "analysis"]);
        assert.equal(internalGatewayIp("10.10.0.0/20"), "10.10.15.248");
    });

    it("analysis thresholds come from config, and its PromQL parses", () => {
        const m = resolveModel({ ...base, rollout: { ...base.rollout, analysis: { successRate: 0.995, p95LatencySeconds: 0.25 } } }, ctx, none);
        const spec = analysisTemplateSpec(m, "http://prometheus:9090") as Any;
        assert.deepEqual(spec.metrics.map((x: Any) => x.successCondition), ["result[0] >= 0.995", "result[0] <= 0.25", "result[0] <= 0.01", "result[0] <= 1.2", "result[0] <= 0.1"]);
        for (const metric of spec.metrics) {
            assert.deepEqual(promqlErrors(metric.provider.prometheus.query), [], metric.provider.prometheus.query);
            assert.equal(metric.failureLimit, 1);
        }
    });

    it("schedules GPU pods on their pool: accelerator selector, toleration, GPU limits", () => {
        const m = resolveModel(base, ctx, none);
        const pod = servingPodSpec(m, { trackingUri: "http://mlflow", serviceAccount: "fraud-detector", mlflowCredentials: "fraud-detector-mlflow-reader" }) as Any;
        assert.deepEqual(pod.nodeSelector, { "mlops.platform/purpose": "serving", "cloud.google.com/gke-accelerator": "nvidia-l4", "mlops.platform/pool": "l4-serving" });
        assert.deepEqual(pod.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
        assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], "1");
        // MLflow's client reads its user and password from these two keys of the reader Secret.
        const env = Object.fromEntries(pod.containers[0].env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
        assert.deepEqual([env.MLFLOW_TRACKING_USERNAME, env.MLFLOW_TRACKING_PASSWORD], [
            { secretKeyRef: { name: "fraud-detector-mlflow-reader", key: "username" } },
            { secretKeyRef: { name: "fraud-detector-mlflow-reader", key: "password" } },
        ]);
        assert.deepEqual([env.MLFLOW_TRACKING_URI, env.MODEL_URI, env.MODEL_NAME, env.PORT], ["http://mlflow", "models:/fraud-detector@champion", "fraud-detector", "8080"]);
        const cpuOnly = servingPodSpec(resolveModel({ ...base, gpu: undefined }, ctx, none), { trackingUri: "x", serviceAccount: "s", mlflowCredentials: "s-mlflow-reader" }) as Any;
        assert.equal(cpuOnly.nodeSelector, undefined);
        assert.equal(cpuOnly.containers[0].resources.limits["nvidia.com/gpu"], undefined);
        assert.deepEqual([doubled("500m"), doubled("1"), doubled("1.5")], ["1000m", "2", "3"]);
    });

    it("retraining CronJobs never overlap, retry preemption, stop at the timeout and clean up", async () => {
        const m = resolveModel(base, ctx, none);
        const pod = batchPodSpec(m, "training", { trackingUri: "http://mlflow", pushgatewayUrl: "http://pg:9091", datasetsBucket: "ds", mlflowImage: "ghcr.io/mlflow/mlflow:v3.15.2-full", serviceAccount: "fraud-detector-jobs", mlflowCredentials: "fraud-detector-mlflow-writer" });
        const spec = cronJobSpec(m.retraining!.schedule, "Etc/UTC", m.retraining!.timeoutMinutes * 60, { a: "b" }, pod) as Any;
        assert.equal(spec.concurrencyPolicy, "Forbid");
        assert.equal(spec.startingDeadlineSeconds, 600);
        assert.deepEqual([spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit], [3, 3]);
        assert.deepEqual([spec.jobTemplate.spec.backoffLimit, spec.jobTemplate.spec.activeDeadlineSeconds, spec.jobTemplate.spec.ttlSecondsAfterFinished], [3, 14400, 259200]);
        const p = spec.jobTemplate.spec.template.spec;
        assert.deepEqual(p.nodeSelector, { "mlops.platform/purpose": "training", "cloud.google.com/gke-accelerator": "nvidia-tesla-a100", "mlops.platform/pool": "a100-training" });
        assert.ok(p.containers[0].env.some((e: Any) => e.name === "PUSHGATEWAY_URL" && e.value === "http://pg:9091"));
        const plain = JSON.parse(JSON.stringify({ ...spec, jobTemplate: { ...spec.jobTemplate, spec: { ...spec.jobTemplate.spec, template: { ...spec.jobTemplate.spec.template, spec: { ...p, containers: [{ ...p.containers[0], env: [] }] } } } } }));
        assert.deepEqual(await validateObject({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "x", namespace: "y" }, spec: plain }), []);
    });
});

describe("serving manifests", () => {
    const model = (o: Partial<ModelOptions>) => resolveModel({ ...base, ...o }, ctx, none);
    const rollout = (r: NonNullable<ModelOptions["rollout"]>) => model({ rollout: { steps: [5, 25, 50, 100], ...r } });

    it("labels: every pod names its model, workload and platform; the serving selector takes the first two", () => {
        assert.deepEqual(modelLabels({ name: "fraud-detector" }, "training"),
            { "app.kubernetes.io/name": "fraud-detector", "mlops.platform/workload": "training", "app.kubernetes.io/part-of": "mlops-platform" });
        assert.deepEqual(servingSelector({ name: "fraud-detector" }), { "app.kubernetes.io/name": "fraud-detector", "mlops.platform/workload": "serving" });
    });

    it("Services by strategy: stable/canary when traffic splits, main/preview for blue-green, main alone when rolling", () => {
        const cases: [string, boolean, ReturnType<typeof serviceNames>, string][] = [
            ["canary", true, { main: "m", stable: "m-stable", canary: "m-canary" }, "m-stable"],
            ["abTest", true, { main: "m", stable: "m-stable", canary: "m-canary" }, "m-stable"],
            ["shadow", true, { main: "m", stable: "m-stable", canary: "m-canary" }, "m-stable"],
            ["blueGreen", false, { main: "m", stable: undefined, canary: "m-preview" }, "m"],
            ["rolling", false, { main: "m", stable: undefined, canary: undefined }, "m"],
        ];
        assert.equal(cases.length, 5);
        for (const [strategy, splits, names, baseline] of cases) {
            const m = { name: "m", rollout: { strategy } };
            assert.deepEqual([splitsTraffic(strategy), serviceNames(m), baselineService(m)], [splits, names, baseline], strategy);
        }
    });

    it("placement: a GPU pool's labels, toleration and GPU limit; without GPUs, training on the system pool and serving anywhere", () => {
        const gpu = { count: 2, pool: "l4-serving", acceleratorType: "nvidia-l4" };
        assert.deepEqual(gpuScheduling(gpu, "serving"), {
            nodeSelector: { "mlops.platform/purpose": "serving", "cloud.google.com/gke-accelerator": "nvidia-l4", "mlops.platform/pool": "l4-serving" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
            gpuResources: { "nvidia.com/gpu": "2" },
        });
        assert.deepEqual(gpuScheduling(undefined, "training"), { nodeSelector: { "mlops.platform/purpose": "system" }, gpuResources: {} });
        assert.deepEqual(gpuScheduling(undefined, "serving"), { nodeSelector: undefined, gpuResources: {} });
    });

    describe("the serving pod", () => {
        const env = { trackingUri: "http://mlflow.mlflow:5000", serviceAccount: "fraud-detector", mlflowCredentials: "fraud-detector-mlflow-reader" };
        const selector = { "app.kubernetes.io/name": "fraud-detector", "mlops.platform/workload": "serving" };
        const pod = (gpu: Record<string, string>) => ({
            serviceAccountName: "fraud-detector",
            automountServiceAccountToken: false,
            priorityClassName: "mlops-serving",
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{
                name: "model",
                image: "us-docker.pkg.dev/acme/models/fraud-detector:1.4.2",
                ports: [{ name: "http", containerPort: 9000 }],
                env: [
                    { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow:5000" },
                    { name: "MLFLOW_TRACKING_USERNAME", valueFrom: { secretKeyRef: { name: "fraud-detector-mlflow-reader", key: "username" } } },
                    { name: "MLFLOW_TRACKING_PASSWORD", valueFrom: { secretKeyRef: { name: "fraud-detector-mlflow-reader", key: "password" } } },
                    { name: "MODEL_URI", value: "models:/fraud-detector@champion" },
                    { name: "MODEL_NAME", value: "fraud-detector" },
                    { name: "PORT", value: "9000" },
                    { name: "HOME", value: "/tmp" },
                ],
                startupProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 10, failureThreshold: 60 },
                readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                livenessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
                resources: { requests: { cpu: "750m", memory: "3Gi", ...gpu }, limits: { cpu: "1500m", memory: "3Gi", ...gpu } },
                securityContext: {
                    runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            }],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "4Gi" } }],
            topologySpreadConstraints: [
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
            ],
            terminationGracePeriodSeconds: 30,
        });
        const o = { port: 9000, healthPath: "/ready", resources: { cpu: "750m", memory: "3Gi" } };

        it("on a GPU pool: restricted, probed on the health path, spread over zones, scheduled on the pool", () => {
            const { containers, ...rest } = pod({ "nvidia.com/gpu": "2" });
            assert.deepEqual(servingPodSpec(model({ ...o, gpu: { count: 2, pool: "l4-serving" } }), env), {
                ...rest,
                nodeSelector: { "mlops.platform/purpose": "serving", "cloud.google.com/gke-accelerator": "nvidia-l4", "mlops.platform/pool": "l4-serving" },
                tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
                containers,
            });
        });

        it("CPU only: no node selector, toleration or GPU", () => assert.deepEqual(servingPodSpec(model({ ...o, gpu: undefined }), env), pod({})));
    });

    it("CPU limits are twice the request, in the request's unit; other quantities pass unchanged", () => {
        const cases: [string, string][] = [
            ["500m", "1000m"], ["1", "2"], ["1.5", "3"], ["0.25", "0.5"], ["0.1", "0.2"], ["0.0005", "0.001"], ["2.5m", "5m"],
            // Not a plain decimal or millicores: left alone rather than guessed.
            ["1e3", "1e3"], ["1k", "1k"], ["x1", "x1"], ["", ""],
        ];
        assert.equal(cases.length, 11);
        for (const [cpu, limit] of cases) assert.equal(doubled(cpu), limit, cpu);
    });

    describe("rollout strategies", () => {
        const T = [{ templateName: "fraud-detector-analysis" }];
        const args = (service: string, baseline: string, count: string) => [
            { name: "namespace", value: "ml-serving" }, { name: "service", value: service },
            { name: "baseline", value: baseline }, { name: "count", value: count },
        ];
        const canaryAnalysis = (count: string) => ({ analysis: { templates: T, args: args("fraud-detector-canary", "fraud-detector-stable", count) } });
        const routing = { plugins: { "argoproj-labs/gatewayAPI": { namespace: "ml-serving", httpRoutes: [{ name: "fraud-detector" }] } } };
        const headerRouting = {
            managedRoutes: [{ name: "ab-test" }],
            plugins: { "argoproj-labs/gatewayAPI": { namespace: "ml-serving", httpRoutes: [{ name: "fraud-detector", useHeaderRoutes: true }] } },
        };
        const canary = (steps: unknown[], trafficRouting: unknown = routing) => ({
            canary: { stableService: "fraud-detector-stable", canaryService: "fraud-detector-canary", steps, abortScaleDownDelaySeconds: 30, trafficRouting },
        });
        const strategyOf = (m: ReturnType<typeof model>, release?: Parameters<typeof rolloutStrategy>[3]) =>
            rolloutStrategy(m, "fraud-detector-analysis", "fraud-detector", release);
        // What components/lifecycle/release.ts hands over: its own template and arguments.
        const check = { templates: [{ templateName: "fraud-detector-release-check" }], args: [{ name: "model-uri", value: "models:/fraud-detector/7" }] };
        const promote = { templates: [{ templateName: "fraud-detector-release-promote" }], args: [{ name: "model-uri", value: "models:/fraud-detector/7" }] };

        it("canary: weight, pause and analysis for the pause's minutes, per weight below 100", () =>
            assert.deepEqual(strategyOf(rollout({ strategy: "canary", steps: [10, 60, 100], pauseMinutes: 7 })), canary([
                { setWeight: 10 }, { pause: { duration: "7m" } }, canaryAnalysis("7"),
                { setWeight: 60 }, { pause: { duration: "7m" } }, canaryAnalysis("7"),
            ])));

        it("canary with a release: the check before any weight, the promotion after the last analysis", () => {
            const steps = [{ setWeight: 50 }, { pause: { duration: "5m" } }, canaryAnalysis("5")];
            const m = rollout({ strategy: "canary", steps: [50, 100] });
            assert.deepEqual(strategyOf(m, { check, promote }), canary([{ analysis: check }, ...steps, { analysis: promote }]));
            assert.deepEqual(strategyOf(m, { check }), canary([{ analysis: check }, ...steps]));
        });

        it("A/B test by share: that weight, analysis for the test's duration, no header routes", () =>
            assert.deepEqual(strategyOf(rollout({ strategy: "abTest", abTest: { share: 20, durationMinutes: 90 } })),
                canary([{ setWeight: 20 }, canaryAnalysis("90")])));

        describe("A/B test by header or cookie: candidate pods without weight, a managed header route for the test's duration", () => {
            const cases: [string, NonNullable<ModelOptions["rollout"]>["abTest"], unknown][] = [
                ["header", { header: { name: "X-Variant", value: "b" }, durationMinutes: 45 }, [{ headerName: "X-Variant", headerValue: { exact: "b" } }]],
                ["cookie", { cookie: { name: "variant", value: "b" }, durationMinutes: 45 }, [{ headerName: "Cookie", headerValue: { regex: "(^|;\\s*)variant=b(;|$)" } }]],
            ];
            for (const [title, abTest, match] of cases) {
                it(title, () => assert.deepEqual(strategyOf(rollout({ strategy: "abTest", abTest })), canary([
                    { setCanaryScale: { replicas: 2 } },
                    { setHeaderRoute: { name: "ab-test", match } },
                    canaryAnalysis("45"),
                    { setHeaderRoute: { name: "ab-test" } },
                    { setCanaryScale: { matchTrafficWeight: true } },
                ], headerRouting)));
            }
        });

        it("shadow: the candidate scaled up without weight for the shadow analysis, then the canary steps", () => {
            const m = rollout({ strategy: "shadow", steps: [20, 50, 100], shadow: { durationMinutes: 45 } });
            assert.deepEqual(strategyOf(m), canary([
                { setCanaryScale: { replicas: 2 } }, canaryAnalysis("45"),
                { setWeight: 20 }, { setCanaryScale: { matchTrafficWeight: true } }, { pause: { duration: "5m" } }, canaryAnalysis("5"),
                { setWeight: 50 }, { pause: { duration: "5m" } }, canaryAnalysis("5"),
            ]));
        });

        it("shadow straight to 100: the shadow analysis, then the candidate scales with the (full) weight", () =>
            assert.deepEqual(strategyOf(rollout({ strategy: "shadow", steps: [100], shadow: { durationMinutes: 45 } })), canary([
                { setCanaryScale: { replicas: 2 } }, canaryAnalysis("45"), { setCanaryScale: { matchTrafficWeight: true } },
            ])));

        describe("blue-green: pre-promotion analysis of the preview against the active Service, automatic promotion", () => {
            const pre = args("fraud-detector-preview", "fraud-detector", "8");
            const blueGreen = (analyses: object) => ({
                blueGreen: {
                    activeService: "fraud-detector", previewService: "fraud-detector-preview", ...analyses,
                    autoPromotionEnabled: true, scaleDownDelaySeconds: 60,
                },
            });
            const m = rollout({ strategy: "blueGreen", pauseMinutes: 8 });
            it("alone", () => assert.deepEqual(strategyOf(m), blueGreen({ prePromotionAnalysis: { templates: T, args: pre } })));
            it("with a release: one pre-promotion run with the check, the promotion after", () =>
                assert.deepEqual(strategyOf(m, { check, promote }), blueGreen({
                    prePromotionAnalysis: { templates: [...check.templates, ...T], args: [...check.args, ...pre] },
                    postPromotionAnalysis: promote,
                })));
            it("with a check only: no post-promotion analysis", () =>
                assert.deepEqual(strategyOf(m, { check }), blueGreen({ prePromotionAnalysis: { templates: [...check.templates, ...T], args: [...check.args, ...pre] } })));
        });
    });

    it("the ServiceMonitor scrapes /metrics every 15 s from the model's metrics Services", () =>
        assert.deepEqual(serviceMonitorSpec(model({})), {
            selector: { matchLabels: { "app.kubernetes.io/name": "fraud-detector", "mlops.platform/metrics": "true" } },
            endpoints: [{ port: "http", path: "/metrics", interval: "15s" }],
        }));
});
