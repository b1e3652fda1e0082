"""The platform's quality gate: runs after a model's retraining and decides whether the version it
registered becomes `challenger`.

Python 3 standard library only: it runs in the pinned MLflow image and, in tests, on any python3 against a fake
MLflow server. It talks to MLflow's REST API 2.0 (endpoints checked in mlflow/mlflow
mlflow/protos/service.proto and model_registry.proto) and pushes to the Pushgateway in the text format.

Contract with the training image (docs/lifecycle.md, "Quality gate"): the trainer tags its MLflow run
`mlops.run_key` with the value of MLOPS_RUN_KEY (unique per retraining run, set by the platform), logs
QUALITY_METRIC on that run and registers the model from it as a version of REGISTERED_MODEL.

Exit status: 0 when the gate decided (passed or failed: the decision is on the version's tags), 2 when it
could not decide (bad settings, the contract not met, MLflow unreachable).
"""
import base64
import json
import math
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

CHALLENGER = "challenger"
CHAMPION = "champion"
RUN_KEY_TAG = "mlops.run_key"
TRIGGER_TAG = "mlops.trigger"
TRIGGER_DETAIL_TAG = "mlops.trigger.detail"
GATE_TAG = "mlops.quality_gate"
REASON_TAG = "mlops.quality_gate.reason"
PUSH_JOB = "quality_gate"
# Floating point slack when comparing with a bound written in config (0.85 >= 0.85 must hold).
EPSILON = 1e-9


class CannotDecide(Exception):
    """The gate has no decision to record: settings, contract or MLflow failed."""


def log(msg):
    print(f"quality-gate: {msg}", flush=True)


def settings(env):
    """The gate's settings from its environment; raises CannotDecide naming every missing or bad one."""
    problems = []

    def need(name):
        v = env.get(name, "").strip()
        if not v:
            problems.append(f"{name} is not set")
        return v

    def number(name):
        v = need(name)
        try:
            return float(v) if v else math.nan
        except ValueError:
            problems.append(f"{name} must be a number, got {v!r}")
            return math.nan

    s = {
        "tracking_uri": need("MLFLOW_TRACKING_URI").rstrip("/"),
        "experiment": need("MLFLOW_EXPERIMENT_NAME"),
        "registered_model": need("REGISTERED_MODEL"),
        "model": need("MODEL_NAME"),
        "namespace": env.get("MODEL_NAMESPACE", "").strip(),
        "run_key": need("MLOPS_RUN_KEY"),
        "metric": need("QUALITY_METRIC"),
        "direction": need("QUALITY_DIRECTION"),
        "threshold": number("QUALITY_THRESHOLD"),
        "max_regression": number("QUALITY_MAX_REGRESSION"),
        "trigger": env.get("MLOPS_TRIGGER", "").strip() or "schedule",
        "trigger_detail": env.get("MLOPS_TRIGGER_DETAIL", "").strip(),
        "pushgateway": env.get("PUSHGATEWAY_URL", "").strip().rstrip("/"),
        "username": env.get("MLFLOW_TRACKING_USERNAME", ""),
        "password": env.get("MLFLOW_TRACKING_PASSWORD", ""),
        "registration_wait": float(env.get("GATE_REGISTRATION_WAIT_SECONDS", "300") or 300),
    }
    if s["direction"] and s["direction"] not in ("maximize", "minimize"):
        problems.append(f"QUALITY_DIRECTION must be maximize or minimize, got {s['direction']!r}")
    if problems:
        raise CannotDecide("; ".join(problems))
    return s


class Mlflow:
    """A minimal MLflow REST client: basic auth, JSON in and out, retries on connection errors and 5xx."""

    def __init__(self, s, attempts=3):
        self.base = s["tracking_uri"] + "/api/2.0/mlflow"
        self.auth = None
        if s["username"]:
            token = base64.b64encode(f"{s['username']}:{s['password']}".encode()).decode()
            self.auth = f"Basic {token}"
        self.attempts = attempts

    def call(self, method, path, params=None, body=None, missing_ok=False):
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(1, self.attempts + 1):
            req = urllib.request.Request(url, data=data, method=method)
            req.add_header("Content-Type", "application/json")
            if self.auth:
                req.add_header("Authorization", self.auth)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    text = resp.read().decode() or "{}"
                    return json.loads(text)
            except urllib.error.HTTPError as e:
                detail = e.read().decode(errors="replace")
                try:
                    code = json.loads(detail).get("error_code", "")
                except ValueError:
                    code = ""
                if missing_ok and e.code == 404 and code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", ""):
                    return None
                if e.code < 500 or attempt == self.attempts:
                    raise CannotDecide(f"MLflow {method} {path} answered {e.code} {code}: {detail[:300]}")
            except (urllib.error.URLError, OSError) as e:
                if attempt == self.attempts:
                    raise CannotDecide(f"MLflow {method} {path} unreachable: {e}")
            time.sleep(2 * attempt)
        raise CannotDecide(f"MLflow {method} {path} failed")


