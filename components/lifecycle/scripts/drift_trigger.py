#!/usr/bin/env python3
"""Drift-triggered retraining: the second step of a model's drift check (docs/lifecycle.md).

The drift image (an init container) wrote its verdict to DRIFT_RESULT:
    {"method": "psi", "score": 0.31, "features": {"amount": 0.42, ...}}
When the score is above DRIFT_THRESHOLD this script starts one retraining run, queued by Kueue:
  1. at most one run in flight: no unfinished Job of the retrain CronJob (a suspended Job waiting in Kueue
     counts) and, for a multi-node model, no unfinished JobSet;
  2. cooldown: the CronJob's `mlops.platform/last-drift-trigger` annotation (RFC 3339) is older than
     DRIFT_COOLDOWN_MINUTES; the annotation is claimed first, with the CronJob's resourceVersion, so two
     checks can never both start a run;
  3. creates the run from what the schedule would create: a Job from the CronJob's jobTemplate (suspended,
     with Kueue's queue-name and priority labels, owned by the CronJob and listed in its status.active so
     the schedule's concurrencyPolicy Forbid waits for it), or, multi-node, the JobSet from its ConfigMap;
     labelled `mlops.platform/trigger: drift`, with MLOPS_TRIGGER=drift and MLOPS_TRIGGER_DETAIL on every
     container (the retraining run tags its MLflow run `mlops.trigger` from them);
  4. pushes mlops_retraining_triggered_timestamp_seconds{model, trigger="drift"} to the Pushgateway.

Python 3 standard library only (runs in the pinned MLflow image). It talks to the Kubernetes API as the
pod's service account (projected token and CA); tests point KUBE_API_URL at a fake server.
Checked against the Kubernetes API reference (batch/v1 CronJob, Job; JSON merge patch on the object and
on its status subresource) and JobSet v0.12.0's CRD (status.terminalState is set once a JobSet finishes).
"""
import datetime
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
TRIGGER_LABEL = "mlops.platform/trigger"
LAST_TRIGGER_ANNOTATION = "mlops.platform/last-drift-trigger"
DETAIL_ANNOTATION = "mlops.platform/trigger-detail"
JOBSET_API = "/apis/jobset.x-k8s.io/v1alpha2"


def log(decision, **fields):
    """One JSON line per decision: what the pod log (and the tests) read."""
    print(json.dumps({"decision": decision, **fields}, sort_keys=True), flush=True)


class Api:
    """A minimal Kubernetes API client: JSON in, JSON out, bearer token, the cluster's CA."""

    def __init__(self, env):
        host = env.get("KUBERNETES_SERVICE_HOST")
        port = env.get("KUBERNETES_SERVICE_PORT", "443")
        self.base = env.get("KUBE_API_URL") or f"https://{host}:{port}"
        with open(env.get("KUBE_TOKEN_PATH", f"{SA_DIR}/token"), encoding="utf-8") as f:
            self.token = f.read().strip()
        ca = env.get("KUBE_CA_PATH", f"{SA_DIR}/ca.crt")
        self.context = ssl.create_default_context(cafile=ca) if self.base.startswith("https:") else None

    def call(self, method, path, body=None, content_type="application/json"):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        with urllib.request.urlopen(req, context=self.context, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def merge_patch(self, path, body):
        return self.call("PATCH", path, body, "application/merge-patch+json")


def job_finished(job):
    """A Job is finished once it has a Complete or Failed condition that is True (batch/v1 JobStatus)."""
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in (job.get("status") or {}).get("conditions") or [])


def owned_by(obj, kind, name):
    return any(o.get("kind") == kind and o.get("name") == name for o in obj["metadata"].get("ownerReferences") or [])


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def rfc3339(t):
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_trigger(pod_template, detail):
    """Labels the pods and gives every container (init ones too) the trigger's env."""
    meta = pod_template.setdefault("metadata", {})
    meta.setdefault("labels", {})[TRIGGER_LABEL] = "drift"
    spec = pod_template["spec"]
    for c in (spec.get("initContainers") or []) + spec.get("containers", []):
        env = [e for e in c.get("env") or [] if e.get("name") not in ("MLOPS_TRIGGER", "MLOPS_TRIGGER_DETAIL")]
        c["env"] = env + [{"name": "MLOPS_TRIGGER", "value": "drift"}, {"name": "MLOPS_TRIGGER_DETAIL", "value": detail}]


def run_name(model, now):
    """<model>-retrain-drift-<unix time>, at most 63 characters (the job-name label on its pods)."""
    suffix = f"-retrain-drift-{int(now)}"
    return model[: 63 - len(suffix)].rstrip("-") + suffix


def job_from_cronjob(cron, name, detail):
    """What `kubectl create job --from=cronjob/...` builds, plus the trigger; suspended for Kueue."""
    tpl = json.loads(json.dumps(cron["spec"]["jobTemplate"]))
    meta = tpl.get("metadata") or {}
    spec = tpl["spec"]
    # Kueue's webhook would suspend it too (queue-name label); created suspended, it never runs unadmitted.
    spec["suspend"] = True
    add_trigger(spec["template"], detail)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": cron["metadata"]["namespace"],
            "labels": {**(meta.get("labels") or {}), TRIGGER_LABEL: "drift"},
            "annotations": {**(meta.get("annotations") or {}), DETAIL_ANNOTATION: detail},
            # Controller owner: the CronJob's history limits clean it up, like a scheduled run.
            "ownerReferences": [{
                "apiVersion": "batch/v1", "kind": "CronJob", "name": cron["metadata"]["name"],
                "uid": cron["metadata"]["uid"], "controller": True,
            }],
        },
        "spec": spec,
    }


