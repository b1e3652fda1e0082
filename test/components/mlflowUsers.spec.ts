// The platform's MLflow users: grants, the Job's pod, and the Job's script run against a stand-in MLflow.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    CREATE_USERS_SCRIPT, MLFLOW_USER_PERMISSIONS, modelCredentialSecrets, modelGrants, registeredModelName, usersJobPodSpec,
} from "../../components/mlflow/manifests";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { Any } from "../plans";

describe("MLflow users (pure parts)", () => {
    it("a reader per model (READ, READ), a writer (EDIT, EDIT) only for models with jobs", () => {
        const grants = modelGrants([
            { model: "fraud", namespace: "ml-serving", registeredModel: "fraud", jobs: true },
            { model: "churn", namespace: "ml-serving", registeredModel: "churn-v2", jobs: false },
        ]);
        assert.deepEqual(grants, [
            { username: "fraud-reader", experiment: "fraud", experimentPermission: "READ", registeredModel: "fraud", registeredModelPermission: "READ" },
            { username: "fraud-writer", experiment: "fraud", experimentPermission: "EDIT", registeredModel: "fraud", registeredModelPermission: "EDIT" },
            { username: "churn-reader", experiment: "churn", experimentPermission: "READ", registeredModel: "churn-v2", registeredModelPermission: "READ" },
        ]);
        assert.deepEqual(MLFLOW_USER_PERMISSIONS, { reader: { experiment: "READ", registeredModel: "READ" }, writer: { experiment: "EDIT", registeredModel: "EDIT" } });
        assert.deepEqual(modelCredentialSecrets("fraud"), { reader: "fraud-mlflow-reader", writer: "fraud-mlflow-writer" });
    });

    it("grants on the registered model the server's URI names", () => {
        assert.equal(registeredModelName("models:/fraud-detector@champion", "x"), "fraud-detector");
        assert.equal(registeredModelName("models:/ranker/3", "x"), "ranker");
        assert.equal(registeredModelName("runs:/abc/model", "fallback"), "fallback");
    });

    it("the Job's pod: restricted, no API token, platform-critical, HOME on an emptyDir, and schema-valid", async () => {
        const spec = usersJobPodSpec({ image: "ghcr.io/mlflow/mlflow:v3.15.2-full", trackingUri: "http://mlflow.mlflow.svc.cluster.local:5000", configMap: "mlflow-users", passwordsSecret: "mlflow-users-passwords" }) as Any;
        assert.deepEqual([spec.automountServiceAccountToken, spec.priorityClassName, spec.restartPolicy], [false, "mlops-platform-critical", "Never"]);
        assert.equal(spec.securityContext.runAsNonRoot, true);
        const [c] = spec.containers;
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(c.env.find((e: Any) => e.name === "HOME"), { name: "HOME", value: "/tmp" });
        assert.deepEqual(c.volumeMounts.find((m: Any) => m.mountPath === "/tmp"), { name: "tmp", mountPath: "/tmp" });
        assert.ok(c.resources.limits.memory && c.resources.requests.cpu);
        const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "users", namespace: "mlflow" }, spec: { template: { spec } } };
        assert.deepEqual(await validateObject(JSON.parse(JSON.stringify(job))), []);
    });

    describe("the Job's script, against a stand-in MLflow server", function () {
        // The stand-in keeps its state in a file between runs, answers like MLflow's auth API (create_* raise
        // RESOURCE_ALREADY_EXISTS when the user or grant exists), and the script runs under real Python.
        const python = spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;
        const STUB = `
import json, os
STATE = os.environ["STUB_STATE"]
def load():
    return json.load(open(STATE)) if os.path.exists(STATE) else {"users": {}, "exp": {}, "models": [], "exp_perms": {}, "model_perms": {}, "calls": []}
def save(s): json.dump(s, open(STATE, "w"))
class MlflowException(Exception):
    def __init__(self, message, error_code="INTERNAL_ERROR"):
        super().__init__(message); self.error_code = error_code
def exists(what): raise MlflowException(what + " exists", "RESOURCE_ALREADY_EXISTS")
def missing(what): raise MlflowException(what + " missing", "RESOURCE_DOES_NOT_EXIST")
class AuthServiceClient:
    def __init__(self, uri): self.uri = uri
    def _do(self, name, f):
        s = load(); s["calls"].append(name); save(s)
        f(s); save(s)
    def create_user(self, u, p):
        def f(s):
            if u in s["users"]: exists(u)
            s["users"][u] = p
        self._do("create_user", f)
    def update_user_password(self, u, p):
        def f(s):
            if u not in s["users"]: missing(u)
            s["users"][u] = p
        self._do("update_user_password", f)
    def _perm(self, table, key, p, create):
        def f(s):
            if create and key in s[table]: exists(key)
            if not create and key not in s[table]: missing(key)
            s[table][key] = p
        self._do(("create_" if create else "update_") + table, f)
    def create_experiment_permission(self, e, u, p): self._perm("exp_perms", e + "/" + u, p, True)
    def update_experiment_permission(self, e, u, p): self._perm("exp_perms", e + "/" + u, p, False)
    def create_registered_model_permission(self, m, u, p): self._perm("model_perms", m + "/" + u, p, True)
    def update_registered_model_permission(self, m, u, p): self._perm("model_perms", m + "/" + u, p, False)
class Experiment:
    def __init__(self, i): self.experiment_id = i; self.lifecycle_stage = "active"
class MlflowClient:
    def __init__(self, uri): self.uri = uri
    def get_experiment_by_name(self, n):
        s = load(); return Experiment(s["exp"][n]) if n in s["exp"] else None
    def create_experiment(self, n):
        s = load(); s["exp"][n] = str(len(s["exp"]) + 1); save(s); return s["exp"][n]
    def restore_experiment(self, i): pass
    def create_registered_model(self, n):
        s = load()
        if n in s["models"]: exists(n)
        s["models"].append(n); save(s)
`;
        let dir: string;
        const run = (grants: unknown, passwords: unknown) => {
            writeFileSync(join(dir, "grants.json"), JSON.stringify(grants));
            writeFileSync(join(dir, "passwords.json"), JSON.stringify(passwords));
            return spawnSync(python!, [join(dir, "create_users.py")], {
                encoding: "utf8",
                env: { ...process.env, PYTHONPATH: join(dir, "stub"), STUB_STATE: join(dir, "state.json"), MLFLOW_TRACKING_URI: "http://mlflow:5000", GRANTS_FILE: join(dir, "grants.json"), PASSWORDS_FILE: join(dir, "passwords.json") },
            });
        };
        const state = () => JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));

        before(function () {
            if (!python) this.skip();
            dir = mkdtempSync(join(tmpdir(), "mlflow-users-"));
            const pkg = (path: string, body = "") => {
                mkdirSync(join(dir, "stub", path), { recursive: true });
                writeFileSync(join(dir, "stub", path, "__init__.py"), body);
            };
            pkg("mlflow");
            pkg("mlflow/server");
            pkg("mlflow/server/auth");
            writeFileSync(join(dir, "stub", "mlflow", "_stub.py"), STUB);
            writeFileSync(join(dir, "stub", "mlflow", "exceptions.py"), "from mlflow._stub import MlflowException\n");
            writeFileSync(join(dir, "stub", "mlflow", "server", "auth", "client.py"), "from mlflow._stub import AuthServiceClient\n");
            pkg("mlflow/tracking", "from mlflow._stub import MlflowClient\n");
            writeFileSync(join(dir, "create_users.py"), CREATE_USERS_SCRIPT);
        });

        const grants = modelGrants([{ model: "fraud", namespace: "ml-serving", registeredModel: "fraud", jobs: true }]);

        it("creates users, the experiment, the registered model and both grants", () => {
            const r = run(grants, { "fraud-reader": "r1", "fraud-writer": "w1" });
            assert.equal(r.status, 0, r.stderr);
            const s = state();
            assert.deepEqual(s.users, { "fraud-reader": "r1", "fraud-writer": "w1" });
            assert.deepEqual([s.exp, s.models], [{ fraud: "1" }, ["fraud"]]);
            assert.deepEqual(s.exp_perms, { "1/fraud-reader": "READ", "1/fraud-writer": "EDIT" });
            assert.deepEqual(s.model_perms, { "fraud/fraud-reader": "READ", "fraud/fraud-writer": "EDIT" });
        });

        it("runs again without failing: new passwords and changed grants are applied, nothing is duplicated", () => {
            const changed = grants.map((g) => (g.username === "fraud-writer" ? { ...g, experimentPermission: "MANAGE" } : g));
            const r = run(changed, { "fraud-reader": "r2", "fraud-writer": "w2" });
            assert.equal(r.status, 0, r.stderr);
            const s = state();
            assert.deepEqual(s.users, { "fraud-reader": "r2", "fraud-writer": "w2" });
            assert.deepEqual([s.exp, s.models], [{ fraud: "1" }, ["fraud"]]);
            assert.deepEqual(s.exp_perms, { "1/fraud-reader": "READ", "1/fraud-writer": "MANAGE" });
            assert.ok(s.calls.includes("update_user_password") && s.calls.includes("update_exp_perms"));
        });

        it("fails on any other error instead of hiding it", () => {
            const r = run(grants, { "fraud-reader": "r3" });
            assert.notEqual(r.status, 0, "a user without a password is an error");
        });
    });
});
