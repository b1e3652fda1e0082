// Kueue in the real plans.
import * as assert from "node:assert/strict";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { Plan } from "../../scripts/harness/runPlan";
import { Any, bothPlans, ofType, one } from "../plans";

const K = (kind: string) => `kubernetes:kueue.x-k8s.io/v1beta2:${kind}`;

describe("batch scheduling in the stack plans", () => {
    let dev: Plan;
    let prod: Plan;
    before(async () => ({ dev, prod } = await bothPlans()));

    it("installs Kueue from its pinned chart", () => {
        const r = one(prod, "kubernetes:helm.sh/v3:Release", "batch-kueue").inputs;
        assert.deepEqual([r.chart, r.version, r.values.enablePrometheus], ["oci://registry.k8s.io/kueue/charts/kueue", "0.19.2", true]);
    });

    it("has a flavor per GPU pool and for CPU, and a queue per team namespace in one cohort", () => {
        assert.deepEqual(ofType(prod, K("ResourceFlavor")).map((f) => f.inputs.metadata.name).sort(), ["a100-mig", "a100-training", "cpu", "h100-flex", "l4-serving"]);
        const queues = ofType(prod, K("ClusterQueue"));
        assert.deepEqual(queues.map((q) => q.inputs.metadata.name).sort(), ["ml-experiments", "ml-serving", "ml-training"]);
        for (const q of queues) assert.equal(q.inputs.spec.cohortName, "mlops-platform");
        const training = queues.find((q) => q.inputs.metadata.name === "ml-training")!.inputs.spec;
        assert.deepEqual(training.resourceGroups[0].flavors[0].resources, [{ name: "cpu", nominalQuota: "64" }, { name: "memory", nominalQuota: "512Gi" }]);
        assert.deepEqual(ofType(prod, K("LocalQueue")).map((q) => [q.inputs.metadata.namespace, q.inputs.spec.clusterQueue]).sort(), [
            ["ml-experiments", "ml-experiments"], ["ml-serving", "ml-serving"], ["ml-training", "ml-training"],
        ]);
        assert.deepEqual(ofType(prod, K("WorkloadPriorityClass")).map((p) => [p.inputs.metadata.name, p.inputs.value]).sort(), [["experiment", 100], ["production-retrain", 1000]]);
    });

    it("asks Dynamic Workload Scheduler for flex-start capacity in prod only (dev has no flex-start pool)", () => {
        assert.equal(one(prod, K("AdmissionCheck"), "batch-dws-check").inputs.spec.parameters.name, "dws");
        assert.equal(one(prod, K("ProvisioningRequestConfig"), "batch-dws-config").inputs.spec.provisioningClassName, "queued-provisioning.gke.io");
        assert.equal(ofType(dev, K("AdmissionCheck")).length, 0);
    });

    it("installs the JobSet controller from its pinned chart", () => {
        const r = one(prod, "kubernetes:helm.sh/v3:Release", "batch-jobset").inputs;
        assert.deepEqual([r.chart, r.version], ["oci://registry.k8s.io/jobset/charts/jobset", "0.12.0"]);
    });

    it("runs the multi-node retraining as a JobSet, valid against its CRD, admitted by Kueue as one unit", async () => {
        const cm = one(prod, "kubernetes:core/v1:ConfigMap", "ranker-jobset").inputs;
        const jobset = JSON.parse(cm.data["jobset.json"]);
        assert.deepEqual(await validateObject({ ...jobset, metadata: { ...jobset.metadata, name: "x" } }), []);
        assert.equal(jobset.metadata.labels["kueue.x-k8s.io/queue-name"], "batch");
        assert.equal(jobset.spec.suspend, true);
        assert.deepEqual(jobset.spec.network, { enableDNSHostnames: true, subdomain: "ranker-workers" });
        const workers = jobset.spec.replicatedJobs[0].template.spec;
        assert.deepEqual([workers.parallelism, workers.completions, workers.completionMode, workers.activeDeadlineSeconds], [2, 2, "Indexed", 720 * 60]);
        const pod = workers.template.spec;
        assert.deepEqual(pod.nodeSelector, { "cloud.google.com/gke-accelerator": "nvidia-h100-80gb", "mlops.platform/pool": "h100-flex" });
        assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], "8");
        assert.ok(pod.containers[0].env.some((e: Any) => e.name === "MASTER_ADDR" && e.value === "$(JOBSET_NAME)-workers-0-0.ranker-workers"));
        const launcher = one(prod, "kubernetes:batch/v1:CronJob", "ranker-retrain").inputs;
        assert.deepEqual(launcher.spec.jobTemplate.spec.template.spec.containers[0].command, ["kubectl", "create", "-f", "/jobset/jobset.json"]);
        assert.deepEqual(one(prod, "kubernetes:rbac.authorization.k8s.io/v1:Role", "ranker-launcher").inputs.rules, [{ apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: ["create", "get", "list"] }]);
        assert.deepEqual(one(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "ranker-launcher-egress").inputs.spec.egress, [{ ports: [{ port: 443, protocol: "TCP" }], to: [{ ipBlock: { cidr: "172.16.0.0/28" } }] }]);
    });

    it("submits retraining and drift jobs through the namespace's LocalQueue, suspended", () => {
        for (const name of ["fraud-detector-retrain", "fraud-detector-drift"]) {
            const jt = one(prod, "kubernetes:batch/v1:CronJob", name).inputs.spec.jobTemplate as Any;
            assert.equal(jt.metadata.labels["kueue.x-k8s.io/queue-name"], "batch");
            assert.equal(jt.metadata.labels["kueue.x-k8s.io/priority-class"], "production-retrain");
            assert.equal(jt.spec.suspend, true);
        }
    });
});