def find_run(api, s):
    """The newest run of the experiment tagged with this retraining's run key."""
    exp = api.call("GET", "/experiments/get-by-name", {"experiment_name": s["experiment"]}, missing_ok=True)
    if not exp:
        raise CannotDecide(f"contract not met: experiment {s['experiment']!r} does not exist (the trainer logs its run there)")
    exp_id = exp["experiment"]["experiment_id"]
    key = s["run_key"].replace("'", "")
    found = api.call("POST", "/runs/search", body={
        "experiment_ids": [exp_id],
        "filter": f"tags.`{RUN_KEY_TAG}` = '{key}'",
        "order_by": ["attributes.start_time DESC"],
        "max_results": 10,
    })
    runs = found.get("runs", [])
    if not runs:
        raise CannotDecide(f"contract not met: no run in experiment {s['experiment']!r} is tagged {RUN_KEY_TAG}={key!r}; "
                           f"the training image must set that tag from MLOPS_RUN_KEY")
    return runs


def find_version(api, s, runs):
    """The newest version of the registered model created from one of the runs (newest run first)."""
    rm = s["registered_model"].replace("'", "")
    for run in runs:
        run_id = run["info"]["run_id"]
        found = api.call("GET", "/model-versions/search", {
            "filter": f"name='{rm}' AND run_id='{run_id}'",
            "order_by": ["version_number DESC"],
            "max_results": 10,
        })
        versions = found.get("model_versions", [])
        if versions:
            return run, versions[0]
    raise CannotDecide(f"contract not met: run {runs[0]['info']['run_id']} (tagged {RUN_KEY_TAG}={s['run_key']!r}) "
                       f"registered no version of {s['registered_model']!r}")


def wait_ready(api, s, version):
    """Waits (bounded) for a pending registration; a failed one cannot be judged."""
    deadline = time.monotonic() + s["registration_wait"]
    pause = 1
    while version.get("status", "READY") == "PENDING_REGISTRATION":
        if time.monotonic() > deadline:
            raise CannotDecide(f"version {version['version']} is still PENDING_REGISTRATION after {s['registration_wait']:.0f}s")
        time.sleep(pause)
        pause = min(pause * 2, 15)
        version = api.call("GET", "/model-versions/get", {"name": s["registered_model"], "version": version["version"]})["model_version"]
    if version.get("status") == "FAILED_REGISTRATION":
        raise CannotDecide(f"version {version['version']} failed to register: {version.get('status_message', '')}")
    return version


def run_metric(api, run_id, metric):
    """The run's latest value of the metric, or None when it logged none."""
    run = api.call("GET", "/runs/get", {"run_id": run_id})["run"]
    for m in run.get("data", {}).get("metrics", []):
        if m.get("key") == metric:
            return float(m["value"])
    return None


def fmt(x):
    return f"{x:.6g}"


def decide(s, value, champion):
    """(passed, reason): the candidate's metric against the bound, then against the champion's."""
    metric, maximize = s["metric"], s["direction"] == "maximize"
    if value is None:
        return False, f"the run logged no metric {metric!r}"
    if math.isnan(value):
        return False, f"{metric} is NaN"
    t = s["threshold"]
    if maximize and value < t - EPSILON:
        return False, f"{metric} {fmt(value)} < {fmt(t)}"
    if not maximize and value > t + EPSILON:
        return False, f"{metric} {fmt(value)} > {fmt(t)}"
    bound = f"{metric} {fmt(value)} {'>=' if maximize else '<='} {fmt(t)}"
    if champion is None:
        return True, f"{bound}; no champion to compare with"
    ver, cval = champion
    if cval is None:
        return True, f"{bound}; champion version {ver} has no {metric} to compare with"
    behind = (cval - value) if maximize else (value - cval)
    if behind > s["max_regression"] + EPSILON:
        return False, (f"{metric} {fmt(value)} is {fmt(behind)} behind champion version {ver} ({fmt(cval)}), "
                       f"more than the {fmt(s['max_regression'])} allowed")
    return True, f"{bound}; within {fmt(s['max_regression'])} of champion version {ver} ({fmt(cval)})"


