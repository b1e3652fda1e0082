// The quality gate: its pure builders, its thresholds in the prod plan (from Pulumi.prod.yaml), and the script
// itself, run with this machine's python3 against a fake MLflow REST server and a fake Pushgateway in Node.
import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { GATE_CONTAINER, GATE_FILES, RUN_KEY, gateConfigMapName, gateEnv, withQualityGate, gatePodSpec, GatedModel } from "../../components/lifecycle/qualityGate";
import { podShape } from "../../components/scheduling/capacity";
import { Plan } from "../../scripts/harness/runPlan";
import { Any, bothPlans, ofType } from "../plans";

const SCRIPT = path.join(__dirname, "..", "..", "components", "lifecycle", "scripts", "quality_gate.py");
const fraud: GatedModel = { name: "fraud-detector", namespace: "ml-serving", registeredModel: "fraud-detector", quality: { metric: "accuracy", direction: "maximize", threshold: 0.85, maxRegression: 0.01 } };
const envOf = (c: Any) => Object.fromEntries((c.env ?? []).map((e: Any) => [e.name, e.value ?? e.valueFrom]));

describe("quality gate (pure builders)", () => {
    const trainer = { name: "training", image: "us-docker.pkg.dev/p/train/fraud:1", env: [{ name: "MODEL_NAME", value: "fraud-detector" }], resources: { requests: { cpu: "8", memory: "64Gi", "nvidia.com/gpu": "1" }, limits: { cpu: "16", memory: "64Gi", "nvidia.com/gpu": "1" } } };
    const pod = { serviceAccountName: "fraud-detector-jobs", restartPolicy: "Never", nodeSelector: { "mlops.platform/pool": "a100-training" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }], containers: [trainer], volumes: [{ name: "tmp", emptyDir: {} }] };
    const opts = { image: "ghcr.io/mlflow/mlflow:v3.15.2-full", env: [{ name: "MLFLOW_TRACKING_URI", value: "http://mlflow:5000" }] };

    it("makes the trainer the init container and the gate the pod's container, tied by the Job's UID", () => {
        const p = withQualityGate(pod, fraud, opts) as Any;
        assert.deepEqual(p.initContainers.map((c: Any) => c.name), ["training"]);
        assert.deepEqual(p.containers.map((c: Any) => c.name), [GATE_CONTAINER]);
        assert.deepEqual(envOf(p.initContainers[0]).MLOPS_RUN_KEY, { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/controller-uid']" } });
        const gate = p.containers[0];
        assert.deepEqual(gate.command, ["python3", "/opt/mlops/quality-gate/quality_gate.py"]);
        assert.deepEqual(envOf(gate).MLOPS_RUN_KEY, envOf(p.initContainers[0]).MLOPS_RUN_KEY);
        assert.equal(envOf(gate).MLFLOW_TRACKING_URI, "http://mlflow:5000");
        assert.deepEqual(p.volumes.map((v: Any) => v.name), ["tmp", GATE_FILES.tmp, GATE_FILES.volume]);
        assert.equal(p.volumes[2].configMap.name, "fraud-detector-quality-gate");
        // Same node, same admission: the GPU pool's selector and toleration stay on the pod.
        assert.deepEqual(p.nodeSelector, pod.nodeSelector);
        assert.throws(() => withQualityGate({ ...pod, containers: [trainer, trainer] }, fraud, opts), /one container, has 2/);
    });

    it("keeps the pod's requests the trainer's: Kubernetes takes the larger of an init container and the containers' sum", () => {
        const shape = podShape(withQualityGate(pod, fraud, opts));
        assert.deepEqual(shape.requests, { cpu: 8000, memory: 64 * 2 ** 30, gpu: 1 });
        assert.deepEqual(shape.limits, { cpu: 16000, memory: 64 * 2 ** 30, gpu: 1 });
        // A small trainer: the gate's container is then the larger, and counts.
        const small = { ...trainer, resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "100m", memory: "64Mi" } } };
        const s = podShape(withQualityGate({ ...pod, containers: [small] }, fraud, opts));
        assert.deepEqual(s.requests, { cpu: 100, memory: 128 * 2 ** 20, gpu: 0 });
    });

    it("puts the thresholds in env, as config wrote them", () => {
        const env = Object.fromEntries(gateEnv(fraud, RUN_KEY.jobSet).map((e: Any) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]));
        assert.deepEqual(env, {
            MODEL_NAME: "fraud-detector", MODEL_NAMESPACE: "ml-serving", REGISTERED_MODEL: "fraud-detector", MLFLOW_EXPERIMENT_NAME: "fraud-detector",
            QUALITY_METRIC: "accuracy", QUALITY_DIRECTION: "maximize", QUALITY_THRESHOLD: "0.85", QUALITY_MAX_REGRESSION: "0.01",
            MLOPS_RUN_KEY: "metadata.labels['jobset.sigs.k8s.io/jobset-name']", MLOPS_TRIGGER: "metadata.labels['mlops.platform/trigger']",
        });
        assert.equal(gateConfigMapName("ranker"), "ranker-quality-gate");
    });

    it("gives a multi-node run's gate pod the workers' identity but no GPUs, on CPU nodes", () => {
        const p = gatePodSpec(pod, fraud, opts, { "mlops.platform/purpose": "system" }) as Any;
        assert.equal(p.serviceAccountName, "fraud-detector-jobs");
        assert.deepEqual(p.nodeSelector, { "mlops.platform/purpose": "system" });
        assert.equal(p.tolerations, undefined);
        assert.deepEqual(p.containers.map((c: Any) => c.name), [GATE_CONTAINER]);
        assert.equal(podShape(p).requests.gpu, 0);
    });
});

