// The drift trigger script (components/lifecycle/scripts/drift_trigger.py), run with this machine's python3
// against a fake Kubernetes API server and Pushgateway in this process. The fake serves the prod plan's own
// fraud-detector retrain CronJob and the env of the plan's own trigger container, so a change to either shows.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DRIFT_RESULT_PATH, DRIFT_TRIGGER_SCRIPT, LAST_TRIGGER_ANNOTATION, TRIGGER_LABEL, driftTriggerRules, withDriftTrigger } from "../../components/lifecycle/driftTrigger";
import { METRICS } from "../../components/monitoring/metrics";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { promqlErrors } from "../promql";
import { Plan } from "../../scripts/harness/runPlan";
import { Any, T, bothPlans, ofType, one, planOf } from "../plans";

const SCRIPT = path.join(__dirname, "..", "..", "components", "lifecycle", "scripts", "drift_trigger.py");
const NS = "ml-serving";
const CRON = "fraud-detector-retrain";
const TOKEN = "fake-sa-token";

interface Call { method: string; path: string; auth?: string; contentType?: string; body?: Any }

/** A fake API server with just what the trigger uses: the CronJob (get, merge patch, status), Jobs, JobSets, a ConfigMap. */
class FakeCluster {
    cron: Any;
    jobs: Any[] = [];
    jobSets: Any[] = [];
    configMaps: Record<string, Any> = {};
    calls: Call[] = [];
    pushes: Call[] = [];
    /** Called after each GET of the CronJob: lets a test change it under the trigger's feet. */
    afterGet?: () => void;
    private server = http.createServer((req, res) => this.handle(req, res));
    private rv = 100;
    url = "";

    constructor(cron: Any) {
        this.cron = structuredClone(cron);
        this.cron.metadata = { ...this.cron.metadata, uid: "cron-uid-1", resourceVersion: String(this.rv) };
    }

    async start() {
        await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    stop() {
        return new Promise<void>((ok) => this.server.close(() => ok()));
    }

    posts(kind: "jobs" | "jobsets") {
        return this.calls.filter((c) => c.method === "POST" && c.path.endsWith(`/${kind}`));
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse) {
        let raw = "";
        req.on("data", (d) => (raw += d));
        req.on("end", () => {
            const url = new URL(req.url!, "http://x");
            const call: Call = { method: req.method!, path: url.pathname, auth: req.headers.authorization, contentType: req.headers["content-type"] };
            const reply = (code: number, body: Any) => {
                res.writeHead(code, { "Content-Type": "application/json" });
                res.end(JSON.stringify(body));
            };
            if (url.pathname.startsWith("/metrics/")) {
                this.pushes.push({ ...call, body: raw });
                return reply(200, {});
            }
            if (raw) call.body = JSON.parse(raw);
            this.calls.push(call);
            if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, { kind: "Status", code: 401 });
            const batch = `/apis/batch/v1/namespaces/${NS}`;
            const selected = (items: Any[]) => {
                const sel = url.searchParams.get("labelSelector") ?? "";
                const want = sel ? Object.fromEntries(sel.split(",").map((kv) => kv.split("="))) : {};
                return items.filter((i) => Object.entries(want).every(([k, v]) => i.metadata.labels?.[k] === v));
            };
            switch (`${req.method} ${url.pathname}`) {
                case `GET ${batch}/cronjobs/${CRON}`:
                    reply(200, this.cron);
                    return this.afterGet?.();
                case `PATCH ${batch}/cronjobs/${CRON}`: {
                    if (call.contentType !== "application/merge-patch+json") return reply(415, {});
                    const m = call.body.metadata ?? {};
                    if (m.resourceVersion && m.resourceVersion !== this.cron.metadata.resourceVersion) return reply(409, { kind: "Status", reason: "Conflict" });
                    const annotations = { ...(this.cron.metadata.annotations ?? {}), ...(m.annotations ?? {}) };
                    for (const [k, v] of Object.entries(annotations)) if (v === null) delete annotations[k];
                    this.cron.metadata = { ...this.cron.metadata, annotations, resourceVersion: String(++this.rv) };
                    return reply(200, this.cron);
                }
                case `PATCH ${batch}/cronjobs/${CRON}/status`:
                    this.cron.status = { ...(this.cron.status ?? {}), ...call.body.status };
                    this.cron.metadata.resourceVersion = String(++this.rv);
                    return reply(200, this.cron);
                case `GET ${batch}/jobs`:
                    return reply(200, { kind: "JobList", items: selected(this.jobs) });
                case `POST ${batch}/jobs`: {
                    const job = { ...call.body, metadata: { ...call.body.metadata, uid: `job-uid-${this.jobs.length + 1}` } };
                    this.jobs.push(job);
                    return reply(201, job);
                }
                case `GET /apis/jobset.x-k8s.io/v1alpha2/namespaces/${NS}/jobsets`:
                    return reply(200, { items: selected(this.jobSets) });
                case `POST /apis/jobset.x-k8s.io/v1alpha2/namespaces/${NS}/jobsets`:
                    this.jobSets.push(call.body);
                    return reply(201, { ...call.body, metadata: { ...call.body.metadata, uid: "js-uid" } });
                default: {
                    const cm = /^\/api\/v1\/namespaces\/ml-serving\/configmaps\/(.+)$/.exec(url.pathname);
                    if (req.method === "GET" && cm && this.configMaps[cm[1]]) return reply(200, this.configMaps[cm[1]]);
                    return reply(404, { kind: "Status", code: 404, path: url.pathname });
                }
            }
        });
    }
}

