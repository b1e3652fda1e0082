import * as assert from "node:assert/strict";
import {
    KUEUE_API, clusterQueueSpec, cpuFlavor, dwsAdmissionCheckSpec, gpuFlavor, provisioningRequestConfigSpec, queueLabels, splitCapacity,
} from "../../components/scheduling/kueueObjects";
import { batchObjects, systemBatchCapacity } from "../../components/scheduling/batchPlan";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { Any } from "../plans";

const team = { namespace: "ml-training", cpu: "32", memory: "256Gi", gpus: 4 };
const quotas = [
    { flavor: "cpu", cpu: "8000m", memory: "16384Mi", gpu: 0 },
    { flavor: "a100-training", cpu: "44000m", memory: "300000Mi", gpu: 4 },
    { flavor: "h100-flex", cpu: "800000m", memory: "6000000Mi", gpu: 32 },
];
const obj = (kind: string, name: string, body: Record<string, unknown>, namespace?: string) =>
    JSON.parse(JSON.stringify({ apiVersion: KUEUE_API, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...body }));

describe("Kueue objects (pure builders, checked against the Kueue 0.19 CRDs)", () => {
    it("every builder's object is valid against its CRD", async () => {
        const objects = [
            obj("ResourceFlavor", "a100-training", { spec: gpuFlavor({ name: "a100-training", acceleratorType: "nvidia-tesla-a100" }) }),
            obj("ResourceFlavor", "h100-flex", { spec: gpuFlavor({ name: "h100-flex", acceleratorType: "nvidia-h100-80gb", provisioning: "flex-start" }) }),
            obj("ResourceFlavor", "cpu", { spec: cpuFlavor() }),
            obj("ClusterQueue", "ml-training", { spec: clusterQueueSpec(team, quotas, ["h100-flex"]) }),
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
        const badQuota = clusterQueueSpec(team, [{ ...quotas[0], memory: "256GB" }]) as Any;
        assert.ok((await validateObject(obj("ClusterQueue", "x", { spec: badQuota }))).some((e) => /nominalQuota/.test(e)));
        assert.deepEqual(await validateObject(obj("Workload", "x", {})), ["no CRD for kueue.x-k8s.io/v1beta2 Workload"]);
    });

    it("a team's queue has one resource group for CPU, memory and GPUs, lends and borrows in the cohort, and asks DWS for flex-start", () => {
        const spec = clusterQueueSpec(team, quotas, ["h100-flex"]);
        assert.equal(spec.cohortName, "mlops-platform");
        assert.deepEqual(spec.namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "ml-training" } });
        assert.deepEqual(spec.preemption, { reclaimWithinCohort: "Any", withinClusterQueue: "LowerPriority", borrowWithinCohort: { policy: "LowerPriority" } });
        assert.equal(spec.resourceGroups.length, 1);
        assert.deepEqual(spec.resourceGroups[0].coveredResources, ["cpu", "memory", "nvidia.com/gpu"]);
        assert.deepEqual(spec.resourceGroups[0].flavors.map((f) => [f.name, ...f.resources.map((r) => r.nominalQuota)]), [
            ["cpu", "8000m", "16384Mi", 0], ["a100-training", "44000m", "300000Mi", 4], ["h100-flex", "800000m", "6000000Mi", 32],
        ]);
        assert.deepEqual(spec.admissionChecksStrategy, { admissionChecks: [{ name: "dws-provisioning", onFlavors: ["h100-flex"] }] });
        assert.equal(clusterQueueSpec(team, quotas.slice(0, 2), ["h100-flex"]).admissionChecksStrategy, undefined);
        assert.deepEqual(provisioningRequestConfigSpec(), { provisioningClassName: "queued-provisioning.gke.io", managedResources: ["nvidia.com/gpu"] });
    });

    it("flavors carry only their own pool's labels: GPU pools by purpose, name and accelerator; CPU by the system purpose", () => {
        assert.deepEqual(gpuFlavor({ name: "a100-training", acceleratorType: "nvidia-tesla-a100" }), {
            nodeLabels: { "mlops.platform/purpose": "training", "mlops.platform/pool": "a100-training", "cloud.google.com/gke-accelerator": "nvidia-tesla-a100" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
        });
        assert.deepEqual(gpuFlavor({ name: "h100-flex", acceleratorType: "nvidia-h100-80gb", provisioning: "flex-start" }).tolerations, [
            { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
            { key: "cloud.google.com/gke-queued", operator: "Exists", effect: "NoSchedule" },
        ]);
        assert.deepEqual(cpuFlavor(), { nodeLabels: { "mlops.platform/purpose": "system" } });
        assert.deepEqual(queueLabels("experiment"), { "kueue.x-k8s.io/queue-name": "batch", "kueue.x-k8s.io/priority-class": "experiment" });
    });

    it("splits each pool's capacity between teams by their quota, never handing out more than the pool has", () => {
        const teams = [{ namespace: "a", cpu: "30", memory: "30Gi", gpus: 3 }, { namespace: "b", cpu: "10", memory: "10Gi", gpus: 0 }];
        const split = splitCapacity(teams, [{ flavor: "cpu", cpu: 10_000, memory: 8 * 2 ** 30, gpu: 0 }, { flavor: "gpu-pool", cpu: 96_000, memory: 100 * 2 ** 30, gpu: 8 }]);
        assert.deepEqual(split.get("a"), [{ flavor: "cpu", cpu: "7500m", memory: "6144Mi", gpu: 0 }, { flavor: "gpu-pool", cpu: "96000m", memory: "102400Mi", gpu: 8 }]);
        assert.deepEqual(split.get("b"), [{ flavor: "cpu", cpu: "2500m", memory: "2048Mi", gpu: 0 }, { flavor: "gpu-pool", cpu: "0m", memory: "0Mi", gpu: 0 }]);
    });

    it("batch gets what the system pool has left after the platform and CPU serving at max replicas", () => {
        const load = { machineType: "e2-standard-8", maxNodes: 6, mlflow: { replicas: 2, requests: { cpu: "1", memory: "2Gi" } }, monitoringReplicas: 2, cpuServing: [{ replicas: 8, cpu: "1", memory: "2Gi" }] };
        const left = systemBatchCapacity(load)!;
        // e2-standard-8: 8000m - (60 + 10 + 10 + 10)m reserved = 7910m allocatable per node.
        assert.equal(left.reserved.cpu, 6 * 300 + 1000 + 2 * 560 + 2 * 1050 + 8000);
        assert.equal(left.cpu, 6 * 7910 - left.reserved.cpu);
        assert.ok(systemBatchCapacity({ ...load, cpuServing: [{ replicas: 50, cpu: "1", memory: "2Gi" }] })!.cpu < 0);
        const objects = batchObjects([team], left, [{ name: "h100-flex", acceleratorType: "nvidia-h100-80gb", provisioning: "flex-start", machineType: "a3-highgpu-8g", maxNodes: 4, schedulableGpusPerNode: 8 }]);
        assert.deepEqual(objects.flavors.map((f) => f.name), ["cpu", "h100-flex"]);
        assert.deepEqual(objects.queues[0].spec.resourceGroups[0].flavors.map((f) => f.resources[2].nominalQuota), [0, 32]);
    });
});
