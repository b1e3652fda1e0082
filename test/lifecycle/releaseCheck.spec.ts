// release_check.py, run by this machine's python3 exactly as the analysis Job runs it (same file, same env as
// the AnalysisTemplate builds), against a fake MLflow REST API served by this test.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { RELEASE_SCRIPT, RELEASE_SCRIPT_FILE, releaseJobSpec, ReleaseModel } from "../../components/lifecycle/release";

interface Seen { method: string; path: string; query: Record<string, string>; auth?: string; body?: unknown }
type Handler = (req: Seen) => { status: number; body: unknown };

/** A fake MLflow: answers from `handler`, records every request. */
async function fakeMlflow(handler: Handler): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
    const seen: Seen[] = [];
    const server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (c) => (raw += c));
        req.on("end", () => {
            const u = new URL(req.url!, "http://x");
            const s: Seen = { method: req.method!, path: u.pathname, query: Object.fromEntries(u.searchParams), auth: req.headers.authorization, body: raw ? JSON.parse(raw) : undefined };
            seen.push(s);
            const a = handler(s);
            res.writeHead(a.status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(a.body));
        });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, seen, close: () => new Promise((ok) => server.close(() => ok())) };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-check-"));
const script = path.join(dir, RELEASE_SCRIPT_FILE);
fs.writeFileSync(script, RELEASE_SCRIPT);
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const fraud: ReleaseModel = { name: "fraud-detector", namespace: "ml-serving", quality: { metric: "accuracy", direction: "maximize", threshold: 0.85 } };
const USER = { name: "fraud-detector-reader", password: "s3cret" };

/** The env the AnalysisTemplate's Job gives the container, with the argument and the Secret's values filled in. */
function jobEnv(m: ReleaseModel, mode: "check" | "promote", trackingUri: string, modelUri: string): Record<string, string> {
    const spec = releaseJobSpec(m, { trackingUri, credentialsEnv: [], uid: 1000 }, mode, "ghcr.io/mlflow/mlflow:v3.15.2-full");
    const env: Record<string, string> = {};
    for (const e of spec.template.spec!.containers[0].env ?? []) env[e.name] = String(e.value).replace("{{args.model-uri}}", modelUri);
    return { ...env, MLFLOW_TRACKING_USERNAME: USER.name, MLFLOW_TRACKING_PASSWORD: USER.password, RELEASE_CHECK_ATTEMPTS: "2", PATH: process.env.PATH ?? "" };
}

function run(mode: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((ok) => execFile("python3", [script, mode], { env, timeout: 30_000 }, (err, stdout, stderr) =>
        ok({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr })));
}

/** MLflow's answers for one version: its tags and its run's metrics (shapes of model_registry.proto / service.proto). */
function registry(tags: Record<string, string>, metrics: Record<string, number>, runId = "run-13"): Handler {
    return (r) => {
        if (r.method === "GET" && r.path === "/api/2.0/mlflow/model-versions/get") {
            return { status: 200, body: { model_version: { name: r.query.name, version: r.query.version, run_id: runId, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) } } };
        }
        if (r.method === "GET" && r.path === "/api/2.0/mlflow/runs/get" && r.query.run_id === runId) {
            return { status: 200, body: { run: { info: { run_id: runId }, data: { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: 1 })) } } } };
        }
        if (r.method === "POST") return { status: 200, body: {} };
        return { status: 404, body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: `${r.method} ${r.path}` } };
    };
}