describe("drift trigger script against a fake Kubernetes API", function () {
    this.timeout(120_000);
    let retrainCron: Any;
    let triggerEnv: Record<string, string>;
    let jobSetConfigMap: Any;
    let dir: string;
    let fake: FakeCluster;

    before(async () => {
        const prod = await planOf("prod");
        retrainCron = one(prod, "kubernetes:batch/v1:CronJob", "fraud-detector-retrain").inputs;
        const drift = one(prod, "kubernetes:batch/v1:CronJob", "fraud-detector-drift").inputs;
        const trigger = drift.spec.jobTemplate.spec.template.spec.containers.find((c: Any) => c.name === "retrain-trigger");
        triggerEnv = Object.fromEntries(trigger.env.map((e: Any) => [e.name, e.value]));
        jobSetConfigMap = one(prod, "kubernetes:core/v1:ConfigMap", "ranker-jobset").inputs;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-trigger-"));
        fs.writeFileSync(path.join(dir, "token"), `${TOKEN}\n`);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    beforeEach(async () => {
        fake = new FakeCluster(retrainCron);
        await fake.start();
    });
    afterEach(() => fake.stop());

    /** Runs the script with the plan's env, the fake's URLs and a verdict; returns its decision lines. */
    function run(verdict: Any, extra: Record<string, string> = {}): Promise<{ code: number; decisions: Any[]; stderr: string }> {
        const result = path.join(dir, "drift.json");
        fs.writeFileSync(result, JSON.stringify(verdict));
        const env = {
            PATH: process.env.PATH!, ...triggerEnv, DRIFT_RESULT: result, PUSHGATEWAY_URL: fake.url,
            KUBE_API_URL: fake.url, KUBE_TOKEN_PATH: path.join(dir, "token"), ...extra,
        };
        return new Promise((ok) => {
            execFile("python3", [SCRIPT], { env }, (err, stdout, stderr) => {
                const decisions = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
                ok({ code: err ? (err.code as number) : 0, decisions, stderr });
            });
        });
    }
    const decision = (r: { decisions: Any[] }) => r.decisions.at(-1).decision;
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d+Z$/, "Z");

    it("runs with the plan's settings for fraud-detector: PSI above 0.2, 720 minutes apart", () => {
        assert.equal(triggerEnv.DRIFT_THRESHOLD, "0.2");
        assert.equal(triggerEnv.DRIFT_COOLDOWN_MINUTES, "720");
        assert.equal(triggerEnv.DRIFT_METHOD, "psi");
        assert.equal(triggerEnv.RETRAIN_CRONJOB, CRON);
        assert.equal(triggerEnv.MODEL_NAMESPACE, NS);
    });

    it("above the threshold: creates one suspended, queued Job from the CronJob's template, labelled and owned", async () => {
        const before = Math.floor(Date.now() / 1000);
        const r = await run({ method: "psi", score: 0.31, features: { amount: 0.42, merchant: 0.05 } });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(decision(r), "triggered");
        const posts = fake.posts("jobs");
        assert.equal(posts.length, 1);
        const job = posts[0].body;
        assert.equal(posts[0].auth, `Bearer ${TOKEN}`);
        assert.match(job.metadata.name, /^fraud-detector-retrain-drift-\d{10}$/);
        assert.ok(Number(job.metadata.name.split("-").pop()) >= before);
        assert.equal(job.spec.suspend, true);
        const tplLabels = retrainCron.spec.jobTemplate.metadata.labels;
        assert.equal(job.metadata.labels["kueue.x-k8s.io/queue-name"], tplLabels["kueue.x-k8s.io/queue-name"]);
        assert.equal(job.metadata.labels["kueue.x-k8s.io/queue-name"], "batch");
        assert.equal(job.metadata.labels["kueue.x-k8s.io/priority-class"], "production-retrain");
        assert.equal(job.metadata.labels[TRIGGER_LABEL], "drift");
        assert.equal(job.spec.template.metadata.labels[TRIGGER_LABEL], "drift");
        assert.equal(job.metadata.annotations["mlops.platform/trigger-detail"], "psi 0.31 > 0.2");
        assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: "batch/v1", kind: "CronJob", name: CRON, uid: "cron-uid-1", controller: true }]);
        for (const c of job.spec.template.spec.containers) {
            const env = Object.fromEntries(c.env.filter((e: Any) => "value" in e).map((e: Any) => [e.name, e.value]));
            assert.equal(env.MLOPS_TRIGGER, "drift", c.name);
            assert.equal(env.MLOPS_TRIGGER_DETAIL, "psi 0.31 > 0.2", c.name);
        }
        // The rest is the scheduled run's: same image, GPUs, deadline.
        assert.equal(job.spec.activeDeadlineSeconds, retrainCron.spec.jobTemplate.spec.activeDeadlineSeconds);
        assert.equal(job.spec.template.spec.containers[0].image, retrainCron.spec.jobTemplate.spec.template.spec.containers[0].image);
        assert.deepEqual(await validateObject(job), []);
        // Cooldown claimed on the CronJob; the Job is in its status.active, so the schedule's Forbid waits for it.
        const stamp = Date.parse(fake.cron.metadata.annotations[LAST_TRIGGER_ANNOTATION]) / 1000;
        assert.ok(stamp >= before && stamp <= Date.now() / 1000 + 1, `${stamp}`);
        assert.deepEqual(fake.cron.status.active, [{ apiVersion: "batch/v1", kind: "Job", namespace: NS, name: job.metadata.name, uid: "job-uid-1" }]);
        const statusPatch = fake.calls.find((c) => c.path.endsWith("/status"))!;
        assert.equal(statusPatch.contentType, "application/merge-patch+json");
        // Visible: the trigger's metric, grouped by job, namespace and model.
        assert.equal(fake.pushes.length, 1);
        assert.equal(fake.pushes[0].path, "/metrics/job/drift_trigger/namespace/ml-serving/model/fraud-detector");
        assert.match(fake.pushes[0].body, /^mlops_retraining_triggered_timestamp_seconds\{trigger="drift"\} (\d+)$/m);
    });

    it("at most one in flight: a second check while the run is queued or running creates nothing", async () => {
        assert.equal(decision(await run({ method: "psi", score: 0.31 })), "triggered");
        const second = await run({ method: "psi", score: 0.5 });
        assert.equal(decision(second), "in-flight");
        assert.deepEqual(second.decisions.at(-1).running, [fake.jobs[0].metadata.name]);
        assert.equal(fake.posts("jobs").length, 1);
    });

    it("a scheduled run waiting suspended in Kueue counts as in flight; a finished one or another CronJob's Job does not", async () => {
        const job = (name: string, owner: string, status: Any) => ({
            metadata: { name, labels: { "app.kubernetes.io/name": "fraud-detector" }, ownerReferences: [{ kind: "CronJob", name: owner, controller: true }] },
            spec: { suspend: true }, status,
        });
        fake.jobs.push(job("fraud-detector-retrain-29012345", CRON, {}));
        const queued = await run({ method: "psi", score: 0.31 });
        assert.equal(decision(queued), "in-flight");
        assert.equal(fake.posts("jobs").length, 0);

        fake.jobs = [
            job("fraud-detector-retrain-29012345", CRON, { conditions: [{ type: "Complete", status: "True" }] }),
            job("fraud-detector-retrain-29012346", CRON, { conditions: [{ type: "Failed", status: "True" }] }),
            // The drift check's own Job is running while the trigger runs: it must not block.
            job("fraud-detector-drift-29012350", "fraud-detector-drift", {}),
        ];
        assert.equal(decision(await run({ method: "psi", score: 0.31 })), "triggered");
        assert.equal(fake.posts("jobs").length, 1);
    });

    it("cooldown: no run within 720 minutes of the last drift-started one, a run after", async () => {
        fake.cron.metadata.annotations = { ...fake.cron.metadata.annotations, [LAST_TRIGGER_ANNOTATION]: minutesAgo(719) };
        const cool = await run({ method: "psi", score: 0.9 });
        assert.equal(decision(cool), "cooldown");
        assert.equal(cool.decisions.at(-1).cooldown_minutes, 720);
        assert.equal(fake.posts("jobs").length, 0);
        assert.equal(fake.calls.filter((c) => c.method === "PATCH").length, 0);

        fake.cron.metadata.annotations[LAST_TRIGGER_ANNOTATION] = minutesAgo(721);
        assert.equal(decision(await run({ method: "psi", score: 0.9 })), "triggered");
        assert.equal(fake.posts("jobs").length, 1);

        // The run just started finishes; a check right after is inside the new cooldown.
        fake.jobs[0].status = { conditions: [{ type: "Complete", status: "True" }] };
        assert.equal(decision(await run({ method: "psi", score: 0.9 })), "cooldown");
        assert.equal(fake.posts("jobs").length, 1);
    });

    it("at or below the threshold: no call to the API server at all", async () => {
        for (const score of [0.2, 0.05]) {
            const r = await run({ method: "psi", score, features: { amount: score } });
            assert.equal(r.code, 0, r.stderr);
            assert.equal(decision(r), "no-drift");
        }
        assert.deepEqual(fake.calls, []);
        assert.deepEqual(fake.pushes, []);
    });

    it("a concurrent claim (the CronJob changed since it was read) loses: 409 Conflict, no Job", async () => {
        fake.afterGet = () => {
            fake.cron.metadata.resourceVersion = "999";
        };
        assert.equal(decision(await run({ method: "psi", score: 0.31 })), "conflict");
        assert.equal(fake.posts("jobs").length, 0);
    });

    it("a verdict without a numeric score fails the check (exit 2) and starts nothing", async () => {
        const r = await run({ method: "psi", features: {} });
        assert.equal(r.code, 2);
        assert.equal(decision(r), "invalid-result");
        assert.deepEqual(fake.calls, []);
    });

    it("multi-node: creates the JobSet from its ConfigMap, suspended and labelled, when no JobSet is unfinished", async () => {
        fake.configMaps["ranker-retrain-jobset"] = { metadata: { name: "ranker-retrain-jobset" }, data: jobSetConfigMap.data };
        const env = { RETRAIN_JOBSET_CONFIGMAP: "ranker-retrain-jobset" };
        fake.jobSets.push({ metadata: { name: "ranker-retrain-abcde", labels: { "app.kubernetes.io/name": "fraud-detector" } }, status: {} });
        assert.equal(decision(await run({ method: "psi", score: 0.31 }, env)), "in-flight");
        fake.jobSets[0].status = { terminalState: "Completed" };
        assert.equal(decision(await run({ method: "psi", score: 0.31 }, env)), "triggered");
        const posts = fake.posts("jobsets");
        assert.equal(posts.length, 1);
        const js = posts[0].body;
        assert.match(js.metadata.name, /^fraud-detector-retrain-drift-\d{10}$/);
        assert.equal(js.metadata.generateName, undefined);
        assert.equal(js.spec.suspend, true);
        assert.equal(js.metadata.labels[TRIGGER_LABEL], "drift");
        assert.equal(js.metadata.labels["kueue.x-k8s.io/queue-name"], "batch");
        const pod = js.spec.replicatedJobs[0].template.spec.template;
        assert.equal(pod.metadata.labels[TRIGGER_LABEL], "drift");
        assert.ok(pod.spec.containers[0].env.some((e: Any) => e.name === "MLOPS_TRIGGER" && e.value === "drift"));
        assert.deepEqual(await validateObject(js), []);
        assert.equal(fake.posts("jobs").length, 0, "no Job in multi-node mode");
    });
});

