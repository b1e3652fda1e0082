// The hyperparameter search's pure builders, schema-checked with kubernetes-models, and the config-time checks.
import * as assert from "node:assert/strict";
import { resolveGpuNodePool } from "../../components/gke/gpuNodePool";
import {
    ON_DEMAND_SCHEDULE, OPTUNA_DASHBOARD_IMAGE, dashboardFlows, dashboardPodSpec, storageUrl, tuningCronJobSpec, tuningPodSpec, withOptunaStudy,
} from "../../components/tuning/tuning";
import { instanceCondition } from "../../components/tuning/tuningService";
import { platformNetworkPolicies } from "../../components/namespaces/platformPolicies";
import { ModelContext, ModelOptions, resolveModel } from "../../components/serving/modelConfig";
import { batchPodSpec } from "../../components/serving/modelJobs";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { configIssues, stackValues } from "../helpers";
import { Any } from "../plans";

const none = () => assert.fail("no issue expected");
const pools = [
    resolveGpuNodePool({ name: "a100-training", machineType: "a2-highgpu-1g", acceleratorType: "nvidia-tesla-a100", purpose: "training", zones: ["us-central1-a"] }, "us-central1", none),
    resolveGpuNodePool({ name: "h100-flex", machineType: "a3-highgpu-8g", acceleratorType: "nvidia-h100-80gb", acceleratorCount: 8, purpose: "training", provisioning: "flex-start", placement: "compact", zones: ["us-central1-a"] }, "us-central1", none),
];
const ctx: ModelContext = { dev: false, pools, namespaces: ["ml-serving"] };
const base: ModelOptions = {
    name: "fraud-detector", image: "us-docker.pkg.dev/acme/models/fraud-detector:1.4.2",
    retraining: { schedule: "0 2 * * 0", image: "us-docker.pkg.dev/acme/train/fraud:1.4.2", gpu: { count: 1, pool: "a100-training" }, resources: { cpu: "8", memory: "64Gi" } },
    tuning: { trials: 30, parallelism: 3, objective: "auc", searchSpace: { max_depth: { type: "int", low: 3, high: 12 } } },
};
const ENV = { trackingUri: "http://mlflow", pushgatewayUrl: "http://pg:9091", datasetsBucket: "ds", mlflowImage: "ghcr.io/mlflow/mlflow:v3.15.2-full", serviceAccount: "fraud-detector-jobs", mlflowCredentials: "fraud-detector-mlflow-writer" };
const STUDY = { secretName: "fraud-detector-optuna-storage", studyName: "fraud-detector", connectionName: "p:us-central1:sql" };
const json = (o: unknown) => JSON.parse(JSON.stringify(o));

