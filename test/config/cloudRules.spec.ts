// Config validated against the cloud's own rules (issue #16): every namespace's keys, real regions, zones and
// GPU availability, quantities within what Kubernetes and GKE accept, cross-field rules and policy limits.
// Boundaries are exact: the largest accepted value passes and the next one fails.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigIssue, Report } from "../../lib/errors";
import { parsePlatformConfig } from "../../stack/platform";
import { PAGING_ENVIRONMENTS, POOL_MAX_NODES } from "../../lib/policyLimits";
import { GCP_PROVIDER_KEYS, checkNamespaces } from "../../stack/stackKeys";
import { REGIONS, checkRegion, gpuZonesIn, zonesOf } from "../../lib/zones";
import { resolveGpuNodePool } from "../../components/gke/gpuNodePool";
import { MONITORING_LIMITS, resolveMonitoring } from "../../components/monitoring/monitoringStack";
import { NAMESPACE_QUOTA_LIMITS, resolveTeamNamespace } from "../../components/namespaces/teamNamespace";
import { nodePoolPolicies } from "../../policies/gke";
import { ROOT } from "../../scripts/harness/stackConfig";
import { configIssues, stackValues } from "../helpers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** The issues reported for `key` only. */
function issuesFor(raw: Record<string, unknown>, key: string, stack = "test"): ConfigIssue[] {
    return configIssues(raw, stack).filter((i) => i.key === key);
}

/** Runs a resolver with a collecting Report; returns what it reported. */
function collect(run: (report: Report) => unknown): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    run((key, message, ...value) => issues.push(value.length > 0 ? { key, value: value[0], message } : { key, message }));
    return issues;
}