describe("release_check.py against a fake MLflow", function () {
    this.timeout(60_000);
    const basic = `Basic ${Buffer.from(`${USER.name}:${USER.password}`).toString("base64")}`;

    it("passes a version whose gate passed and whose accuracy meets the threshold, reading it as the given user", async () => {
        const mlflow = await fakeMlflow(registry({ "mlops.quality_gate": "passed" }, { accuracy: 0.91, loss: 0.2 }));
        const r = await run("check", jobEnv(fraud, "check", mlflow.url, "models:/fraud-detector/13"));
        await mlflow.close();
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /fraud-detector version 13 may be released: mlops\.quality_gate=passed, accuracy 0\.91 >= 0\.85/);
        assert.deepEqual(mlflow.seen.map((s) => [s.method, s.path, s.query, s.auth]), [
            ["GET", "/api/2.0/mlflow/model-versions/get", { name: "fraud-detector", version: "13" }, basic],
            ["GET", "/api/2.0/mlflow/runs/get", { run_id: "run-13" }, basic],
        ]);
    });

    it("refuses a version whose gate failed, quoting the gate's reason", async () => {
        const mlflow = await fakeMlflow(registry({ "mlops.quality_gate": "failed", "mlops.quality_gate.reason": "accuracy 0.83 below 0.85" }, { accuracy: 0.83 }));
        const r = await run("check", jobEnv(fraud, "check", mlflow.url, "models:/fraud-detector/14"));
        await mlflow.close();
        assert.equal(r.code, 1);
        assert.match(r.stderr, /release refused: fraud-detector version 14: mlops\.quality_gate is 'failed', not 'passed' \(accuracy 0\.83 below 0\.85\)/);
        assert.equal(mlflow.seen.length, 1, "no run lookup after a failed gate");
    });

    it("refuses a version that was never gated", async () => {
        const mlflow = await fakeMlflow(registry({}, { accuracy: 0.99 }));
        const r = await run("check", jobEnv(fraud, "check", mlflow.url, "models:/fraud-detector/15"));
        await mlflow.close();
        assert.equal(r.code, 1);
        assert.match(r.stderr, /mlops\.quality_gate is None, not 'passed'/);
    });

    it("refuses a gated version whose metric is below the configured threshold (the gate may have been looser)", async () => {
        const mlflow = await fakeMlflow(registry({ "mlops.quality_gate": "passed" }, { accuracy: 0.84 }));
        const r = await run("check", jobEnv(fraud, "check", mlflow.url, "models:/fraud-detector/13"));
        await mlflow.close();
        assert.equal(r.code, 1);
        assert.match(r.stderr, /fraud-detector version 13: accuracy 0\.84 is not >= 0\.85/);
    });

    it("applies a maximum for lower-is-better metrics, and refuses a run without the metric", async () => {
        const rmse: ReleaseModel = { name: "demand", namespace: "ml-serving", quality: { metric: "rmse", direction: "minimize", threshold: 0.25 } };
        const mlflow = await fakeMlflow(registry({ "mlops.quality_gate": "passed" }, { rmse: 0.3 }));
        const high = await run("check", jobEnv(rmse, "check", mlflow.url, "models:/demand/2"));
        const missing = await run("check", jobEnv({ ...rmse, quality: { ...rmse.quality, metric: "mae" } }, "check", mlflow.url, "models:/demand/2"));
        await mlflow.close();
        assert.equal(high.code, 1);
        assert.match(high.stderr, /demand version 2: rmse 0\.3 is not <= 0\.25/);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /run run-13 logged no metric 'mae'/);
    });

    it("cannot run (exit 3) on an alias URI, or when MLflow denies the user", async () => {
        const mlflow = await fakeMlflow(() => ({ status: 403, body: { error_code: "PERMISSION_DENIED", message: "Permission denied" } }));
        const alias = await run("check", jobEnv(fraud, "check", mlflow.url, "models:/fraud-detector@champion"));
        const denied = await run("check", jobEnv(fraud, "check", mlflow.url, "models:/fraud-detector/13"));
        await mlflow.close();
        assert.equal(alias.code, 3);
        assert.match(alias.stderr, /MODEL_URI 'models:\/fraud-detector@champion' must be models:\/<name>\/<version>/);
        assert.equal(denied.code, 3);
        assert.match(denied.stderr, /answered 403/);
        assert.equal(mlflow.seen.length, 1, "a 4xx is not retried");
    });

    it("retries a 5xx answer, then passes", async () => {
        let first = true;
        const ok = registry({ "mlops.quality_gate": "passed" }, { accuracy: 0.9 });
        const mlflow = await fakeMlflow((r) => {
            if (first) {
                first = false;
                return { status: 503, body: {} };
            }
            return ok(r);
        });
        const r = await run("check", jobEnv(fraud, "check", mlflow.url, "models:/fraud-detector/13"));
        await mlflow.close();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(mlflow.seen.length, 3);
    });

    it("promote moves the champion alias to the version and tags it promoted, naming the Rollout", async () => {
        const mlflow = await fakeMlflow(registry({}, {}));
        const r = await run("promote", jobEnv(fraud, "promote", mlflow.url, "models:/fraud-detector/13"));
        await mlflow.close();
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(mlflow.seen.map((s) => [s.method, s.path, s.body]), [
            ["POST", "/api/2.0/mlflow/registered-models/alias", { name: "fraud-detector", alias: "champion", version: "13" }],
            ["POST", "/api/2.0/mlflow/model-versions/set-tag", { name: "fraud-detector", version: "13", key: "mlops.release", value: "promoted" }],
            ["POST", "/api/2.0/mlflow/model-versions/set-tag", { name: "fraud-detector", version: "13", key: "mlops.release.reason", value: "released by Rollout ml-serving/fraud-detector" }],
        ]);
        assert.ok(mlflow.seen.every((s) => s.auth === basic));
    });

    it("rejects an unknown mode", async () => {
        const r = await run("delete", { PATH: process.env.PATH ?? "" });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /usage: release_check.py \[check\|promote\]/);
    });
});