describe("hyperparameter search builders", () => {
    it("an on-demand study is a suspended CronJob whose Job is Indexed, parallelism = completions, Kueue-queued and schema-valid", async () => {
        const m = resolveModel(base, ctx, none);
        const spec = json(tuningCronJobSpec(m, tuningPodSpec(m, ENV, STUDY)));
        assert.deepEqual([spec.suspend, spec.schedule, spec.concurrencyPolicy], [true, ON_DEMAND_SCHEDULE, "Forbid"]);
        const job = spec.jobTemplate.spec;
        assert.deepEqual([job.suspend, job.completionMode, job.completions, job.parallelism, job.backoffLimitPerIndex, "backoffLimit" in job], [true, "Indexed", 3, 3, 2, false]);
        assert.deepEqual(spec.jobTemplate.metadata.labels, {
            "app.kubernetes.io/name": "fraud-detector", "app.kubernetes.io/part-of": "mlops-platform", "mlops.platform/workload": "tuning",
            "kueue.x-k8s.io/queue-name": "batch", "kueue.x-k8s.io/priority-class": "experiment",
        });
        const env = Object.fromEntries(job.template.spec.containers[0].env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
        assert.deepEqual([env.OPTUNA_N_TRIALS, env.OPTUNA_OBJECTIVE_METRIC, env.OPTUNA_DIRECTION, env.OPTUNA_PRUNER], ["30", "auc", "maximize", "median"]);
        assert.deepEqual(JSON.parse(env.OPTUNA_SEARCH_SPACE), { max_depth: { type: "int", low: 3, high: 12 } });
        assert.deepEqual(await validateObject({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "fraud-detector-tune", namespace: "ml-serving" }, spec }), []);
        // A scheduled study fires on its schedule.
        const weekly = json(tuningCronJobSpec(resolveModel({ ...base, tuning: { ...base.tuning!, schedule: "0 4 * * 6" } }, ctx, none), tuningPodSpec(m, ENV, STUDY)));
        assert.deepEqual([weekly.suspend, weekly.schedule], [false, "0 4 * * 6"]);
    });

    it("workers use the study's own GPUs and resources when set, else retraining's", () => {
        const m = resolveModel({ ...base, tuning: { ...base.tuning!, resources: { memory: "32Gi" } } }, ctx, none);
        const c = json(tuningPodSpec(m, ENV, STUDY)).containers[0];
        assert.deepEqual(c.resources.requests, { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "1" });
        assert.equal(c.image, "us-docker.pkg.dev/acme/train/fraud:1.4.2");
        assert.equal(c.name, "tune");
    });

    it("the study hook adds the storage URL by reference and the proxy as a native sidecar, without changing its input", () => {
        const m = resolveModel(base, ctx, none);
        const pod = batchPodSpec(m, "training", ENV);
        const before = JSON.stringify(pod);
        const hooked = json(withOptunaStudy(pod, STUDY));
        assert.equal(JSON.stringify(pod), before);
        assert.deepEqual(hooked.initContainers.map((c: Any) => [c.name, c.restartPolicy, c.args.at(-1)]), [["cloud-sql-proxy", "Always", "p:us-central1:sql"]]);
        assert.deepEqual(hooked.containers[0].env.slice(-2), [
            { name: "OPTUNA_STORAGE", valueFrom: { secretKeyRef: { name: "fraud-detector-optuna-storage", key: "url" } } },
            { name: "OPTUNA_STUDY_NAME", value: "fraud-detector" },
        ]);
        assert.equal(storageUrl("s3cr3t"), "postgresql://optuna:s3cr3t@127.0.0.1:5432/optuna");
    });

    it("the dashboard pod is restricted, pinned, reads the URL from its Secret and validates as a Deployment", async () => {
        const pod = json(dashboardPodSpec({ serviceAccountName: "optuna-dashboard", secretName: "optuna-dashboard-storage", connectionName: "p:r:i" }));
        assert.equal(pod.containers[0].image, OPTUNA_DASHBOARD_IMAGE);
        assert.deepEqual(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
        const labels = { app: "d" };
        assert.deepEqual(await validateObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "optuna-dashboard", namespace: "optuna" }, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: pod } } }), []);
        // Its namespace admits no ingress at all.
        const policies = platformNetworkPolicies(dashboardFlows("10.30.0.0/16"));
        assert.deepEqual(policies.filter((p) => (p.spec.policyTypes as string[]).includes("Ingress")).map((p) => p.name), ["default-deny-all"]);
    });

    it("scopes Cloud SQL client to the one instance", () => {
        assert.equal(instanceCondition("acme", "sql-1").expression, 'resource.name == "projects/acme/instances/sql-1" && resource.type == "sqladmin.googleapis.com/Instance"');
    });
});

describe("hyperparameter search in stack config", () => {
    it("refuses a study on a multi-node model without single-node trial GPUs, naming tuning.gpu", () => {
        const issues: string[] = [];
        resolveModel({ ...base, retraining: { ...base.retraining!, gpu: { count: 8, pool: "h100-flex" }, nodes: 2 } }, ctx, (f, msg) => issues.push(`${f}: ${msg}`));
        assert.equal(issues.length, 1, issues.join("\n"));
        assert.match(issues[0], /^tuning\.gpu: is required when retraining runs on 2 nodes: trials run one per pod on a single node \(multi-node trials on JobSet or KubeRay are not built\)/);
        const ok: string[] = [];
        resolveModel({ ...base, retraining: { ...base.retraining!, gpu: { count: 8, pool: "h100-flex" }, nodes: 2 }, tuning: { ...base.tuning!, gpu: { count: 8, pool: "h100-flex" } } }, ctx, (f, msg) => ok.push(`${f}: ${msg}`));
        assert.deepEqual(ok, []);
    });

    it("the capacity check admits prod's study as one unit, and refuses 5 workers of one A100 each (the pool has 4)", () => {
        const raw = stackValues("prod");
        const models = raw["mlops-platform:models"] as Any[];
        models[0].tuning.parallelism = 5;
        const issues = configIssues(raw).filter((i) => i.key === "mlops-platform:models[0].tuning").map((i) => i.message);
        assert.ok(issues.length >= 1, JSON.stringify(issues));
        for (const m of issues) assert.match(m, /^CronJob ml-serving\/fraud-detector-tune cannot run: /);
        assert.ok(issues.some((m) => /the unit needs 5 GPUs|5 pods of/.test(m)), issues.join("\n"));
    });
});
