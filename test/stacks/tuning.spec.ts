// The hyperparameter search (Optuna) in the real plans: prod's fraud-detector study, its storage, the retraining
// hook and the dashboard. Numbers come from Pulumi.prod.yaml (trials 40, parallelism 2, one A100 each).
import * as assert from "node:assert/strict";
import { parsePlatformConfig } from "../../stack/platform";
import { Plan } from "../../scripts/harness/runPlan";
import { SECRET } from "../../scripts/harness/values";
import { loadStackConfig } from "../../scripts/harness/stackConfig";
import { Any, bothPlans, ofType, one } from "../plans";

const T = {
    cronJob: "kubernetes:batch/v1:CronJob",
    secret: "kubernetes:core/v1:Secret",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    policy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    database: "gcp:sql/database:Database",
    user: "gcp:sql/user:User",
    instance: "gcp:sql/databaseInstance:DatabaseInstance",
    projectIam: "gcp:projects/iAMMember:IAMMember",
    saIam: "gcp:serviceaccount/iAMMember:IAMMember",
};
const envOf = (c: Any): Record<string, Any> => Object.fromEntries(c.env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));

describe("hyperparameter search (Optuna) in the stack plans", () => {
    let dev: Plan;
    let prod: Plan;
    let job: Any;
    before(async () => {
        ({ dev, prod } = await bothPlans());
        job = one(prod, T.cronJob, "fraud-detector-tune").inputs.spec.jobTemplate;
    });

    it("fraud-detector-tune runs each study as an Indexed Job of 2 workers, created suspended for Kueue at experiment priority", () => {
        const cron = one(prod, T.cronJob, "fraud-detector-tune").inputs;
        assert.deepEqual([cron.metadata.namespace, cron.spec.schedule, cron.spec.timeZone, cron.spec.suspend, cron.spec.concurrencyPolicy], ["ml-serving", "0 4 * * 6", "America/Chicago", false, "Forbid"]);
        assert.equal(job.metadata.labels["kueue.x-k8s.io/queue-name"], "batch");
        assert.equal(job.metadata.labels["kueue.x-k8s.io/priority-class"], "experiment");
        const s = job.spec;
        assert.deepEqual([s.suspend, s.completionMode, s.completions, s.parallelism, s.backoffLimitPerIndex, s.backoffLimit, s.activeDeadlineSeconds], [true, "Indexed", 2, 2, 2, undefined, 720 * 60]);
        assert.deepEqual(s.podFailurePolicy, { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] });
        assert.equal(s.template.spec.priorityClassName, "mlops-experiment");
        assert.equal(s.template.spec.restartPolicy, "Never");
    });

    it("workers take the study's storage URL from a Secret that exists in the namespace and is a Pulumi secret", () => {
        const c = job.spec.template.spec.containers[0];
        const env = envOf(c);
        assert.deepEqual(env.OPTUNA_STORAGE, { secretKeyRef: { name: "fraud-detector-optuna-storage", key: "url" } });
        assert.ok(!JSON.stringify(job).includes("postgresql://"), "no URL literal in the pod");
        const secret = one(prod, T.secret, "tuning-fraud-detector-storage").inputs;
        assert.deepEqual([secret.metadata.name, secret.metadata.namespace], ["fraud-detector-optuna-storage", "ml-serving"]);
        // The whole map is secret in state (the URL carries the password).
        assert.equal(secret.stringData, SECRET);
    });

    it("workers get the study from config: name, direction, 40 trials in all, search space, pruner, objective, on one A100 each", () => {
        const cfg = parsePlatformConfig(loadStackConfig("prod").values, "prod");
        const fraud = (loadStackConfig("prod").values["mlops-platform:models"] as Any[]).find((m) => m.name === "fraud-detector");
        const c = job.spec.template.spec.containers[0];
        const env = envOf(c);
        assert.deepEqual(JSON.parse(env.OPTUNA_SEARCH_SPACE), fraud.tuning.searchSpace);
        assert.deepEqual(JSON.parse(env.OPTUNA_SEARCH_SPACE), JSON.parse(JSON.stringify(cfg.models.find((m) => m.name === "fraud-detector")!.tuning!.searchSpace)));
        assert.deepEqual(
            [env.MLOPS_TASK, env.OPTUNA_STUDY_NAME, env.OPTUNA_DIRECTION, env.OPTUNA_N_TRIALS, env.OPTUNA_PRUNER, env.OPTUNA_OBJECTIVE_METRIC, env.MODEL_NAMESPACE],
            ["tune", "fraud-detector", "maximize", "40", "median", "accuracy", "ml-serving"]);
        // Every trial is an MLflow run of the model's experiment, as its writer; progress goes to the Pushgateway.
        assert.deepEqual(env.MLFLOW_TRACKING_USERNAME, { secretKeyRef: { name: "fraud-detector-mlflow-writer", key: "username" } });
        assert.equal(env.MLFLOW_EXPERIMENT_NAME, "fraud-detector");
        assert.equal(env.PUSHGATEWAY_URL, "http://pushgateway.monitoring.svc.cluster.local:9091");
        assert.deepEqual(c.resources.requests, { cpu: "8", memory: "64Gi", "nvidia.com/gpu": "1" });
        assert.equal(job.spec.template.spec.nodeSelector["mlops.platform/pool"], "a100-training");
        assert.equal(job.spec.template.spec.serviceAccountName, "fraud-detector-jobs");
    });

    it("the Cloud SQL Auth Proxy runs as a native sidecar in workers and in retraining, which reads the best parameters", () => {
        const retrain = one(prod, T.cronJob, "fraud-detector-retrain").inputs.spec.jobTemplate.spec.template.spec;
        for (const pod of [job.spec.template.spec, retrain]) {
            const proxy = pod.initContainers.find((c: Any) => c.name === "cloud-sql-proxy");
            assert.equal(proxy.restartPolicy, "Always");
            assert.ok(proxy.args.includes("--private-ip"));
        }
        // The gated retraining pod: the proxy (a native sidecar) must start before the trainer (an ordinary init
        // container that runs to completion before the gate), and the study's env reaches the trainer, not the gate.
        assert.deepEqual(retrain.initContainers.map((c: Any) => c.name), ["cloud-sql-proxy", "training"]);
        assert.deepEqual(retrain.containers.map((c: Any) => c.name), ["quality-gate"]);
        const env = envOf(retrain.initContainers[1]);
        assert.deepEqual(env.OPTUNA_STORAGE, { secretKeyRef: { name: "fraud-detector-optuna-storage", key: "url" } });
        assert.equal(env.OPTUNA_STUDY_NAME, "fraud-detector");
        assert.equal(env.MLOPS_TASK, undefined, "retraining trains once");
        assert.equal(envOf(retrain.containers[0]).OPTUNA_STORAGE, undefined);
        // A worker is a trial: no gate around it.
        assert.deepEqual(job.spec.template.spec.containers.map((c: Any) => c.name), ["tune"]);
        // Models without a study get no proxy.
        const churn = one(prod, T.cronJob, "churn-predictor-retrain").inputs.spec.jobTemplate.spec.template.spec;
        assert.deepEqual(churn.initContainers.map((c: Any) => c.name), ["training"]);
        assert.equal(ofType(prod, T.cronJob).filter((c) => c.name.endsWith("-tune")).length, 1);
        assert.equal(ofType(dev, T.cronJob).filter((c) => c.name.endsWith("-tune")).length, 0);
    });

    it("the studies have their own database and user on the platform's instance, with a random secret password", () => {
        const db = one(prod, T.database, "tuning-db").inputs;
        const user = one(prod, T.user, "tuning-db-user").inputs;
        const instance = one(prod, T.instance, "mlflow-db-postgres");
        assert.deepEqual([db.name, user.name, user.password], ["optuna", "optuna", SECRET]);
        // Both name the instance MLflow's component creates (the mock's name for it).
        assert.equal(db.instance, user.instance);
        assert.ok(String(db.instance).startsWith("mlflow-db-postgres"), db.instance);
        assert.ok(instance);
        assert.equal(ofType(dev, T.database).some((d) => d.inputs.name === "optuna"), false, "no study in dev: no database");
    });

    it("only the model's jobs identity and the dashboard get Cloud SQL client, each limited to the instance", () => {
        const grants = ofType(prod, T.projectIam).filter((g) => g.inputs.role === "roles/cloudsql.client");
        const names = grants.map((g) => g.name).sort();
        assert.deepEqual(names, ["fraud-detector-cloudsql-client", "mlflow-cloudsql-client", "tuning-dashboard-cloudsql-client"]);
        for (const g of grants.filter((x) => x.name !== "mlflow-cloudsql-client")) {
            assert.match(g.inputs.condition.expression, /^resource\.name == "projects\/acme-mlops-prod\/instances\/mlflow-db-postgres[^"]*" && resource\.type == "sqladmin\.googleapis\.com\/Instance"$/);
        }
        const wi = one(prod, T.saIam, "tuning-dashboard-workload-identity").inputs;
        assert.equal(wi.member, "serviceAccount:acme-mlops-prod.svc.id.goog[optuna/optuna-dashboard]");
    });

    it("workers and retraining may reach Cloud SQL on 3307; workers Google APIs and the Pushgateway; nothing more", () => {
        const policy = (name: string) => ofType(prod, T.policy).find((p) => p.inputs.metadata.name === name)!.inputs;
        const storage = policy("fraud-detector-optuna-storage-egress");
        assert.deepEqual(storage.spec.podSelector.matchExpressions[1], { key: "mlops.platform/workload", operator: "In", values: ["training", "tuning"] });
        const cloudSql = parsePlatformConfig(loadStackConfig("prod").values, "prod").network.privateServicesCidr;
        assert.deepEqual(storage.spec.egress, [{ to: [{ ipBlock: { cidr: cloudSql } }], ports: [{ protocol: "TCP", port: 3307 }] }]);
        const tune = policy("fraud-detector-tune-egress");
        assert.deepEqual(tune.spec.podSelector, { matchLabels: { "app.kubernetes.io/name": "fraud-detector", "mlops.platform/workload": "tuning" } });
        assert.deepEqual(tune.spec.egress.map((r: Any) => r.ports.map((p: Any) => p.port)), [[443], [9091]]);
    });

    it("optuna-dashboard is not exposed without authentication: no ingress flow, no Ingress, route or load balancer", () => {
        const dash = one(prod, T.deployment, "tuning-dashboard").inputs;
        assert.equal(dash.metadata.namespace, "optuna");
        const pod = dash.spec.template.spec;
        assert.equal(pod.containers[0].image, "ghcr.io/optuna/optuna-dashboard:v0.20.0");
        assert.deepEqual(pod.containers[0].args, ["$(OPTUNA_STORAGE)"]);
        assert.deepEqual(envOf(pod.containers[0]).OPTUNA_STORAGE, { secretKeyRef: { name: "optuna-dashboard-storage", key: "url" } });
        assert.equal(one(prod, T.secret, "tuning-dashboard-storage").inputs.stringData, SECRET);
        const svc = one(prod, T.service, "tuning-dashboard-service").inputs;
        assert.equal(svc.spec.type, "ClusterIP");
        // The namespace: default deny, and every other policy is egress only.
        const policies = ofType(prod, T.policy).filter((p) => p.inputs.metadata.namespace === "optuna").map((p) => p.inputs);
        assert.ok(policies.some((p) => p.metadata.name === "default-deny-all" && p.spec.policyTypes.includes("Ingress")));
        assert.deepEqual(policies.filter((p) => p.spec.ingress?.length), []);
        assert.deepEqual(policies.filter((p) => p.metadata.name !== "default-deny-all").map((p) => p.spec.policyTypes), policies.slice(1).map(() => ["Egress"]));
        // Nothing routes to it from outside the cluster.
        const routed = prod.resources.filter((r) => /Ingress$|HTTPRoute$|Gateway$/.test(r.type) && JSON.stringify(r.inputs).includes("optuna"));
        assert.deepEqual(routed.map((r) => r.name), []);
        assert.equal(ofType(prod, T.service).filter((s) => s.inputs.metadata.namespace === "optuna" && s.inputs.spec.type !== "ClusterIP").length, 0);
    });
});
