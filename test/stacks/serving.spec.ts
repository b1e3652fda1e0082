// Models in the real dev and prod plans.
import * as assert from "node:assert/strict";
import { Plan } from "../../scripts/harness/runPlan";
import { SECRET } from "../../scripts/harness/values";
import { Any, bothPlans, ofType, one } from "../plans";

const T = {
    rollout: "kubernetes:argoproj.io/v1alpha1:Rollout",
    analysis: "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
    deployment: "kubernetes:apps/v1:Deployment",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    service: "kubernetes:core/v1:Service",
    cronJob: "kubernetes:batch/v1:CronJob",
    monitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    policy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};

describe("models in the stack plans", () => {
    let dev: Plan;
    let prod: Plan;
    before(async () => ({ dev, prod } = await bothPlans()));

    it("declares a GPU canary model and a CPU blue-green (prod) or rolling (dev) one", () => {
        assert.deepEqual((prod.outputs as Any).models.map((m: Any) => [m.name, m.strategy, m.workload.kind, m.url]), [
            ["fraud-detector", "canary", "Rollout", "http://fraud-detector.ml-serving.cluster.models.internal"],
            ["churn-predictor", "blueGreen", "Rollout", "http://churn-predictor.ml-serving.cluster.models.internal"],
            ["ranker", "rolling", "Deployment", "http://ranker.ml-training.cluster.models.internal"],
            ["price-elasticity", "abTest", "Rollout", "http://price-elasticity.ml-serving.cluster.models.internal"],
            ["recommender", "shadow", "Rollout", "http://recommender.ml-serving.cluster.models.internal"],
        ]);
        assert.deepEqual((dev.outputs as Any).models.map((m: Any) => [m.name, m.strategy, m.workload.kind]), [
            ["fraud-detector", "canary", "Rollout"], ["churn-predictor", "rolling", "Deployment"],
        ]);
    });

    it("each HPA targets its model's Rollout or Deployment, on CPU and memory, scaling down slowly", () => {
        const target = (plan: Plan, name: string) => one(plan, T.hpa, `${name}-hpa`).inputs.spec;
        assert.deepEqual(target(prod, "fraud-detector").scaleTargetRef, { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "fraud-detector" });
        assert.deepEqual(target(dev, "churn-predictor").scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "churn-predictor" });
        const hpa = target(prod, "fraud-detector");
        assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [3, 20]);
        assert.deepEqual(hpa.metrics.map((x: Any) => [x.resource.name, x.resource.target.averageUtilization]), [["cpu", 70], ["memory", 80]]);
        assert.equal(hpa.behavior.scaleDown.stabilizationWindowSeconds, 300);
    });

    it("each PDB's selector matches its model's pod labels", () => {
        for (const plan of [dev, prod]) {
            for (const m of (plan.outputs as Any).models) {
                const pdb = one(plan, T.pdb, `${m.name}-pdb`).inputs.spec.selector.matchLabels;
                const workload = m.workload.kind === "Rollout" ? one(plan, T.rollout, `${m.name}-rollout`) : one(plan, T.deployment, `${m.name}-deployment`);
                const podLabels = workload.inputs.spec.template.metadata.labels;
                for (const [k, v] of Object.entries(pdb)) assert.equal(podLabels[k], v, `${m.name}: ${k}`);
                assert.deepEqual(workload.inputs.spec.selector.matchLabels, pdb);
            }
        }
    });

    it("analysis thresholds come from each model's config", () => {
        const conditions = (name: string) => one(prod, T.analysis, `${name}-analysis`).inputs.spec.metrics.map((x: Any) => x.successCondition);
        const comparisons = ["result[0] <= 0.01", "result[0] <= 1.2", "result[0] <= 0.1"];
        assert.deepEqual(conditions("fraud-detector"), ["result[0] >= 0.99", "result[0] <= 0.5", ...comparisons]);
        assert.deepEqual(conditions("churn-predictor"), ["result[0] >= 0.995", "result[0] <= 0.3", ...comparisons]);
        const address = one(prod, T.analysis, "fraud-detector-analysis").inputs.spec.metrics[0].provider.prometheus.address;
        assert.equal(address, "http://kube-prometheus-prometheus.monitoring.svc.cluster.local:9090");
        const bg = one(prod, T.rollout, "churn-predictor-rollout").inputs.spec.strategy.blueGreen;
        // One pre-promotion run: the release quality check's Job and the Prometheus analysis.
        assert.deepEqual(bg.prePromotionAnalysis.templates.map((t: Any) => t.templateName), ["churn-predictor-release-check", "churn-predictor-analysis"]);
    });

    it("has stable and canary Services for the canary, active and preview for blue-green, and scrapes both", () => {
        const svc = (name: string) => one(prod, T.service, `fraud-detector-svc-${name}`).inputs.metadata.labels["mlops.platform/metrics"];
        assert.deepEqual([svc("fraud-detector"), svc("fraud-detector-stable"), svc("fraud-detector-canary")], [undefined, "true", "true"]);
        assert.ok(one(prod, T.service, "churn-predictor-svc-churn-predictor-preview"));
        assert.deepEqual(one(prod, T.monitor, "fraud-detector-monitor").inputs.spec.endpoints, [{ interval: "15s", path: "/metrics", port: "http" }]);
    });

    it("admits traffic only from the Gateways' proxies and the monitoring namespace (and those a model allows)", () => {
        const from = (name: string) => one(prod, T.policy, `${name}-ingress`).inputs.spec.ingress.map((r: Any) => [r.from, r.ports]);
        const monitoring = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } };
        // The internal Gateway's proxy-only subnet, and Google front ends (global external Gateway, health checks).
        assert.deepEqual(from("fraud-detector"), [[
            [monitoring, { ipBlock: { cidr: "10.40.0.0/23" } }, { ipBlock: { cidr: "35.191.0.0/16" } }, { ipBlock: { cidr: "130.211.0.0/22" } }],
            [{ port: 8080, protocol: "TCP" }],
        ]]);
        assert.deepEqual(from("churn-predictor"), from("fraud-detector"), "health checks come from Google's ranges for every Gateway");
    });

    it("gives each server its own Workload Identity with read access to MLflow's artifacts", () => {
        const wi = one(prod, "gcp:serviceaccount/iAMMember:IAMMember", "fraud-detector-workload-identity").inputs;
        assert.equal(wi.member, "serviceAccount:acme-mlops-prod.svc.id.goog[ml-serving/fraud-detector]");
        const read = one(prod, "gcp:storage/bucketIAMMember:BucketIAMMember", "fraud-detector-artifacts-reader").inputs;
        assert.deepEqual([read.role, read.bucket], ["roles/storage.objectViewer", (prod.outputs as Any).artifactBucket]);
        const pod = one(prod, T.rollout, "fraud-detector-rollout").inputs.spec.template.spec;
        assert.equal(pod.serviceAccountName, "fraud-detector");
        const env = Object.fromEntries(pod.containers[0].env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
        assert.equal(env.MLFLOW_TRACKING_URI, "http://mlflow.mlflow.svc.cluster.local:5000");
        assert.equal(env.MODEL_URI, "models:/fraud-detector/12"); // pinned in Pulumi.prod.yaml (version: 12)
    });

    it("launches multi-node runs with Kubernetes' own kubectl image, pinned to a published patch", () => {
        const launcher = one(prod, T.cronJob, "ranker-retrain").inputs.spec.jobTemplate.spec.template.spec.containers[0];
        assert.equal(launcher.image, "registry.k8s.io/kubectl:v1.33.5");
    });

    describe("MLflow credentials", () => {
        const SECRET_TYPE = "kubernetes:core/v1:Secret";
        /** The pod spec of every serving workload, batch CronJob and multi-node JobSet, with its namespace. */
        const pods = (plan: Plan) => [
            ...[...ofType(plan, T.rollout), ...ofType(plan, T.deployment).filter((d) => d.parent?.includes("ModelService"))]
                .map((w) => ({ kind: "serving", model: w.inputs.metadata.name, namespace: w.inputs.metadata.namespace, spec: w.inputs.spec.template.spec })),
            ...ofType(plan, T.cronJob).filter((c) => c.inputs.spec.jobTemplate.spec.template.spec.containers[0].name !== "launch")
                .map((c) => ({ kind: "jobs", model: c.inputs.metadata.labels["app.kubernetes.io/name"], namespace: c.inputs.metadata.namespace, spec: c.inputs.spec.jobTemplate.spec.template.spec })),
            ...ofType(plan, "kubernetes:core/v1:ConfigMap").filter((c) => c.name.endsWith("-jobset")).map((c) => {
                const js = JSON.parse(c.inputs.data["jobset.json"]);
                return { kind: "jobs", model: js.metadata.labels["app.kubernetes.io/name"], namespace: js.metadata.namespace, spec: js.spec.replicatedJobs[0].template.spec.template.spec };
            }),
        ];

        it("servers read as the model's reader, jobs write as its writer, from Secrets that exist in their namespace", () => {
            for (const plan of [dev, prod]) {
                const found = pods(plan);
                assert.equal(found.filter((p) => p.kind === "serving").length, plan === prod ? 5 : 2);
                assert.equal(found.filter((p) => p.kind === "jobs").length, plan === prod ? 6 : 2, "retrain, drift and tune CronJobs, and ranker's JobSet");
                for (const p of found) {
                    const secret = `${p.model}-mlflow-${p.kind === "serving" ? "reader" : "writer"}`;
                    // The model's own step: the first init container (a drift check, a gated trainer, a release check)
                    // or the only container; the Cloud SQL proxy sidecar has no MLflow user.
                    const own = [...(p.spec.initContainers ?? []), ...p.spec.containers].find((c: Any) => c.name !== "cloud-sql-proxy");
                    const env = Object.fromEntries(own.env.map((e: Any) => [e.name, e.valueFrom]));
                    assert.deepEqual(env.MLFLOW_TRACKING_USERNAME, { secretKeyRef: { name: secret, key: "username" } }, `${p.kind} ${p.model}`);
                    assert.deepEqual(env.MLFLOW_TRACKING_PASSWORD, { secretKeyRef: { name: secret, key: "password" } }, `${p.kind} ${p.model}`);
                    const s = ofType(plan, SECRET_TYPE).filter((x) => x.inputs.metadata.name === secret && x.inputs.metadata.namespace === p.namespace);
                    assert.equal(s.length, 1, `Secret ${p.namespace}/${secret}`);
                    assert.equal(s[0].inputs.stringData, SECRET, "the password stays secret");
                }
            }
        });

        it("no secret reference anywhere is optional: a missing Secret stops the pod instead of a silent 401", () => {
            for (const plan of [dev, prod]) assert.doesNotMatch(JSON.stringify(plan.resources), /"optional":\s*true/);
        });

        it("models wait for their MLflow users (the SDK expands a component dependency to its resources)", () => {
            const job = one(prod, "kubernetes:batch/v1:Job", "mlflow-users-job");
            for (const name of ["fraud-detector", "ranker"]) {
                const service = one(prod, "mlops:serving:ModelService", name);
                assert.ok(service.dependsOn.includes(job.urn), name);
            }
        });
    });

    it("retrains on the training pool on schedule, and checks drift, as the alerts expect", () => {
        const retrain = one(prod, T.cronJob, "fraud-detector-retrain").inputs;
        assert.equal(retrain.metadata.name, "fraud-detector-retrain");
        assert.deepEqual([retrain.spec.schedule, retrain.spec.timeZone, retrain.spec.concurrencyPolicy], ["0 2 * * 0", "America/Chicago", "Forbid"]);
        assert.equal(retrain.spec.jobTemplate.spec.activeDeadlineSeconds, 240 * 60);
        const pod = retrain.spec.jobTemplate.spec.template.spec;
        assert.deepEqual(pod.nodeSelector, { "mlops.platform/purpose": "training", "cloud.google.com/gke-accelerator": "nvidia-tesla-a100", "mlops.platform/pool": "a100-training" });
        // fraud-detector has a quality gate: training is the init container, the gate runs after it (qualityGate.spec.ts).
        const trainer = pod.initContainers.find((c: Any) => c.name === "training");
        assert.ok(trainer);
        assert.equal(trainer.resources.limits["nvidia.com/gpu"], "1");
        const env = Object.fromEntries(trainer.env.filter((e: Any) => e.value).map((e: Any) => [e.name, e.value]));
        assert.equal(env.PUSHGATEWAY_URL, "http://pushgateway.monitoring.svc.cluster.local:9091");
        assert.equal(env.DATASETS_BUCKET, `gs://${(prod.outputs as Any).datasetsBucket}`);
        const drift = one(prod, T.cronJob, "fraud-detector-drift").inputs;
        assert.deepEqual([drift.spec.schedule, drift.spec.jobTemplate.spec.template.spec.nodeSelector], ["0 */6 * * *", { "mlops.platform/purpose": "system" }]);
        assert.ok(drift.spec.jobTemplate.spec.template.spec.containers[0].env.some((e: Any) => e.name === "DRIFT_THRESHOLD" && e.value === "0.2"));
        const read = one(prod, "gcp:storage/bucketIAMMember:BucketIAMMember", "fraud-detector-datasets-reader").inputs;
        assert.equal(read.role, "roles/storage.objectViewer");
    });

    it("feeds each model's thresholds to its alerts", () => {
        const rules = one(prod, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-rules").inputs.spec.groups.flatMap((g: Any) => g.rules);
        const latency = rules.filter((r: Any) => r.alert === "ModelLatencyHigh").map((r: Any) => r.expr);
        assert.deepEqual(latency, [
            '(model:request_latency_seconds:p95{model="fraud-detector"} > 0.5) or (model:request_latency_seconds:p95{model="churn-predictor"} > 0.3)'
            + ' or (model:request_latency_seconds:p95{model="ranker"} > 1) or (model:request_latency_seconds:p95{model="price-elasticity"} > 0.4)'
            + ' or (model:request_latency_seconds:p95{model="recommender"} > 0.8)'
            + ' or (model:request_latency_seconds:p95{model!~"fraud-detector|churn-predictor|ranker|price-elasticity|recommender"} > 1)',
        ]);
        const stale = rules.filter((r: Any) => r.alert === "RetrainingStale").map((r: Any) => r.expr);
        assert.equal(stale.length, 1, "one rule: per-model terms joined with `or`");
        assert.match(stale[0], /cronjob="fraud-detector-retrain".* > 1209600\) or \(.*cronjob="churn-predictor-retrain".* > 172800\) or /);
    });

    it("installs the Argo Rollouts controller from a pinned chart, with metrics scraped", () => {
        const r = one(prod, "kubernetes:helm.sh/v3:Release", "delivery-argo-rollouts").inputs;
        assert.deepEqual([r.chart, r.version, r.repositoryOpts.repo], ["argo-rollouts", "2.41.0", "https://argoproj.github.io/argo-helm"]);
        assert.deepEqual(r.values.controller.metrics, { enabled: true, serviceMonitor: { enabled: true } });
        assert.equal(r.values.controller.replicas, 2);
        const rollout = one(prod, T.rollout, "fraud-detector-rollout");
        assert.ok(rollout.dependsOn.includes(one(prod, "kubernetes:helm.sh/v3:Release", "delivery-argo-rollouts").urn), "the Rollout CRD comes first");
        assert.equal(ofType(prod, T.rollout).length, 4);
    });
});