describe("config validated to the cloud's own rules", () => {
    describe("keys of every namespace", () => {
        it("rejects a misspelt gcp: key and suggests the provider's key", () => {
            const raw = stackValues("dev");
            raw["gcp:zonee"] = "us-central1-a";
            const [issue] = issuesFor(raw, "gcp:zonee");
            assert.equal(issue.message, "is not a key the Google Cloud provider reads; did you mean gcp:zone?");
            assert.equal("value" in issue, false, "provider values are not quoted (a key may hold a credential)");
        });

        it("accepts the provider's own keys, read from @pulumi/gcp's config schema", () => {
            for (const k of ["project", "region", "zone", "credentials", "impersonateServiceAccount", "defaultLabels", "billingProject"]) assert.ok(GCP_PROVIDER_KEYS.includes(k), k);
            assert.deepEqual(checkNamespaces(["gcp:zone", "gcp:credentials", "pulumi:disable-default-providers", "mlops-platform:anything"], "mlops-platform"), []);
        });

        it("rejects kubernetes: keys (no resource uses the default Kubernetes provider) and unknown namespaces", () => {
            assert.deepEqual(checkNamespaces(["kubernetes:context", "aws:region", "pulumi:tags"], "mlops-platform"), [
                { key: "kubernetes:context", message: "has no effect: the program builds its own Kubernetes provider from the cluster it creates; kubernetes: keys configure the default provider, which no resource uses" },
                { key: "aws:region", message: "is in namespace \"aws\", which nothing in this program reads; allowed namespaces: mlops-platform, gcp, pulumi" },
                { key: "pulumi:tags", message: "is not a key the Pulumi engine reads; allowed: pulumi:disable-default-providers" },
            ]);
        });

        it("reports each foreign key once, next to the program's own problems", () => {
            const raw = stackValues("prod");
            raw["kubernetes:namespace"] = "x";
            raw["gcp:projet"] = "acme";
            const issues = configIssues(raw);
            assert.deepEqual(issues.map((i) => i.key), ["kubernetes:namespace", "gcp:projet"]);
            assert.match(issues[1].message, /did you mean gcp:project\?$/);
        });
    });

    describe("regions and zones", () => {
        it("knows the stacks' region and lists the known regions for an unknown one", () => {
            assert.equal(REGIONS.length, 43);
            assert.deepEqual(zonesOf("us-central1"), ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"]);
            assert.deepEqual(zonesOf("europe-west1"), ["europe-west1-b", "europe-west1-c", "europe-west1-d"]);
            const raw = stackValues("dev");
            raw["gcp:region"] = "us-central9";
            const [issue] = issuesFor(raw, "gcp:region");
            assert.equal(issue.value, "us-central9");
            assert.match(issue.message, /^is not a known Google Cloud region; known: africa-south1, asia-east1, .*us-central1, .*us-west4 \(a region newer than this list: add it to lib\/zones\.ts\)$/);
            assert.deepEqual(checkRegion("europe-west4"), { ok: true });
        });

        it("rejects a cluster zone that does not exist in its region, listing the region's zones", () => {
            const raw = stackValues("dev");
            (raw["mlops-platform:cluster"] as Any).zone = "us-central1-d";
            const [issue] = issuesFor(raw, "mlops-platform:cluster.zone");
            assert.equal(issue.message, "is not a zone of us-central1; its zones: us-central1-a, us-central1-b, us-central1-c, us-central1-f");
        });

        it("rejects a pool zone that does not offer the pool's GPU, naming where it is offered", () => {
            const raw = stackValues("prod");
            (raw["mlops-platform:gpuNodePools"] as Any)[0].zones = ["us-central1-a", "us-central1-f"];
            const [issue] = issuesFor(raw, "mlops-platform:gpuNodePools[0].zones[1]");
            assert.equal(issue.value, "us-central1-f");
            assert.equal(issue.message, "does not offer nvidia-l4; in us-central1 it is offered in us-central1-a, us-central1-b, us-central1-c");
        });

        it("rejects a zonal cluster whose zone lacks a pool's GPU when the pool names no zones", () => {
            const raw = stackValues("dev");
            (raw["mlops-platform:cluster"] as Any).zone = "us-central1-f";
            const [issue] = issuesFor(raw, "mlops-platform:gpuNodePools[0].zones");
            assert.equal(issue.message, "is unset, so the pool uses the cluster's zone us-central1-f, and us-central1-f does not offer nvidia-l4; in us-central1 it is offered in us-central1-a, us-central1-b, us-central1-c; set zones to some of them");
            // T4 is offered in us-central1-f: the second pool is fine there.
            assert.deepEqual(issuesFor(raw, "mlops-platform:gpuNodePools[1].zones"), []);
        });

        it("names the regions that offer a GPU when the cluster's region has none", () => {
            const issues = collect((r) => resolveGpuNodePool({ name: "l4", machineType: "g2-standard-8", acceleratorType: "nvidia-l4", purpose: "serving", zones: ["europe-north1-a"] }, "europe-north1", r));
            assert.deepEqual(issues.map((i) => i.key), ["zones[0]"]);
            assert.match(issues[0].message, /^does not offer nvidia-l4; no zone of europe-north1 offers it; regions that do: asia-east1, .*us-west4$/);
            assert.deepEqual(gpuZonesIn("nvidia-h100-80gb", "us-central1"), ["us-central1-a", "us-central1-b", "us-central1-c"]);
        });

        it("a regional pool without zones needs its GPU in every zone of the region", () => {
            const issues = collect((r) => resolveGpuNodePool({ name: "a100", machineType: "a2-highgpu-1g", acceleratorType: "nvidia-tesla-a100", purpose: "training" }, "europe-west4", r));
            assert.deepEqual(issues, [{ key: "zones", message: "is unset, so the pool uses the regional cluster's zones (any of europe-west4-a, europe-west4-b, europe-west4-c), and europe-west4-c does not offer nvidia-tesla-a100; in europe-west4 it is offered in europe-west4-a, europe-west4-b; set zones to some of them" }]);
        });
    });

    describe("quantities within what Kubernetes and GKE accept", () => {
        const ns = (quota: Record<string, unknown>, containerDefaults?: Record<string, string>) =>
            collect((r) => resolveTeamNamespace({ name: "team", quota, containerDefaults }, r));

        it("caps CPU quota at 10000 CPUs per namespace", () => {
            assert.equal(NAMESPACE_QUOTA_LIMITS.cpu, 10000);
            assert.deepEqual(ns({ requestsCpu: "10000", limitsCpu: "10000" }), []);
            assert.deepEqual(ns({ requestsCpu: "10000", limitsCpu: "10001" }), [{ key: "quota.limitsCpu", value: "10001", message: "must be at most 10000 CPUs per namespace" }]);
        });

        it("caps memory and storage quota at 1Pi per namespace", () => {
            assert.deepEqual(ns({ requestsMemory: "1Pi", limitsMemory: "1Pi", storage: "1Pi" }), []);
            assert.deepEqual(ns({ requestsMemory: "1Pi", limitsMemory: "1025Ti", storage: "1125899906842625" }).map((i) => [i.key, i.message]), [
                ["quota.limitsMemory", "must be at most 1Pi per namespace"],
                ["quota.storage", "must be at most 1Pi per namespace"],
            ]);
        });

        it("caps GPU and PVC counts at 10000 per namespace", () => {
            assert.deepEqual(ns({ gpus: 10000, pvcs: 10000 }), []);
            assert.deepEqual(ns({ gpus: 10001, pvcs: 10001 }).map((i) => [i.key, i.value, i.message]), [
                ["quota.gpus", 10001, "must be at most 10000 per namespace"],
                ["quota.pvcs", 10001, "must be at most 10000 per namespace"],
            ]);
        });

        it("bounds Prometheus storage by the largest Persistent Disk (64Ti) and retention by a year", () => {
            const mon = (o: Record<string, unknown>) => collect((r) => resolveMonitoring(o, false, r)).filter((i) => i.key !== "alerting");
            assert.equal(MONITORING_LIMITS.maxStorageBytes, 64 * 2 ** 40);
            assert.deepEqual(mon({ storageSize: "64Ti", retention: "365d" }), []);
            assert.deepEqual(mon({ storageSize: "70368744177665", retention: "366d" }).map((i) => [i.key, i.message]), [
                ["retention", "must be from 1h to 365d: Prometheus's local storage is not long-term storage"],
                ["storageSize", "must be at most 64Ti: the largest Persistent Disk volume (the storage class is pd-balanced)"],
            ]);
            assert.deepEqual(mon({ retention: "1h" }), []);
            assert.deepEqual(mon({ retention: "59m" }).map((i) => i.key), ["retention"]);
            assert.deepEqual(mon({ retention: "2y" }).map((i) => i.key), ["retention"]);
        });
    });

    describe("cross-field rules", () => {
        const ns = (quota: Record<string, unknown>, containerDefaults?: Record<string, string>) =>
            collect((r) => resolveTeamNamespace({ name: "team", quota, containerDefaults }, r));

        it("a quota must hold one pod of the LimitRange's default size (requests and limits, CPU and memory)", () => {
            // Defaults: requests 250m / 512Mi, limits 1 / 1Gi. Exactly that much quota is enough.
            assert.deepEqual(ns({ requestsCpu: "250m", limitsCpu: "1", requestsMemory: "512Mi", limitsMemory: "1Gi" }), []);
            assert.deepEqual(ns({ requestsCpu: "249m", limitsCpu: "999m", requestsMemory: "511Mi", limitsMemory: "1023Mi" }).map((i) => [i.key, i.value, i.message]), [
                ["containerDefaults.requestCpu", "250m", "exceeds quota.requestsCpu (249m): not even one pod of the default size would be admitted; raise the quota or lower the default"],
                ["containerDefaults.cpu", "1", "exceeds quota.limitsCpu (999m): not even one pod of the default size would be admitted; raise the quota or lower the default"],
                ["containerDefaults.requestMemory", "512Mi", "exceeds quota.requestsMemory (511Mi): not even one pod of the default size would be admitted; raise the quota or lower the default"],
                ["containerDefaults.memory", "1Gi", "exceeds quota.limitsMemory (1023Mi): not even one pod of the default size would be admitted; raise the quota or lower the default"],
            ]);
            assert.deepEqual(ns({ requestsCpu: "2", limitsCpu: "2" }, { cpu: "3", requestCpu: "1" }).map((i) => i.key), ["containerDefaults.cpu"]);
        });

        it("prod must page someone: at least one alert receiver", () => {
            assert.deepEqual(PAGING_ENVIRONMENTS, ["prod"]);
            const raw = stackValues("prod");
            delete (raw["mlops-platform:monitoring"] as Any).alerting;
            const [issue] = issuesFor(raw, "mlops-platform:monitoring.alerting");
            assert.equal(issue.message, "must name at least one receiver in prod (alerting.email, alerting.slackWebhookUrl or alerting.webhookUrl): critical alerts must reach someone (policy alerting-critical-reaches-someone)");
            (raw["mlops-platform:monitoring"] as Any).alerting = { webhookUrl: "https://events.pagerduty.com/x" };
            assert.equal(parsePlatformConfig(raw, "prod").environment, "prod");
            const dev = stackValues("dev");
            assert.equal((dev["mlops-platform:monitoring"] as Any).alerting, undefined, "dev has no receiver and still plans");
            assert.equal(parsePlatformConfig(dev, "dev").environment, "dev");
        });
    });

    describe("policy limits config already decides", () => {
        it("a prod pool may scale to 20 nodes, not 21 (nodepool-max-nodes-cap)", () => {
            const raw = stackValues("prod");
            const pools = raw["mlops-platform:gpuNodePools"] as Any[];
            pools[1].maxNodes = POOL_MAX_NODES;
            assert.equal(parsePlatformConfig(structuredClone(raw), "prod").gpuNodePools[1].maxNodes, 20);
            pools[1].maxNodes = POOL_MAX_NODES + 1;
            (raw["mlops-platform:cluster"] as Any).systemPool.maxNodes = 21;
            assert.deepEqual(configIssues(raw).map((i) => [i.key, i.value, i.message]), [
                ["mlops-platform:cluster.systemPool.maxNodes", 21, "must be at most 20 in prod (policy nodepool-max-nodes-cap)"],
                ["mlops-platform:gpuNodePools[1].maxNodes", 21, "must be at most 20 in prod (policy nodepool-max-nodes-cap)"],
            ]);
        });

        it("uses the policy pack's own numbers", () => {
            const cap = nodePoolPolicies.find((p) => p.name === "nodepool-max-nodes-cap") as Any;
            assert.equal(cap.configSchema.properties.maxNodes.default, POOL_MAX_NODES);
            const read = (stack: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", `${stack}.json`), "utf8"));
            assert.equal(read("prod")["nodepool-max-nodes-cap"].maxNodes, POOL_MAX_NODES);
            // The paging rule is disabled for dev only, so config enforces it outside dev.
            assert.equal(read("dev")["alerting-critical-reaches-someone"], "disabled");
            assert.equal(read("prod")["alerting-critical-reaches-someone"], undefined);
        });
    });
});