def consecutive_failures(api, s, version, passed):
    """Failed versions in a row, newest first, up to the last passed one (versions the gate never saw are skipped)."""
    found = api.call("GET", "/model-versions/search", {
        "filter": f"name='{s['registered_model']}'",
        "order_by": ["version_number DESC"],
        "max_results": 200,
    })
    count = 0
    for v in found.get("model_versions", []):
        if v["version"] == version:
            outcome = "passed" if passed else "failed"
        else:
            outcome = {t["key"]: t.get("value") for t in v.get("tags", [])}.get(GATE_TAG)
        if outcome == "passed":
            break
        if outcome == "failed":
            count += 1
    return count


def label_value(v):
    return str(v).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def exposition(s, version, passed, value, failures):
    """The pushed group, in the Prometheus text format (model and namespace come from the grouping key)."""
    ver = label_value(version)
    lines = [
        "# TYPE mlops_quality_gate_passed gauge",
        f'mlops_quality_gate_passed{{version="{ver}"}} {1 if passed else 0}',
        "# TYPE mlops_quality_gate_consecutive_failures gauge",
        f"mlops_quality_gate_consecutive_failures {failures}",
    ]
    if value is not None:
        lines += ["# TYPE mlops_quality_gate_metric gauge",
                  f'mlops_quality_gate_metric{{version="{ver}",metric="{label_value(s["metric"])}"}} {value!r}']
    return "\n".join(lines) + "\n"


def push(s, body):
    """PUT replaces the model's group: the dashboards show one series per version, the latest one current."""
    if not s["pushgateway"]:
        log("PUSHGATEWAY_URL is not set: no metrics pushed")
        return
    path = f"/metrics/job/{PUSH_JOB}"
    if s["namespace"]:
        path += f"/namespace/{urllib.parse.quote(s['namespace'], safe='')}"
    path += f"/model/{urllib.parse.quote(s['model'], safe='')}"
    req = urllib.request.Request(s["pushgateway"] + path, data=body.encode(), method="PUT")
    req.add_header("Content-Type", "text/plain; version=0.0.4")
    try:
        with urllib.request.urlopen(req, timeout=30):
            pass
    except (urllib.error.URLError, OSError) as e:
        # The decision is recorded in MLflow already; a missing push is seen by the Pushgateway's own alerts.
        log(f"WARNING: pushing metrics to {s['pushgateway']} failed: {e}")


def main(env):
    s = settings(env)
    api = Mlflow(s)
    runs = find_run(api, s)
    run, version = find_version(api, s, runs)
    run_id = run["info"]["run_id"]
    # Why the run happened, on the run itself (the trainer need not know).
    api.call("POST", "/runs/set-tag", body={"run_id": run_id, "key": TRIGGER_TAG, "value": s["trigger"]})
    if s["trigger_detail"]:
        api.call("POST", "/runs/set-tag", body={"run_id": run_id, "key": TRIGGER_DETAIL_TAG, "value": s["trigger_detail"][:5000]})
    version = wait_ready(api, s, version)
    number = version["version"]
    value = run_metric(api, run_id, s["metric"])

    champion = None
    current = api.call("GET", "/registered-models/alias", {"name": s["registered_model"], "alias": CHAMPION}, missing_ok=True)
    if current and current.get("model_version"):
        cv = current["model_version"]
        cval = run_metric(api, cv["run_id"], s["metric"]) if cv.get("run_id") else None
        champion = (cv["version"], cval)

    passed, reason = decide(s, value, champion)
    rm = s["registered_model"]
    for key, val in ((GATE_TAG, "passed" if passed else "failed"), (REASON_TAG, reason)):
        api.call("POST", "/model-versions/set-tag", body={"name": rm, "version": number, "key": key, "value": val})
    if passed:
        api.call("POST", "/registered-models/alias", body={"name": rm, "alias": CHALLENGER, "version": number})
    failures = consecutive_failures(api, s, number, passed)
    push(s, exposition(s, number, passed, value, failures))
    log(f"{rm} version {number} (run {run_id}, trigger {s['trigger']}): {'PASSED' if passed else 'FAILED'}: {reason}")
    if passed:
        log(f"alias {CHALLENGER} -> version {number}")
    print(json.dumps({"model": s["model"], "version": number, "run_id": run_id, "passed": passed, "reason": reason,
                      "consecutive_failures": failures, "trigger": s["trigger"]}), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(dict(os.environ)))
    except CannotDecide as e:
        log(f"CANNOT DECIDE: {e}")
        sys.exit(2)