describe("drift trigger in the plans", () => {
    let prod: Plan;
    let dev: Plan;
    before(async () => ({ dev, prod } = await bothPlans()));
    const role = (plan: Plan, model: string) => one(plan, "kubernetes:rbac.authorization.k8s.io/v1:Role", `${model}-drift-trigger`).inputs;

    it("prod fraud-detector: the check is the init container, the trigger runs after it with its own token, as its own account", () => {
        const cron = one(prod, "kubernetes:batch/v1:CronJob", "fraud-detector-drift").inputs;
        const pod = cron.spec.jobTemplate.spec.template.spec;
        assert.deepEqual(pod.initContainers.map((c: Any) => c.name), ["drift"]);
        assert.deepEqual(pod.containers.map((c: Any) => c.name), ["retrain-trigger"]);
        assert.equal(pod.serviceAccountName, "fraud-detector-drift");
        assert.equal(pod.automountServiceAccountToken, false);
        const [check] = pod.initContainers;
        const [trigger] = pod.containers;
        const env = (c: Any) => Object.fromEntries(c.env.filter((e: Any) => "value" in e).map((e: Any) => [e.name, e.value]));
        assert.equal(env(check).DRIFT_RESULT, DRIFT_RESULT_PATH);
        assert.equal(env(check).DRIFT_METHOD, "psi");
        assert.equal(trigger.image, "ghcr.io/mlflow/mlflow:v3.15.2-full");
        assert.deepEqual(trigger.command, ["python3", "/scripts/drift_trigger.py"]);
        assert.deepEqual(
            [env(trigger).DRIFT_THRESHOLD, env(trigger).DRIFT_COOLDOWN_MINUTES, env(trigger).RETRAIN_CRONJOB, env(trigger).RETRAIN_JOBSET_CONFIGMAP],
            ["0.2", "720", "fraud-detector-retrain", undefined],
        );
        // Only the trigger mounts the API token; the model's image never sees it.
        const mounts = (c: Any) => c.volumeMounts.map((m: Any) => m.name);
        assert.ok(mounts(trigger).includes("kube-api-access"));
        assert.ok(!mounts(check).includes("kube-api-access"));
        const token = pod.volumes.find((v: Any) => v.name === "kube-api-access").projected.sources;
        assert.deepEqual(token[0], { serviceAccountToken: { path: "token", expirationSeconds: 3600 } });
        const script = one(prod, "kubernetes:core/v1:ConfigMap", "fraud-detector-drift-trigger").inputs;
        assert.equal(script.data["drift_trigger.py"], DRIFT_TRIGGER_SCRIPT);
        // The drift account keeps the jobs' Google identity (datasets), nothing more.
        const wi = one(prod, "gcp:serviceaccount/iAMMember:IAMMember", "fraud-detector-drift-workload-identity").inputs;
        assert.equal(wi.member, "serviceAccount:acme-mlops-prod.svc.id.goog[ml-serving/fraud-detector-drift]");
    });

    it("prod fraud-detector: the Role may start only this model's retraining, bound only to the drift account", () => {
        assert.deepEqual(role(prod, "fraud-detector").rules, [
            { apiGroups: ["batch"], resources: ["cronjobs"], resourceNames: ["fraud-detector-retrain"], verbs: ["get", "patch"] },
            { apiGroups: ["batch"], resources: ["cronjobs/status"], resourceNames: ["fraud-detector-retrain"], verbs: ["patch"] },
            { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list", "create"] },
        ]);
        const binding = one(prod, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "fraud-detector-drift-trigger").inputs;
        assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "fraud-detector-drift", namespace: "ml-serving" }]);
        assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "fraud-detector-drift-trigger" });
    });

    it("multi-node models: the Role reads the JobSet template and creates JobSets instead of Jobs", () => {
        assert.deepEqual(driftTriggerRules({ name: "ranker", retraining: { nodes: 2 } }), [
            { apiGroups: ["batch"], resources: ["cronjobs"], resourceNames: ["ranker-retrain"], verbs: ["get", "patch"] },
            { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list"] },
            { apiGroups: [""], resources: ["configmaps"], resourceNames: ["ranker-retrain-jobset"], verbs: ["get"] },
            { apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: ["list", "create"] },
        ]);
    });

    it("the drift pods reach the API server on 443 and nothing else new", () => {
        const np = one(prod, T.networkPolicy, "fraud-detector-drift-trigger-egress").inputs;
        assert.deepEqual(np.spec.podSelector, { matchLabels: { "app.kubernetes.io/name": "fraud-detector", "mlops.platform/workload": "drift" } });
        assert.deepEqual(np.spec.egress, [{ to: [{ ipBlock: { cidr: "172.16.0.0/28" } }], ports: [{ protocol: "TCP", port: 443 }] }]);
    });

    it("every model whose drift starts retraining has the trigger, and only those (dev and prod)", () => {
        for (const [plan, expected] of [[prod, ["churn-predictor", "fraud-detector"]], [dev, ["fraud-detector"]]] as const) {
            const withTrigger = ofType(plan, "kubernetes:batch/v1:CronJob").filter((c) => c.inputs.spec.jobTemplate.spec.template.spec.containers.some((x: Any) => x.name === "retrain-trigger"));
            assert.deepEqual(withTrigger.map((c) => c.inputs.metadata.labels["app.kubernetes.io/name"]).sort(), expected);
        }
    });

    it("a model without drift retraining keeps the single drift container", () => {
        const m = { name: "m", namespace: "ns", drift: { threshold: 0.1, method: "ks" } };
        assert.throws(() => withDriftTrigger({ containers: [] }, m, { image: "i", pushgatewayUrl: "u" }), /no drift retraining/);
    });
});

describe("drift dashboard", () => {
    const d = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "dashboards", "drift.json"), "utf8"));
    const exprs = (title: string) => d.panels.find((p: Any) => p.title === title).targets.map((t: Any) => t.expr);

    it("plots the model's and each feature's score over time against the model's threshold", () => {
        assert.match(exprs("Model drift score against its threshold")[0], /^max by \(namespace, model, method\) \(mlops_model_drift_score\{/);
        assert.match(exprs("Drift score by feature")[0], /^max by \(namespace, model, feature, method\) \(mlops_feature_drift_score\{/);
        for (const t of ["Model drift score against its threshold", "Drift score by feature"]) assert.match(exprs(t)[1], /mlops_drift_threshold\{/);
    });

    it("marks each drift-started retraining run with an annotation whose query parses and reads a declared metric", () => {
        const [a] = d.annotations.list;
        assert.equal(a.name, "Retraining started by drift");
        assert.deepEqual(promqlErrors(a.expr), []);
        assert.match(a.expr, /^changes\(mlops_retraining_triggered_timestamp_seconds\{/);
        assert.ok(METRICS.mlops_retraining_triggered_timestamp_seconds);
        assert.match(a.expr, /trigger="drift"/);
    });
});
