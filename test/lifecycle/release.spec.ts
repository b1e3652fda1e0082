// The release-time quality check in the prod plan: where each strategy runs it, as whom, and that its Jobs are
// admissible (restricted, within quota, outside Kueue, MLflow reachable).
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { abortNotifications, modelUriEnvIndex, releaseAnalysis, releaseAnalysisSpec, SCRIPTS_DIR } from "../../components/lifecycle/release";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { capacityInput, checkSchedulability } from "../../scripts/harness/schedulability";
import { Any, one, planOf, T } from "../plans";

const ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout";
const TEMPLATE = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate";

/** Argo Rollouts' walk of a fieldRef path through the Rollout's JSON (utils/analysis/factory.go, v1.9.0). */
function extractValueFromRollout(rollout: Any, fieldPath: string): string {
    let v: Any = rollout;
    for (const s of fieldPath.split(/[.[\]]+/).filter(Boolean)) v = Array.isArray(v) ? v[Number(s)] : v?.[s];
    if (v === undefined || typeof v === "object") throw new Error(`invalid path ${fieldPath} in rollout`);
    return String(v);
}

const templatesOf = (a: Any): string[] => (a?.templates ?? []).map((t: Any) => t.templateName);

describe("release-time quality check (prod plan)", () => {
    let plan: Awaited<ReturnType<typeof planOf>>;
    before(async () => {
        plan = await planOf("prod");
    });
    const rollout = (n: string) => one(plan, ROLLOUT, `${n}-rollout`).inputs;

    it("canary: the check is step 0, before the first weight; the promotion is the last step", () => {
        const r = rollout("fraud-detector");
        const steps = r.spec.strategy.canary.steps;
        assert.deepEqual(templatesOf(steps[0].analysis), ["fraud-detector-release-check"]);
        assert.deepEqual(steps[1], { setWeight: 5 });
        assert.deepEqual(templatesOf(steps.at(-1).analysis), ["fraud-detector-release-promote"]);
        assert.deepEqual(templatesOf(steps.at(-2).analysis), ["fraud-detector-analysis"], "the promotion follows the last traffic analysis");
        // The argument resolves to the pinned version, read from the Rollout's own pod template.
        for (const s of [steps[0], steps.at(-1)]) {
            assert.equal(s.analysis.args.length, 1);
            assert.equal(extractValueFromRollout(r, s.analysis.args[0].valueFrom.fieldRef.fieldPath), "models:/fraud-detector/12");
        }
    });

    it("blue-green: the check runs with the pre-promotion analysis, the promotion after it", () => {
        const bg = rollout("churn-predictor").spec.strategy.blueGreen;
        assert.deepEqual(templatesOf(bg.prePromotionAnalysis), ["churn-predictor-release-check", "churn-predictor-analysis"]);
        assert.deepEqual(bg.prePromotionAnalysis.args.map((a: Any) => a.name), ["model-uri", "namespace", "service", "baseline", "count"]);
        assert.deepEqual(templatesOf(bg.postPromotionAnalysis), ["churn-predictor-release-promote"]);
        assert.equal(extractValueFromRollout(rollout("churn-predictor"), bg.postPromotionAnalysis.args[0].valueFrom.fieldRef.fieldPath), "models:/churn-predictor/31");
    });

    it("rolling: the ranker's pods start only after an init container checks the pinned version", () => {
        const d = one(plan, "kubernetes:apps/v1:Deployment", "ranker-deployment").inputs;
        const init = d.spec.template.spec.initContainers;
        assert.deepEqual(init.map((c: Any) => [c.name, c.command]), [["release-check", ["python3", `${SCRIPTS_DIR}/release_check.py`, "check"]]]);
        const env = Object.fromEntries(init[0].env.map((e: Any) => [e.name, e.value ?? e.valueFrom.secretKeyRef.name]));
        assert.deepEqual([env.MODEL_URI, env.QUALITY_METRIC, env.QUALITY_DIRECTION, env.QUALITY_THRESHOLD, env.MLFLOW_TRACKING_USERNAME], ["models:/ranker/5", "ndcg_at_10", "maximize", "0.42", "ranker-mlflow-reader"]);
        assert.equal(d.spec.strategy.rollingUpdate.maxUnavailable, 0, "old pods serve until the new ones pass");
    });

    it("a pinned model's retraining and drift jobs judge the released version (champion), not the config's pin", () => {
        for (const c of ["fraud-detector-retrain", "fraud-detector-drift", "churn-predictor-retrain"]) {
            // The model's own step: the trainer or the drift check (an init container when a gate or trigger follows it).
            const pod = one(plan, "kubernetes:batch/v1:CronJob", c).inputs.spec.jobTemplate.spec.template.spec;
            const env = [...(pod.initContainers ?? []), ...pod.containers].find((x: Any) => x.name === "training" || x.name === "drift").env;
            assert.equal(env.find((e: Any) => e.name === "MODEL_URI").value, `models:/${c.replace(/-(retrain|drift)$/, "")}@champion`, c);
        }
    });

    it("models without a quality gate (serving the champion alias) get no release steps", () => {
        for (const n of ["price-elasticity", "recommender"]) {
            const steps = rollout(n).spec.strategy.canary.steps;
            assert.ok(steps.every((s: Any) => !templatesOf(s.analysis).some((t) => t.includes("release"))), n);
        }
        assert.deepEqual(plan.resources.filter((r) => r.type === TEMPLATE).map((r) => r.name).filter((n) => n.includes("release")).sort(), [
            "churn-predictor-release-check", "churn-predictor-release-promote", "fraud-detector-release-check", "fraud-detector-release-promote",
        ]);
    });

    it("the check reads as the model's reader with the configured bound; the promotion writes as its writer", () => {
        const env = (name: string) => {
            const c = one(plan, TEMPLATE, name).inputs.spec.metrics[0].provider.job.spec.template.spec.containers[0];
            return Object.fromEntries(c.env.map((e: Any) => [e.name, e.value ?? `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`]));
        };
        assert.deepEqual(env("fraud-detector-release-check"), {
            MODEL_URI: "{{args.model-uri}}", MLFLOW_TRACKING_URI: "http://mlflow.mlflow.svc.cluster.local:5000",
            MLFLOW_TRACKING_USERNAME: "secret:fraud-detector-mlflow-reader/username", MLFLOW_TRACKING_PASSWORD: "secret:fraud-detector-mlflow-reader/password",
            QUALITY_METRIC: "accuracy", QUALITY_DIRECTION: "maximize", QUALITY_THRESHOLD: "0.85", HOME: "/tmp", PYTHONDONTWRITEBYTECODE: "1",
        });
        const promote = env("churn-predictor-release-promote");
        assert.equal(promote.MLFLOW_TRACKING_USERNAME, "secret:churn-predictor-mlflow-writer/username");
        assert.equal(promote.RELEASE_CONTEXT, "Rollout ml-serving/churn-predictor");
        assert.equal(promote.QUALITY_METRIC, undefined);
    });

    it("the script ships in a read-only ConfigMap the Jobs mount", () => {
        const cm = one(plan, "kubernetes:core/v1:ConfigMap", "fraud-detector-release-check").inputs;
        assert.match(cm.data["release_check.py"], /^#!\/usr\/bin\/env python3\n"""Release-time quality check/);
        const pod = one(plan, TEMPLATE, "fraud-detector-release-check").inputs.spec.metrics[0].provider.job.spec.template.spec;
        assert.deepEqual(pod.volumes[0], { name: "scripts", configMap: { name: "fraud-detector-release-check", defaultMode: 0o444 } });
        assert.deepEqual(pod.containers[0].volumeMounts[0], { name: "scripts", mountPath: SCRIPTS_DIR, readOnly: true });
    });

    it("the Jobs are in the schedulability proof, admissible in ml-serving, and outside Kueue", () => {
        const jobs = capacityInput(plan.resources).workloads.filter((w) => w.name.startsWith("AnalysisJob "));
        assert.deepEqual(jobs.map((w) => [w.name, w.queue]).sort(), [
            ["AnalysisJob ml-serving/churn-predictor-release-check/release-quality", undefined],
            ["AnalysisJob ml-serving/churn-predictor-release-promote/release-champion", undefined],
            ["AnalysisJob ml-serving/fraud-detector-release-check/release-quality", undefined],
            ["AnalysisJob ml-serving/fraud-detector-release-promote/release-champion", undefined],
        ]);
        const verdicts = checkSchedulability(plan.resources).filter((v) => v.workload.startsWith("AnalysisJob "));
        assert.equal(verdicts.length, 4);
        assert.deepEqual(verdicts.flatMap((v) => v.problems), []);
        for (const r of plan.resources.filter((x) => x.type === TEMPLATE && x.name.includes("release"))) {
            const job = (r.inputs as Any).spec.metrics[0].provider.job;
            assert.equal(job.metadata.labels["kueue.x-k8s.io/queue-name"], undefined, r.name);
            assert.deepEqual([job.spec.backoffLimit, job.spec.template.spec.restartPolicy, job.spec.template.spec.automountServiceAccountToken], [0, "Never", false]);
        }
    });

    it("the Jobs may reach MLflow: ml-serving's platform-services policy selects every pod", () => {
        const np = one(plan, T.networkPolicy, "ml-serving-allow-platform-services").inputs.spec;
        assert.deepEqual(np.podSelector, {});
        assert.ok(np.egress.some((e: Any) => e.to[0].namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "mlflow" && e.ports[0].port === 5000));
    });

    it("an abort is recorded on the version: the controller's notification webhook tags it as the model's writer", () => {
        const values = one(plan, "kubernetes:helm.sh/v3:Release", "delivery-argo-rollouts").inputs.values;
        const n = values.notifications;
        assert.deepEqual(n.triggers, { "trigger.on-rollout-aborted": "- send: [mlops-release-aborted, mlops-release-abort-reason]\n" });
        assert.deepEqual(Object.keys(n.notifiers).sort(), ["service.webhook.mlflow-churn-predictor", "service.webhook.mlflow-fraud-detector"]);
        assert.deepEqual(parse(n.notifiers["service.webhook.mlflow-fraud-detector"]), {
            url: "http://mlflow.mlflow.svc.cluster.local:5000",
            headers: [{ name: "Content-Type", value: "application/json" }],
            basicAuth: { username: "$mlflow-fraud-detector-username", password: "$mlflow-fraud-detector-password" },
        });
        const aborted = parse(n.templates["template.mlops-release-aborted"]).webhook["mlflow-fraud-detector"];
        assert.deepEqual([aborted.method, aborted.path], ["POST", "/api/2.0/mlflow/model-versions/set-tag"]);
        assert.match(aborted.body, /"key": "mlops\.release", "value": "aborted"\}$/);
        const reason = parse(n.templates["template.mlops-release-abort-reason"]).webhook["mlflow-churn-predictor"].body;
        assert.match(reason, /range \$run := \.analysisRuns/);
        assert.match(reason, /"key": "mlops\.release\.reason", "value": \{\{ toJson \(trunc 4000 \$reason\) \}\}\}$/);
        // Subscribed: the gated Rollouts with a writer, and only they.
        const subscribed = plan.resources.filter((r) => r.type === ROLLOUT && (r.inputs as Any).metadata.annotations?.["notifications.argoproj.io/subscribe.on-rollout-aborted." + `mlflow-${(r.inputs as Any).metadata.name}`] === "").map((r) => r.name).sort();
        assert.deepEqual(subscribed, ["churn-predictor-rollout", "fraud-detector-rollout"]);
        // The logins live in the controller's notification Secret (a Pulumi secret), reached on MLflow's port only.
        const secret = one(plan, "kubernetes:core/v1:Secret", "delivery-notification-secret");
        assert.equal(secret.inputs.metadata.name, "argo-rollouts-notification-secret");
        assert.equal(JSON.stringify(secret.inputs.stringData), JSON.stringify("[secret]"));
        const egress = one(plan, T.networkPolicy, "delivery-argo-rollouts-allow-mlflow-release-records").inputs.spec.egress;
        assert.deepEqual(egress, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mlflow" } } }], ports: [{ protocol: "TCP", port: 5000 }] }]);
    });

    it("builds notification settings per recorded model, none without recorders", () => {
        const n = abortNotifications([{ model: "a", username: "a-writer" }], "http://mlflow:5000");
        assert.deepEqual(Object.keys(n.notifiers), ["service.webhook.mlflow-a"]);
        assert.deepEqual(Object.keys(parse(n.templates["template.mlops-release-aborted"]).webhook), ["mlflow-a"]);
        assert.deepEqual(abortNotifications([], "http://mlflow:5000").notifiers, {});
    });

    it("builds schema-valid templates, and finds MODEL_URI in the serving container", async () => {
        const spec = releaseAnalysisSpec({ name: "m", namespace: "ns", quality: { metric: "auc", direction: "maximize", threshold: 0.8 } },
            { trackingUri: "http://mlflow:5000", credentialsEnv: [], uid: 1000 }, "check", "ghcr.io/mlflow/mlflow:v3.15.2-full");
        assert.deepEqual(await validateObject(JSON.parse(JSON.stringify({ apiVersion: "argoproj.io/v1alpha1", kind: "AnalysisTemplate", metadata: { name: "m-release-check", namespace: "ns" }, spec }))), []);
        assert.notDeepEqual(await validateObject({ apiVersion: "argoproj.io/v1alpha1", kind: "AnalysisTemplate", metadata: { name: "x" }, spec: { metrics: [{ name: "j", provider: { job: { spec: {} } } }] } }), []);
        assert.equal(modelUriEnvIndex({ containers: [{ name: "a", env: [{ name: "X", value: "1" }, { name: "MODEL_URI", value: "models:/m/1" }] }] }), 1);
        assert.throws(() => modelUriEnvIndex({ containers: [{ name: "a" }] }), /no MODEL_URI env/);
        assert.deepEqual(releaseAnalysis("t", 2).args, [{ name: "model-uri", valueFrom: { fieldRef: { fieldPath: "spec.template.spec.containers[0].env[2].value" } } }]);
    });
});
