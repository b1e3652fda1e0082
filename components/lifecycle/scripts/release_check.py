#!/usr/bin/env python3
"""Release-time quality check of a model version, and its promotion to champion.

    release_check.py check    exit 0 when the version may take traffic, 1 (with the reason) when not
    release_check.py promote  moves the `champion` alias to the version, tags mlops.release=promoted

Run by Argo Rollouts' job provider (the Rollout's analysis) and by the rolling models' init container, with
the pinned MLflow image; Python 3 standard library only. Environment:

    MODEL_URI                  models:/<registered model>/<version> (the candidate's, from its pod template)
    MLFLOW_TRACKING_URI        MLflow's in-cluster URL
    MLFLOW_TRACKING_USERNAME   basic auth: the model's reader (check) or writer (promote)
    MLFLOW_TRACKING_PASSWORD
    QUALITY_METRIC             the metric the version's training run logged (check)
    QUALITY_DIRECTION          maximize | minimize (check)
    QUALITY_THRESHOLD          at least (maximize) or at most (minimize) this (check)
    RELEASE_CONTEXT            who releases, recorded on promotion (e.g. "Rollout ml-serving/fraud-detector")

MLflow REST API 2.0, as in mlflow/protos/model_registry.proto and service.proto: GET model-versions/get,
GET runs/get, POST registered-models/alias, POST model-versions/set-tag. The auth app
(mlflow/server/auth/__init__.py) lets READ on the registered model and experiment read them; setting an
alias or a version tag needs EDIT (validate_can_update_registered_model).
"""
import base64
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

GATE_TAG = "mlops.quality_gate"
GATE_REASON_TAG = "mlops.quality_gate.reason"
RELEASE_TAG = "mlops.release"
RELEASE_REASON_TAG = "mlops.release.reason"
CHAMPION = "champion"
ATTEMPTS = int(os.environ.get("RELEASE_CHECK_ATTEMPTS", "5"))


class Refused(Exception):
    """The version must not be released; the message says why."""


class Broken(Exception):
    """The check could not run (configuration, MLflow unreachable); the message says why."""


def env(name):
    value = os.environ.get(name, "")
    if not value:
        raise Broken(f"environment variable {name} is required")
    return value


def parse_uri(uri):
    m = re.fullmatch(r"models:/([^/@]+)/([0-9]+)", uri)
    if not m:
        raise Broken(f"MODEL_URI {uri!r} must be models:/<name>/<version>: a release pins a version")
    return m.group(1), m.group(2)


def call(method, path, query=None, body=None):
    """One MLflow REST call; retries connection errors and 5xx answers, fails at once on 4xx."""
    base = env("MLFLOW_TRACKING_URI").rstrip("/")
    url = f"{base}/api/2.0/mlflow/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    user = env("MLFLOW_TRACKING_USERNAME")
    password = env("MLFLOW_TRACKING_PASSWORD")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    last = None
    for attempt in range(ATTEMPTS):
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read().decode() or "{}"
                return json.loads(text)
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")[:500]
            if e.code < 500:
                raise Broken(f"MLflow {method} {path} answered {e.code}: {detail}") from None
            last = f"MLflow {method} {path} answered {e.code}: {detail}"
        except (urllib.error.URLError, OSError) as e:
            last = f"MLflow {method} {path} unreachable: {e}"
        time.sleep(min(2 ** attempt, 10))
    raise Broken(last)


def tags_of(version):
    return {t.get("key"): t.get("value") for t in version.get("tags", [])}


def check():
    name, number = parse_uri(env("MODEL_URI"))
    metric = env("QUALITY_METRIC")
    direction = env("QUALITY_DIRECTION")
    if direction not in ("maximize", "minimize"):
        raise Broken(f"QUALITY_DIRECTION {direction!r} must be maximize or minimize")
    try:
        threshold = float(env("QUALITY_THRESHOLD"))
    except ValueError:
        raise Broken(f"QUALITY_THRESHOLD {os.environ['QUALITY_THRESHOLD']!r} must be a number") from None
    version = call("GET", "model-versions/get", {"name": name, "version": number}).get("model_version", {})
    tags = tags_of(version)
    gate = tags.get(GATE_TAG)
    if gate != "passed":
        why = tags.get(GATE_REASON_TAG)
        raise Refused(f"{name} version {number}: {GATE_TAG} is {gate!r}, not 'passed'" + (f" ({why})" if why else ""))
    run_id = version.get("run_id")
    if not run_id:
        raise Refused(f"{name} version {number} has no training run, so its {metric} cannot be read")
    run = call("GET", "runs/get", {"run_id": run_id}).get("run", {})
    values = {m.get("key"): m.get("value") for m in run.get("data", {}).get("metrics", [])}
    if metric not in values:
        raise Refused(f"{name} version {number}: run {run_id} logged no metric {metric!r}")
    value = float(values[metric])
    ok = value >= threshold if direction == "maximize" else value <= threshold
    bound = ">=" if direction == "maximize" else "<="
    if not ok:
        raise Refused(f"{name} version {number}: {metric} {value} is not {bound} {threshold}")
    return f"{name} version {number} may be released: {GATE_TAG}=passed, {metric} {value} {bound} {threshold}"


def promote():
    name, number = parse_uri(env("MODEL_URI"))
    context = os.environ.get("RELEASE_CONTEXT", "")
    call("POST", "registered-models/alias", body={"name": name, "alias": CHAMPION, "version": number})
    call("POST", "model-versions/set-tag", body={"name": name, "version": number, "key": RELEASE_TAG, "value": "promoted"})
    if context:
        call("POST", "model-versions/set-tag", body={"name": name, "version": number, "key": RELEASE_REASON_TAG, "value": f"released by {context}"})
    return f"{name} version {number} is {CHAMPION}: {RELEASE_TAG}=promoted"


def main(argv):
    mode = argv[1] if len(argv) > 1 else "check"
    actions = {"check": check, "promote": promote}
    if mode not in actions or len(argv) > 2:
        print("usage: release_check.py [check|promote]", file=sys.stderr)
        return 2
    try:
        print(actions[mode]())
        return 0
    except Refused as e:
        print(f"release refused: {e}", file=sys.stderr)
        return 1
    except Broken as e:
        print(f"release check could not run: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))