describe("quality gate in the stack plans", () => {
    let prod: Plan;
    let dev: Plan;
    before(async () => ({ prod, dev } = await bothPlans()));
    const cron = (plan: Plan, name: string) => ofType(plan, "kubernetes:batch/v1:CronJob").find((r) => r.inputs.metadata.name === name)!.inputs;
    const gateOf = (plan: Plan, model: string) => {
        const pod = cron(plan, `${model}-retrain`).spec.jobTemplate.spec.template.spec;
        return { pod, gate: pod.containers.find((c: Any) => c.name === GATE_CONTAINER), env: envOf(pod.containers.find((c: Any) => c.name === GATE_CONTAINER)) };
    };

    it("fraud-detector's retraining pod gates at accuracy >= 0.85, at most 0.01 behind the champion (Pulumi.prod.yaml)", () => {
        const { pod, gate, env } = gateOf(prod, "fraud-detector");
        assert.deepEqual([env.QUALITY_METRIC, env.QUALITY_DIRECTION, env.QUALITY_THRESHOLD, env.QUALITY_MAX_REGRESSION], ["accuracy", "maximize", "0.85", "0.01"]);
        assert.equal(env.REGISTERED_MODEL, "fraud-detector");
        assert.equal(gate.image, "ghcr.io/mlflow/mlflow:v3.15.2-full");
        assert.deepEqual(env.MLFLOW_TRACKING_USERNAME, { secretKeyRef: { name: "fraud-detector-mlflow-writer", key: "username" } });
        // The tuning study's proxy (a native sidecar) starts first; the trainer after it (tuning.spec.ts).
        assert.deepEqual(pod.initContainers.map((c: Any) => c.name), ["cloud-sql-proxy", "training"]);
        assert.equal(pod.initContainers[1].image, "us-docker.pkg.dev/acme-mlops-prod/train/fraud-detector:1.4.2");
        assert.equal(pod.initContainers[1].resources.requests["nvidia.com/gpu"], "1");
    });

    it("churn-predictor's gates at auc >= 0.8 with the default 0.005 margin", () => {
        const { env } = gateOf(prod, "churn-predictor");
        assert.deepEqual([env.QUALITY_METRIC, env.QUALITY_DIRECTION, env.QUALITY_THRESHOLD, env.QUALITY_MAX_REGRESSION], ["auc", "maximize", "0.8", "0.005"]);
    });

    it("ships the script the tests run, once per gated model, next to the retraining", () => {
        const maps = ofType(prod, "kubernetes:core/v1:ConfigMap").filter((r) => r.inputs.metadata.name.endsWith("-quality-gate"));
        assert.deepEqual(maps.map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`).sort(), ["ml-serving/churn-predictor-quality-gate", "ml-serving/fraud-detector-quality-gate", "ml-training/ranker-quality-gate"]);
        const text = fs.readFileSync(SCRIPT, "utf8");
        for (const m of maps) assert.equal(m.inputs.data[GATE_FILES.script], text);
    });

    it("the ranker's JobSet runs the gate after its workers complete, and a gate that cannot decide fails the run", () => {
        const cm = ofType(prod, "kubernetes:core/v1:ConfigMap").find((r) => r.inputs.metadata.name === "ranker-retrain-jobset")!;
        const js = JSON.parse(cm.inputs.data["jobset.json"]);
        assert.deepEqual(js.spec.replicatedJobs.map((r: Any) => r.name), ["workers", "quality-gate"]);
        const gate = js.spec.replicatedJobs[1];
        assert.deepEqual(gate.dependsOn, [{ name: "workers", status: "Complete" }]);
        assert.deepEqual(js.spec.failurePolicy, { maxRestarts: 3, rules: [{ name: "gate-cannot-decide", action: "FailJobSet", targetReplicatedJobs: ["quality-gate"] }] });
        const env = envOf(gate.template.spec.template.spec.containers[0]);
        assert.deepEqual([env.QUALITY_METRIC, env.QUALITY_THRESHOLD], ["ndcg_at_10", "0.42"]);
        assert.deepEqual(env.MLOPS_RUN_KEY, { fieldRef: { fieldPath: "metadata.labels['jobset.sigs.k8s.io/jobset-name']" } });
        const worker = js.spec.replicatedJobs[0].template.spec.template.spec.containers[0];
        assert.deepEqual(envOf(worker).MLOPS_RUN_KEY, env.MLOPS_RUN_KEY);
        // Child Jobs carry the model's labels, so RetrainingFailed finds them.
        assert.equal(js.spec.replicatedJobs[0].template.metadata.labels["mlops.platform/workload"], "training");
    });

    it("the gate's pods may reach MLflow (namespace baseline) and the Pushgateway (the model's jobs policy), nothing more", () => {
        const policies = ofType(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs);
        const selects = (sel: Any, labels: Record<string, string>) =>
            Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && (sel.matchExpressions ?? []).every((e: Any) => e.operator === "In" && e.values.includes(labels[e.key]));
        const egressOf = (ns: string, labels: Record<string, string>) => policies.filter((p) => p.metadata.namespace === ns && p.spec.policyTypes.includes("Egress") && selects(p.spec.podSelector, labels)).flatMap((p) => p.spec.egress ?? []);
        const reaches = (rules: Any[], ns: string, port: number) => rules.some((r) => r.ports?.some((x: Any) => x.port === port) && r.to.some((t: Any) => t.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === ns));
        const js = JSON.parse(ofType(prod, "kubernetes:core/v1:ConfigMap").find((r) => r.inputs.metadata.name === "ranker-retrain-jobset")!.inputs.data["jobset.json"]);
        const pods = [
            { ns: "ml-serving", labels: cron(prod, "fraud-detector-retrain").spec.jobTemplate.spec.template.metadata.labels },
            { ns: "ml-training", labels: js.spec.replicatedJobs[1].template.spec.template.metadata.labels },
        ];
        for (const { ns, labels } of pods) {
            const rules = egressOf(ns, labels);
            assert.ok(reaches(rules, "mlflow", 5000), `${ns}: MLflow`);
            assert.ok(reaches(rules, "monitoring", 9091), `${ns}: Pushgateway`);
        }
    });

    it("models without quality keep a single training container (dev has none)", () => {
        for (const r of ofType(dev, "kubernetes:batch/v1:CronJob").filter((x) => x.inputs.metadata.name.endsWith("-retrain"))) {
            const pod = r.inputs.spec.jobTemplate.spec.template.spec;
            assert.equal(pod.initContainers, undefined, r.inputs.metadata.name);
        }
    });
});

// ---------------------------------------------------------------------------------------------------------
// The script against a fake MLflow (REST API 2.0) and a fake Pushgateway.

interface FakeVersion { version: string; run_id: string; status?: string; tags: Record<string, string> }
interface FakeRun { run_id: string; start_time: number; tags: Record<string, string>; metrics: Record<string, number> }
interface FakeState { runs: FakeRun[]; versions: FakeVersion[]; aliases: Record<string, string> }
interface Call { method: string; path: string; query: Record<string, string | string[]>; body: Any }

const USER = "fraud-detector-writer";
const PASSWORD = "s3cret";

/** An in-memory MLflow with one experiment (`fraud-detector`, id 7) and one registered model. */
function fakeMlflow(state: FakeState) {
    const calls: Call[] = [];
    const pushes: { method: string; path: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (d) => (raw += d));
        req.on("end", () => {
            const url = new URL(req.url!, "http://x");
            const query: Record<string, string | string[]> = {};
            for (const k of new Set(url.searchParams.keys())) {
                const all = url.searchParams.getAll(k);
                query[k] = all.length > 1 ? all : all[0];
            }
            const send = (code: number, body: unknown) => {
                res.writeHead(code, { "Content-Type": "application/json" });
                res.end(JSON.stringify(body));
            };
            if (url.pathname.startsWith("/metrics/")) {
                pushes.push({ method: req.method!, path: url.pathname, body: raw });
                res.writeHead(200);
                res.end();
                return;
            }
            if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`) return send(401, { error_code: "UNAUTHENTICATED" });
            const p = url.pathname.replace("/api/2.0/mlflow", "");
            const body = raw ? JSON.parse(raw) : undefined;
            calls.push({ method: req.method!, path: p, query, body });
            const mv = (v: FakeVersion) => ({ name: "fraud-detector", version: v.version, run_id: v.run_id, status: v.status ?? "READY", tags: Object.entries(v.tags).map(([key, value]) => ({ key, value })) });
            const route = `${req.method} ${p}`;
            if (route === "GET /experiments/get-by-name") {
                return query.experiment_name === "fraud-detector" ? send(200, { experiment: { experiment_id: "7", name: "fraud-detector" } }) : send(404, { error_code: "RESOURCE_DOES_NOT_EXIST" });
            }
            if (route === "POST /runs/search") {
                const key = /^tags\.`mlops\.run_key` = '(.*)'$/.exec(body.filter)?.[1];
                assert.deepEqual(body.experiment_ids, ["7"]);
                const runs = state.runs.filter((r) => r.tags["mlops.run_key"] === key).sort((a, b) => b.start_time - a.start_time);
                return send(200, { runs: runs.map((r) => ({ info: { run_id: r.run_id, experiment_id: "7", start_time: r.start_time }, data: {} })) });
            }
            if (route === "GET /model-versions/search") {
                const f = /^name='([^']*)'(?: AND run_id='([^']*)')?$/.exec(query.filter as string);
                assert.ok(f && f[1] === "fraud-detector", `filter ${query.filter}`);
                assert.equal(query.order_by, "version_number DESC");
                const vs = state.versions.filter((v) => !f![2] || v.run_id === f![2]).sort((a, b) => Number(b.version) - Number(a.version));
                return send(200, { model_versions: vs.map(mv) });
            }
            if (route === "GET /model-versions/get") {
                const v = state.versions.find((x) => x.version === query.version)!;
                v.status = "READY";
                return send(200, { model_version: mv(v) });
            }
            if (route === "GET /runs/get") {
                const r = state.runs.find((x) => x.run_id === query.run_id);
                if (!r) return send(404, { error_code: "RESOURCE_DOES_NOT_EXIST" });
                return send(200, { run: { info: { run_id: r.run_id }, data: { metrics: Object.entries(r.metrics).map(([key, value]) => ({ key, value, timestamp: 1, step: 0 })) } } });
            }
            if (route === "POST /runs/set-tag") {
                state.runs.find((x) => x.run_id === body.run_id)!.tags[body.key] = body.value;
                return send(200, {});
            }
            if (route === "POST /model-versions/set-tag") {
                state.versions.find((x) => x.version === body.version)!.tags[body.key] = body.value;
                return send(200, {});
            }
            if (route === "GET /registered-models/alias") {
                const v = state.aliases[query.alias as string];
                return v ? send(200, { model_version: mv(state.versions.find((x) => x.version === v)!) }) : send(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "alias not found" });
            }
            if (route === "POST /registered-models/alias") {
                state.aliases[body.alias] = body.version;
                return send(200, {});
            }
            send(404, { error_code: "ENDPOINT_NOT_FOUND", message: route });
        });
    });
    return { server, calls, pushes };
}

