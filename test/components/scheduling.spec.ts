import * as assert from "node:assert/strict";
import {
    KUEUE_API, clusterQueueSpec, cpuFlavor, dwsAdmissionCheckSpec, gpuFlavor, provisioningRequestConfigSpec, queueLabels,
} from "../../components/scheduling/kueueObjects";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { Any } from "../plans";

const team = { namespace: "ml-training", cpu: "32", memory: "256Gi", gpus: 4 };
const pools = [{ name: "a100-training", flexStart: false }, { name: "h100-flex", flexStart: true }];
const obj = (kind: string, name: string, body: Record<string, unknown>, namespace?: string) =>
    JSON.parse(JSON.stringify({ apiVersion: KUEUE_API, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...body }));

describe("Kueue objects (pure builders, checked against the Kueue 0.19 CRDs)", () => {
    it("every builder's object is valid against its CRD", async () => {
        const objects = [
            obj("ResourceFlavor", "a100-training", { spec: gpuFlavor({ name: "a100-training", acceleratorType: "nvidia-tesla-a100" }) }),
            obj("ResourceFlavor", "cpu", { spec: cpuFlavor() }),
            obj("ClusterQueue", "ml-training", { spec: clusterQueueSpec(team, pools) }),
            obj("LocalQueue", "batch", { spec: { clusterQueue: "ml-training" } }, "ml-training"),
            obj("WorkloadPriorityClass", "production-retrain", { value: 1000, description: "x" }),
            obj("AdmissionCheck", "dws-provisioning", { spec: dwsAdmissionCheckSpec() }),
            obj("ProvisioningRequestConfig", "dws", { spec: provisioningRequestConfigSpec() }),
        ];
        for (const o of objects) assert.deepEqual(await validateObject(o), [], `${o.kind} ${o.metadata.name}`);
    });

    it("the CRD check rejects what Kueue would reject", async () => {
        assert.match((await validateObject(obj("AdmissionCheck", "x", { spec: {} })))[0], /must have required property 'controllerName'/);
        assert.match((await validateObject(obj("WorkloadPriorityClass", "x", {})))[0], /must have required property 'value'/);
        const badQuota = clusterQueueSpec({ ...team, memory: "256GB" }, pools) as Any;
        assert.ok((await validateObject(obj("ClusterQueue", "x", { spec: badQuota }))).some((e) => /nominalQuota/.test(e)));
        assert.deepEqual(await validateObject(obj("Workload", "x", {})), ["no CRD for kueue.x-k8s.io/v1beta2 Workload"]);
    });

    it("a team's queue lends and borrows in the cohort, reclaims by preemption, and asks DWS for flex-start pools", () => {
        const spec = clusterQueueSpec(team, pools);
        assert.equal(spec.cohortName, "mlops-platform");
        assert.deepEqual(spec.namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "ml-training" } });
        assert.deepEqual(spec.preemption, { reclaimWithinCohort: "Any", withinClusterQueue: "LowerPriority", borrowWithinCohort: { policy: "LowerPriority" } });
        assert.deepEqual(spec.resourceGroups[1].flavors.map((f) => [f.name, f.resources[0].nominalQuota]), [["a100-training", 4], ["h100-flex", 4]]);
        assert.deepEqual(spec.admissionChecksStrategy, { admissionChecks: [{ name: "dws-provisioning", onFlavors: ["h100-flex"] }] });
        assert.equal(clusterQueueSpec(team, [pools[0]]).admissionChecksStrategy, undefined);
        assert.deepEqual(provisioningRequestConfigSpec(), { provisioningClassName: "queued-provisioning.gke.io", managedResources: ["nvidia.com/gpu"] });
    });

    it("GPU flavors place pods on their pool and tolerate the GPU taint", () => {
        assert.deepEqual(gpuFlavor({ name: "a100-training", acceleratorType: "nvidia-tesla-a100" }), {
            nodeLabels: { "mlops.platform/pool": "a100-training", "cloud.google.com/gke-accelerator": "nvidia-tesla-a100" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
        });
        assert.deepEqual(queueLabels("experiment"), { "kueue.x-k8s.io/queue-name": "batch", "kueue.x-k8s.io/priority-class": "experiment" });
    });
});
