// Kueue in the real plans.
import * as assert from "node:assert/strict";
import { Plan } from "../../scripts/harness/runPlan";
import { Any, ofType, one, planOf } from "../plans";

const K = (kind: string) => `kubernetes:kueue.x-k8s.io/v1beta2:${kind}`;

describe("batch scheduling in the stack plans", () => {
    let dev: Plan;
    let prod: Plan;
    before(async () => {
        dev = await planOf("dev");
        prod = await planOf("prod");
    });

    it("installs Kueue from its pinned chart", () => {
        const r = one(prod, "kubernetes:helm.sh/v3:Release", "batch-kueue").inputs;
        assert.deepEqual([r.chart, r.version, r.values.enablePrometheus], ["oci://registry.k8s.io/kueue/charts/kueue", "0.19.2", true]);
    });

    it("has a flavor per training pool and for CPU, and a queue per team namespace in one cohort", () => {
        assert.deepEqual(ofType(prod, K("ResourceFlavor")).map((f) => f.inputs.metadata.name).sort(), ["a100-training", "cpu", "h100-flex"]);
        const queues = ofType(prod, K("ClusterQueue"));
        assert.deepEqual(queues.map((q) => q.inputs.metadata.name).sort(), ["ml-experiments", "ml-serving", "ml-training"]);
        for (const q of queues) assert.equal(q.inputs.spec.cohortName, "mlops-platform");
        const training = queues.find((q) => q.inputs.metadata.name === "ml-training")!.inputs.spec;
        assert.deepEqual(training.resourceGroups[0].flavors[0].resources, [{ name: "cpu", nominalQuota: "32" }, { name: "memory", nominalQuota: "256Gi" }]);
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

    it("submits retraining and drift jobs through the namespace's LocalQueue, suspended", () => {
        for (const name of ["fraud-detector-retrain", "fraud-detector-drift"]) {
            const jt = one(prod, "kubernetes:batch/v1:CronJob", name).inputs.spec.jobTemplate as Any;
            assert.equal(jt.metadata.labels["kueue.x-k8s.io/queue-name"], "batch");
            assert.equal(jt.metadata.labels["kueue.x-k8s.io/priority-class"], "production-retrain");
            assert.equal(jt.spec.suspend, true);
        }
    });
});