def jobset_from_configmap(cm, name, detail):
    js = json.loads(cm["data"]["jobset.json"])
    meta = js["metadata"]
    meta.pop("generateName", None)
    meta["name"] = name
    meta.setdefault("labels", {})[TRIGGER_LABEL] = "drift"
    meta.setdefault("annotations", {})[DETAIL_ANNOTATION] = detail
    js["spec"]["suspend"] = True
    for rj in js["spec"]["replicatedJobs"]:
        add_trigger(rj["template"]["spec"]["template"], detail)
    return js


def push_metric(url, namespace, model, now):
    body = ("# TYPE mlops_retraining_triggered_timestamp_seconds gauge\n"
            f'mlops_retraining_triggered_timestamp_seconds{{trigger="drift"}} {int(now)}\n').encode()
    # Grouping key: job = this script, and the model's namespace and name (kept by honor_labels).
    req = urllib.request.Request(f"{url}/metrics/job/drift_trigger/namespace/{namespace}/model/{model}", data=body, method="POST")
    req.add_header("Content-Type", "text/plain; version=0.0.4")
    urllib.request.urlopen(req, timeout=30).read()


def main(env):
    model = env["MODEL_NAME"]
    ns = env["MODEL_NAMESPACE"]
    cron_name = env["RETRAIN_CRONJOB"]
    threshold = float(env["DRIFT_THRESHOLD"])
    cooldown = int(env["DRIFT_COOLDOWN_MINUTES"]) * 60
    jobset_cm = env.get("RETRAIN_JOBSET_CONFIGMAP", "")

    with open(env["DRIFT_RESULT"], encoding="utf-8") as f:
        verdict = json.load(f)
    score = verdict.get("score")
    if not isinstance(score, (int, float)) or isinstance(score, bool):
        log("invalid-result", reason="the drift image's result has no numeric score", result=verdict)
        return 2
    method = verdict.get("method") or env.get("DRIFT_METHOD", "psi")
    if score <= threshold:
        log("no-drift", score=score, threshold=threshold, method=method)
        return 0
    detail = f"{method} {score:g} > {threshold:g}"

    api = Api(env)
    base = f"/apis/batch/v1/namespaces/{ns}"
    cron_path = f"{base}/cronjobs/{cron_name}"
    cron = api.call("GET", cron_path)
    selector = urllib.parse.quote(f"app.kubernetes.io/name={model}")

    # 1. At most one run in flight.
    jobs = api.call("GET", f"{base}/jobs?labelSelector={selector}")["items"]
    busy = [j["metadata"]["name"] for j in jobs if owned_by(j, "CronJob", cron_name) and not job_finished(j)]
    if jobset_cm:
        sets = api.call("GET", f"{JOBSET_API}/namespaces/{ns}/jobsets?labelSelector={selector}")["items"]
        busy += [s["metadata"]["name"] for s in sets if not (s.get("status") or {}).get("terminalState")]
    if busy:
        log("in-flight", detail=detail, running=busy)
        return 0

    # 2. Cooldown.
    now = time.time()
    annotations = cron["metadata"].get("annotations") or {}
    last = annotations.get(LAST_TRIGGER_ANNOTATION)
    if last and now - parse_time(last) < cooldown:
        log("cooldown", detail=detail, last=last, cooldown_minutes=cooldown // 60)
        return 0

    # Claim the cooldown first; the resourceVersion makes a concurrent claim fail with 409 Conflict.
    claim = {"metadata": {"resourceVersion": cron["metadata"]["resourceVersion"], "annotations": {LAST_TRIGGER_ANNOTATION: rfc3339(now)}}}
    try:
        cron = api.merge_patch(cron_path, claim)
    except urllib.error.HTTPError as e:
        if e.code == 409:
            log("conflict", detail=detail)
            return 0
        raise

    # 3. The run.
    name = run_name(model, now)
    try:
        if jobset_cm:
            cm = api.call("GET", f"/api/v1/namespaces/{ns}/configmaps/{jobset_cm}")
            created = api.call("POST", f"{JOBSET_API}/namespaces/{ns}/jobsets", jobset_from_configmap(cm, name, detail))
        else:
            created = api.call("POST", f"{base}/jobs", job_from_cronjob(cron, name, detail))
    except Exception:
        # Give the cooldown back: no run started.
        api.merge_patch(cron_path, {"metadata": {"annotations": {LAST_TRIGGER_ANNOTATION: last}}})
        raise
    if not jobset_cm:
        # The CronJob controller counts only Jobs in status.active for concurrencyPolicy Forbid, and drops
        # them from it once they finish or disappear.
        active = ((cron.get("status") or {}).get("active") or []) + [{
            "apiVersion": "batch/v1", "kind": "Job", "namespace": ns, "name": name, "uid": created["metadata"]["uid"],
        }]
        api.merge_patch(f"{cron_path}/status", {"status": {"active": active}})

    # 4. Visible: the metric (alert DriftRetrainingTriggered, the dashboard's annotation).
    try:
        push_metric(env["PUSHGATEWAY_URL"], ns, model, now)
    except OSError as e:
        log("push-failed", error=str(e))
    log("triggered", detail=detail, kind="JobSet" if jobset_cm else "Job", name=name)
    return 0


if __name__ == "__main__":
    sys.exit(main(dict(os.environ)))