/** Runs the script; resolves with its exit code and output (asynchronously: the fake server lives in this process). */
function runGate(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile("python3", [SCRIPT], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
            resolve({ code: err ? (typeof (err as Any).code === "number" ? (err as Any).code : 1) : 0, stdout, stderr });
        });
    });
}

/** Prometheus text-format samples of a push: `name{labels}` -> value. */
function samples(body: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of body.split("\n")) {
        if (!line || line.startsWith("#")) continue;
        const i = line.lastIndexOf(" ");
        out[line.slice(0, i)] = Number(line.slice(i + 1));
    }
    return out;
}

describe("quality_gate.py against a fake MLflow and Pushgateway", function () {
    const python = spawnSync("python3", ["--version"]).status === 0;
    let fake: ReturnType<typeof fakeMlflow>;
    let state: FakeState;
    let base: string;

    before(function () {
        if (!python) {
            console.log("    python3 is not installed: skipping the quality gate script's behaviour tests");
            this.skip();
        }
    });

    /** v11 is the champion (accuracy 0.875, passed), v12 failed; the run under test registers v13. */
    beforeEach(async () => {
        state = {
            runs: [
                { run_id: "r11", start_time: 1, tags: {}, metrics: { accuracy: 0.875, rmse: 0.24 } },
                { run_id: "r12", start_time: 2, tags: {}, metrics: { accuracy: 0.8 } },
                { run_id: "old-attempt", start_time: 3, tags: { "mlops.run_key": "job-uid-1" }, metrics: {} },
                { run_id: "r13", start_time: 4, tags: { "mlops.run_key": "job-uid-1" }, metrics: { accuracy: 0.87, rmse: 0.245 } },
            ],
            versions: [
                { version: "11", run_id: "r11", tags: { "mlops.quality_gate": "passed" } },
                { version: "12", run_id: "r12", tags: { "mlops.quality_gate": "failed" } },
                { version: "13", run_id: "r13", status: "PENDING_REGISTRATION", tags: {} },
            ],
            aliases: { champion: "11" },
        };
        fake = fakeMlflow(state);
        await new Promise<void>((ok) => fake.server.listen(0, "127.0.0.1", ok));
        base = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    });
    afterEach(() => new Promise<void>((ok) => fake.server.close(() => ok())));

    const env = (over: Record<string, string> = {}) => ({
        MLFLOW_TRACKING_URI: base, MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: PASSWORD, PUSHGATEWAY_URL: base,
        MLFLOW_EXPERIMENT_NAME: "fraud-detector", REGISTERED_MODEL: "fraud-detector", MODEL_NAME: "fraud-detector", MODEL_NAMESPACE: "ml-serving",
        MLOPS_RUN_KEY: "job-uid-1", QUALITY_METRIC: "accuracy", QUALITY_DIRECTION: "maximize", QUALITY_THRESHOLD: "0.85", QUALITY_MAX_REGRESSION: "0.01",
        GATE_REGISTRATION_WAIT_SECONDS: "20",
        ...over,
    });
    const aliasCalls = () => fake.calls.filter((c) => c.method === "POST" && c.path === "/registered-models/alias");
    const pushed = () => {
        assert.equal(fake.pushes.length, 1);
        assert.equal(fake.pushes[0].method, "PUT");
        assert.equal(fake.pushes[0].path, "/metrics/job/quality_gate/namespace/ml-serving/model/fraud-detector");
        return samples(fake.pushes[0].body);
    };

    it("above the threshold and within the margin: challenger -> the new version, tagged passed, run tagged with its trigger", async () => {
        const r = await runGate(env({ MLOPS_TRIGGER: "drift", MLOPS_TRIGGER_DETAIL: "psi 0.31 > 0.2" }));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(aliasCalls().map((c) => c.body), [{ name: "fraud-detector", alias: "challenger", version: "13" }]);
        assert.equal(state.aliases.champion, "11");
        assert.equal(state.versions[2].tags["mlops.quality_gate"], "passed");
        assert.equal(state.versions[2].tags["mlops.quality_gate.reason"], "accuracy 0.87 >= 0.85; within 0.01 of champion version 11 (0.875)");
        assert.deepEqual(state.runs[3].tags, { "mlops.run_key": "job-uid-1", "mlops.trigger": "drift", "mlops.trigger.detail": "psi 0.31 > 0.2" });
        assert.deepEqual(state.runs[2].tags, { "mlops.run_key": "job-uid-1" }, "the older attempt registered nothing; the newest run is judged");
        assert.ok(fake.calls.some((c) => c.path === "/model-versions/get"), "waited for the pending registration");
        assert.deepEqual(pushed(), {
            'mlops_quality_gate_passed{version="13"}': 1,
            "mlops_quality_gate_consecutive_failures": 0,
            'mlops_quality_gate_metric{version="13",metric="accuracy"}': 0.87,
        });
        assert.equal(JSON.parse(r.stdout.trim().split("\n").pop()!).passed, true);
    });

    it("below the threshold: no alias call, tagged failed with the reason, two failures in a row", async () => {
        state.runs[3].metrics.accuracy = 0.81;
        const r = await runGate(env());
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(aliasCalls(), []);
        assert.equal(state.versions[2].tags["mlops.quality_gate"], "failed");
        assert.equal(state.versions[2].tags["mlops.quality_gate.reason"], "accuracy 0.81 < 0.85");
        assert.equal(state.runs[3].tags["mlops.trigger"], "schedule", "no MLOPS_TRIGGER: a scheduled run");
        assert.deepEqual(pushed(), {
            'mlops_quality_gate_passed{version="13"}': 0,
            "mlops_quality_gate_consecutive_failures": 2,
            'mlops_quality_gate_metric{version="13",metric="accuracy"}': 0.81,
        });
    });

    it("behind the champion by more than maxRegression: failed, even above the threshold", async () => {
        state.runs[3].metrics.accuracy = 0.86;
        const r = await runGate(env());
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(aliasCalls(), []);
        assert.equal(state.versions[2].tags["mlops.quality_gate.reason"], "accuracy 0.86 is 0.015 behind champion version 11 (0.875), more than the 0.01 allowed");
        assert.equal(pushed()['mlops_quality_gate_passed{version="13"}'], 0);
    });

    it("exactly at the bound passes (0.85 >= 0.85) when there is no champion", async () => {
        state.runs[3].metrics.accuracy = 0.85;
        delete state.aliases.champion;
        const r = await runGate(env());
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(state.versions[2].tags["mlops.quality_gate.reason"], "accuracy 0.85 >= 0.85; no champion to compare with");
        assert.equal(state.aliases.challenger, "13");
    });

    it("minimize: lower is better, against a maximum and the champion's value plus the margin", async () => {
        const pass = await runGate(env({ QUALITY_METRIC: "rmse", QUALITY_DIRECTION: "minimize", QUALITY_THRESHOLD: "0.3", QUALITY_MAX_REGRESSION: "0.01" }));
        assert.equal(pass.code, 0, pass.stdout + pass.stderr);
        assert.equal(state.versions[2].tags["mlops.quality_gate.reason"], "rmse 0.245 <= 0.3; within 0.01 of champion version 11 (0.24)");
        assert.equal(state.aliases.challenger, "13");

        delete state.aliases.challenger;
        state.runs[3].metrics.rmse = 0.35;
        fake.pushes.length = 0;
        const fail = await runGate(env({ QUALITY_METRIC: "rmse", QUALITY_DIRECTION: "minimize", QUALITY_THRESHOLD: "0.3", QUALITY_MAX_REGRESSION: "0.01" }));
        assert.equal(fail.code, 0, fail.stdout + fail.stderr);
        assert.equal(state.versions[2].tags["mlops.quality_gate.reason"], "rmse 0.35 > 0.3");
        assert.equal(state.aliases.challenger, undefined);
        assert.equal(pushed()['mlops_quality_gate_metric{version="13",metric="rmse"}'], 0.35);

        state.runs[3].metrics.rmse = 0.26;
        fake.pushes.length = 0;
        await runGate(env({ QUALITY_METRIC: "rmse", QUALITY_DIRECTION: "minimize", QUALITY_THRESHOLD: "0.3", QUALITY_MAX_REGRESSION: "0.01" }));
        assert.equal(state.versions[2].tags["mlops.quality_gate.reason"], "rmse 0.26 is 0.02 behind champion version 11 (0.24), more than the 0.01 allowed");
    });

    it("a run that logged no such metric fails the gate (a decision), naming the metric", async () => {
        const r = await runGate(env({ QUALITY_METRIC: "f1" }));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(state.versions[2].tags["mlops.quality_gate.reason"], "the run logged no metric 'f1'");
        assert.deepEqual(pushed(), { 'mlops_quality_gate_passed{version="13"}': 0, "mlops_quality_gate_consecutive_failures": 2 });
    });

    it("cannot decide when the contract is not met: exits 2, names the tag, touches nothing", async () => {
        const r = await runGate(env({ MLOPS_RUN_KEY: "job-uid-unknown" }));
        assert.equal(r.code, 2);
        assert.match(r.stdout, /CANNOT DECIDE: contract not met: no run in experiment 'fraud-detector' is tagged mlops.run_key='job-uid-unknown'/);
        assert.deepEqual(fake.calls.filter((c) => c.method === "POST" && c.path !== "/runs/search"), []);
        assert.deepEqual(fake.pushes, []);

        state.versions = state.versions.filter((v) => v.version !== "13");
        const none = await runGate(env());
        assert.equal(none.code, 2);
        assert.match(none.stdout, /run r13 \(tagged mlops.run_key='job-uid-1'\) registered no version of 'fraud-detector'/);
    });

    it("cannot decide without its settings or MLflow's consent: exits 2 and says which", async () => {
        const missing = await runGate(env({ QUALITY_THRESHOLD: "", QUALITY_DIRECTION: "sideways" }));
        assert.equal(missing.code, 2);
        assert.match(missing.stdout, /QUALITY_THRESHOLD is not set; QUALITY_DIRECTION must be maximize or minimize, got 'sideways'/);
        const denied = await runGate(env({ MLFLOW_TRACKING_PASSWORD: "wrong" }));
        assert.equal(denied.code, 2);
        assert.match(denied.stdout, /answered 401 UNAUTHENTICATED/);
    });
});
