import * as assert from "node:assert/strict";
import {
    KUEUE_API, clusterQueueSpec, cpuFlavor, dwsAdmissionCheckSpec, gpuFlavor, provisioningRequestConfigSpec, queueLabels, splitCapacity,
} from "../../components/scheduling/kueueObjects";
import { CPU_BATCH_SELECTOR, PLATFORM_RESERVE, batchObjects, systemBatchCapacity, trainingPoolCapacity } from "../../components/scheduling/batchPlan";
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

    it("weights CPU by CPU quota and memory by memory quota, and hands leftover GPUs to the largest fractions", () => {
        const teams = [
            { namespace: "a", cpu: "6", memory: "1Gi", gpus: 3 },
            { namespace: "b", cpu: "1", memory: "3Gi", gpus: 1 },
            { namespace: "c", cpu: "1", memory: "4Gi", gpus: 1 },
        ];
        const split = splitCapacity(teams, [{ flavor: "cpu", cpu: 8000, memory: 8 * 2 ** 30, gpu: 0 }, { flavor: "gpu-pool", cpu: 16_000, memory: 16 * 2 ** 30, gpu: 4 }]);
        // GPU pool by GPU quota 3:1:1: 2.4, 0.8 and 0.8 GPUs; floors 2, 0, 0, and the two left go to b and c (0.8 > 0.4).
        assert.deepEqual([...split.entries()], [
            ["a", [{ flavor: "cpu", cpu: "6000m", memory: "1024Mi", gpu: 0 }, { flavor: "gpu-pool", cpu: "9600m", memory: "9830Mi", gpu: 2 }]],
            ["b", [{ flavor: "cpu", cpu: "1000m", memory: "3072Mi", gpu: 0 }, { flavor: "gpu-pool", cpu: "3200m", memory: "3276Mi", gpu: 1 }]],
            ["c", [{ flavor: "cpu", cpu: "1000m", memory: "4096Mi", gpu: 0 }, { flavor: "gpu-pool", cpu: "3200m", memory: "3276Mi", gpu: 1 }]],
        ]);
    });

    it("a GPU left after the floors goes to the larger fraction, whichever team holds more GPUs already", () => {
        const pool = (gpu: number) => [{ flavor: "gpu-pool", cpu: 0, memory: 0, gpu }];
        const cases: [number[], number, number[]][] = [
            // 0.6 and 1.4: floors 0 and 1; the one left goes to 0.6, not to the team that already has one.
            [[3, 7], 2, [1, 1]],
            [[7, 3], 2, [1, 1]],
            // 0.4 and 1.6: the one left goes to 1.6.
            [[1, 4], 2, [0, 2]],
            // No team asks for GPUs: none is handed out.
            [[0, 0], 2, [0, 0]],
        ];
        assert.equal(cases.length, 4);
        for (const [weights, gpus, expected] of cases) {
            const split = splitCapacity(weights.map((w, i) => ({ namespace: `t${i}`, cpu: "1", memory: "1Gi", gpus: w })), pool(gpus));
            assert.deepEqual(weights.map((_, i) => split.get(`t${i}`)![0].gpu), expected, `${weights} of ${gpus}`);
        }
    });

    it("the DWS admission check names Kueue's provisioning-request controller and the dws config", () => {
        assert.deepEqual(dwsAdmissionCheckSpec(), {
            controllerName: "kueue.x-k8s.io/provisioning-request",
            parameters: { apiGroup: "kueue.x-k8s.io", kind: "ProvisioningRequestConfig", name: "dws" },
        });
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

describe("batch plan: what batch work may take of each pool", () => {
    const MI = 2 ** 20;
    const GI = 2 ** 30;
    // e2-standard-8 allocatable: 8000m - 90m reserved = 7910m; 32e9 bytes less GKE's memory tiers = 28214205808 bytes.
    const node = { cpu: 7910, memory: 28_214_205_808 };
    const load = {
        machineType: "e2-standard-8", maxNodes: 3, mlflow: { replicas: 2, requests: { cpu: "500m", memory: "1Gi" } }, monitoringReplicas: 1,
        cpuServing: [{ replicas: 2, cpu: "250m", memory: "512Mi" }, { replicas: 3, cpu: "1", memory: "1Gi" }],
    };

    it("the platform's own reserve and the CPU batch selector", () => {
        assert.deepEqual(PLATFORM_RESERVE, {
            perNode: { cpu: 300, memory: 734_003_200 },
            controllers: { cpu: 1000, memory: 2_147_483_648 },
            perMonitoringReplica: { cpu: 560, memory: 2_348_810_240 },
            mlflowSidecar: { cpu: 50, memory: 67_108_864 },
        });
        assert.deepEqual(CPU_BATCH_SELECTOR, { "mlops.platform/purpose": "system" });
    });

    it("reserves per node, the controllers, each monitoring replica, MLflow with its proxy and every CPU model server", () => {
        const reserved = {
            // 3 nodes, controllers, 1 monitoring replica, 2 MLflow replicas of 500m + 50m, 2 x 250m + 3 x 1 CPU serving.
            cpu: 3 * 300 + 1000 + 560 + 2 * (500 + 50) + (2 * 250 + 3 * 1000),
            memory: (3 * 700 + 2048 + 2240 + 2 * (1024 + 64) + (2 * 512 + 3 * 1024)) * MI,
        };
        assert.deepEqual(reserved, { cpu: 7060, memory: 13_274_972_160 });
        assert.deepEqual(systemBatchCapacity(load), { cpu: 3 * node.cpu - 7060, memory: 3 * node.memory - 13_274_972_160, reserved });
        assert.deepEqual(systemBatchCapacity(load), { cpu: 16_670, memory: 71_367_645_264, reserved });
    });

    it("each term scales with its own count", () => {
        const cases: [string, Partial<typeof load>, { cpu: number; memory: number }][] = [
            ["one more node", { maxNodes: 4 }, { cpu: 7060 + 300, memory: 13_274_972_160 + 700 * MI }],
            ["no monitoring replica", { monitoringReplicas: 0 }, { cpu: 7060 - 560, memory: 13_274_972_160 - (2 * GI + 192 * MI) }],
            ["one MLflow replica", { mlflow: { replicas: 1, requests: { cpu: "500m", memory: "1Gi" } } }, { cpu: 7060 - 550, memory: 13_274_972_160 - 1088 * MI }],
            ["no CPU serving", { cpuServing: [] }, { cpu: 7060 - 3500, memory: 13_274_972_160 - 4096 * MI }],
            // Config validation reports a bad quantity; here it counts as nothing.
            ["an unparsable quantity", { cpuServing: [{ replicas: 2, cpu: "lots", memory: "much" }] }, { cpu: 7060 - 3500, memory: 13_274_972_160 - 4096 * MI }],
        ];
        assert.equal(cases.length, 5);
        for (const [what, change, reserved] of cases) {
            const l = { ...load, ...change };
            assert.deepEqual(systemBatchCapacity(l), { cpu: l.maxNodes * node.cpu - reserved.cpu, memory: l.maxNodes * node.memory - reserved.memory, reserved }, what);
        }
    });

    it("reports the shortfall as a negative capacity, and nothing for a machine type it does not know", () => {
        assert.deepEqual(systemBatchCapacity({ ...load, maxNodes: 1, cpuServing: [{ replicas: 10, cpu: "1", memory: "4Gi" }] }), {
            cpu: 7910 - 12_960, memory: node.memory - (700 + 2048 + 2240 + 2176 + 40_960) * MI,
            reserved: { cpu: 300 + 1000 + 560 + 1100 + 10_000, memory: (700 + 2048 + 2240 + 2176 + 40_960) * MI },
        });
        assert.equal(systemBatchCapacity({ ...load, machineType: "x9-mega-1" }), undefined);
    });

    it("a training pool offers all its nodes at max size, and says whether it is flex-start", () => {
        // g2-standard-24: 24000m - 130m = 23870m and 88374205808 bytes allocatable per node.
        assert.deepEqual(trainingPoolCapacity({ name: "l4", machineType: "g2-standard-24", maxNodes: 3, schedulableGpusPerNode: 2, provisioning: "standard" }),
            { flavor: "l4", cpu: 71_610, memory: 265_122_617_424, gpu: 6, flexStart: false });
        assert.deepEqual(trainingPoolCapacity({ name: "h100", machineType: "a3-highgpu-8g", maxNodes: 2, schedulableGpusPerNode: 8, provisioning: "flex-start" }),
            { flavor: "h100", cpu: 414_820, memory: 3_654_393_295_338, gpu: 16, flexStart: true });
        const unknown = trainingPoolCapacity({ name: "x", machineType: "x9-mega-1", maxNodes: 3, schedulableGpusPerNode: 2, provisioning: "spot" });
        assert.deepEqual([unknown.flavor, unknown.cpu, unknown.gpu, unknown.flexStart], ["x", 0, 6, false]);
    });

    it("batch objects: the CPU flavor then each pool's, a queue per team with quotas split by weight and DWS on flex-start pools", () => {
        const teams = [{ namespace: "vision", cpu: "24", memory: "96Gi", gpus: 3 }, { namespace: "nlp", cpu: "8", memory: "32Gi", gpus: 1 }];
        const objects = batchObjects(teams, { cpu: 16_000, memory: 64 * GI }, [
            { name: "l4", acceleratorType: "nvidia-l4", provisioning: "standard", machineType: "g2-standard-24", maxNodes: 2, schedulableGpusPerNode: 2 },
            { name: "h100-flex", acceleratorType: "nvidia-h100-80gb", provisioning: "flex-start", machineType: "a3-highgpu-8g", maxNodes: 1, schedulableGpusPerNode: 8 },
        ]);
        assert.deepEqual(objects.flavors, [
            { name: "cpu", spec: cpuFlavor() },
            { name: "l4", spec: gpuFlavor({ name: "l4", acceleratorType: "nvidia-l4", provisioning: "standard" }) },
            { name: "h100-flex", spec: gpuFlavor({ name: "h100-flex", acceleratorType: "nvidia-h100-80gb", provisioning: "flex-start" }) },
        ]);
        assert.equal(objects.flavors[2].spec.tolerations!.length, 2);
        // CPU and memory split 3:1 by the teams' CPU and memory quotas; GPUs 3:1 by their GPU quotas.
        assert.deepEqual(objects.queues, [
            { namespace: "vision", spec: clusterQueueSpec(teams[0], [
                { flavor: "cpu", cpu: "12000m", memory: "49152Mi", gpu: 0 },
                { flavor: "l4", cpu: "35805m", memory: "126420Mi", gpu: 3 },
                { flavor: "h100-flex", cpu: "155557m", memory: "1306912Mi", gpu: 6 },
            ], ["h100-flex"]) },
            { namespace: "nlp", spec: clusterQueueSpec(teams[1], [
                { flavor: "cpu", cpu: "4000m", memory: "16384Mi", gpu: 0 },
                { flavor: "l4", cpu: "11935m", memory: "42140Mi", gpu: 1 },
                { flavor: "h100-flex", cpu: "51852m", memory: "435637Mi", gpu: 2 },
            ], ["h100-flex"]) },
        ]);
        assert.deepEqual(objects.queues[0].spec.admissionChecksStrategy, { admissionChecks: [{ name: "dws-provisioning", onFlavors: ["h100-flex"] }] });
    });

    it("batch objects: a system pool the platform overfills lends nothing, and no flex-start pool means no admission check", () => {
        const team = { namespace: "vision", cpu: "24", memory: "96Gi", gpus: 0 };
        const objects = batchObjects([team], { cpu: -500, memory: -1 }, []);
        assert.deepEqual(objects, {
            flavors: [{ name: "cpu", spec: { nodeLabels: { "mlops.platform/purpose": "system" } } }],
            queues: [{ namespace: "vision", spec: clusterQueueSpec(team, [{ flavor: "cpu", cpu: "0m", memory: "0Mi", gpu: 0 }]) }],
        });
        assert.equal(objects.queues[0].spec.admissionChecksStrategy, undefined);
        // Positive capacity passes through unchanged (the floor is at zero, not above it).
        assert.deepEqual(batchObjects([team], { cpu: 1, memory: MI }, []).queues[0].spec.resourceGroups[0].flavors[0].resources.map((r) => r.nominalQuota), ["1m", "1Mi", 0]);
    });
});
