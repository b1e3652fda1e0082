// The schedulability proof's rules, one at a time, with the numbers they report.
import * as assert from "node:assert/strict";
import { allocatable, machineShape, reservedMemory } from "../../lib/machines";
import { partitionsPerGpu } from "../../lib/accelerators";
import {
    FlavorShape, KueueShape, NodePoolShape, WorkloadShape, admit, checkQueueQuotas, checkCapacity, nodePoolShape, podShape, queueShape, quotaShape, selectorMatches,
} from "../../components/scheduling/capacity";

const GI = 2 ** 30;
const system: NodePoolShape = nodePoolShape({ name: "system", machineType: "e2-standard-8", labels: { "mlops.platform/purpose": "system" }, taints: [], maxNodes: 3 }, allocatable(machineShape("e2-standard-8")!), partitionsPerGpu);
const gpu: NodePoolShape = nodePoolShape({
    name: "a100", machineType: "a2-highgpu-1g", labels: { "mlops.platform/purpose": "training", "mlops.platform/pool": "a100" },
    taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }], maxNodes: 2, accelerator: { type: "nvidia-tesla-a100", count: 1 },
}, allocatable(machineShape("a2-highgpu-1g")!), partitionsPerGpu);
const pod = (cpu: string, memory: string, extra: Record<string, unknown> = {}) => podShape({ containers: [{ resources: { requests: { cpu, memory }, limits: { cpu, memory } } }], ...extra });
const gpuPod = podShape({
    nodeSelector: { "mlops.platform/pool": "a100" },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    containers: [{ resources: { requests: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" }, limits: { cpu: "8", memory: "16Gi", "nvidia.com/gpu": "1" } } }],
});

describe("capacity: machine shapes and GKE's reservations", () => {
    it("knows the shapes of the platform's machine types", () => {
        assert.deepEqual(machineShape("a3-highgpu-8g"), { vcpus: 208, memoryGb: 1872 });
        assert.deepEqual(machineShape("n1-standard-8"), { vcpus: 8, memoryGb: 30 });
        assert.equal(machineShape("x9-mega-1"), undefined);
    });
    it("reserves memory by GKE's tiers plus the eviction threshold", () => {
        // 16 GiB: 1 + 0.8 + 0.8 GiB, plus 100 MiB.
        assert.equal(reservedMemory(16 * GI), 2.6 * GI + 100 * 2 ** 20);
        assert.deepEqual(allocatable({ vcpus: 4, memoryGb: 16 }).cpuMillis, 4000 - 80);
    });
    it("a GPU pool's allocatable counts MIG partitions and time-sharing clients", () => {
        const mig = nodePoolShape({ name: "m", machineType: "a2-highgpu-1g", labels: {}, taints: [], maxNodes: 1, accelerator: { type: "nvidia-tesla-a100", count: 1, partitionSize: "1g.5gb", maxClientsPerGpu: 2 } }, undefined, partitionsPerGpu);
        assert.equal(mig.allocatable.gpu, 14);
        assert.equal(mig.labels["cloud.google.com/gke-gpu-partition-size"], "1g.5gb");
    });
});

describe("capacity: a pod's effective requests", () => {
    it("adds native sidecars to containers, takes the larger init container, and fills LimitRange defaults", () => {
        const p = podShape({
            initContainers: [
                { restartPolicy: "Always", resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
                { resources: { requests: { cpu: "3", memory: "1Gi" } } },
            ],
            containers: [{ resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } } }, { resources: {} }],
        }, { request: { cpu: 250, memory: 512 * 2 ** 20 }, limit: { cpu: 1000, memory: GI } });
        assert.equal(p.requests.cpu, 3050); // the 3-CPU init container plus the sidecar beats 1 + 0.25 + 0.05
        assert.equal(p.requests.memory, 2 * GI + 512 * 2 ** 20 + 64 * 2 ** 20);
        assert.equal(p.limits.cpu, 2000 + 1000 + 500);
    });
    it("a request defaults to its limit; an unlimited container has Infinity limits", () => {
        const p = podShape({ containers: [{ resources: { limits: { cpu: "2", memory: "1Gi" } } }, { resources: { requests: { cpu: "1", memory: "1Gi" } } }] });
        assert.equal(p.requests.cpu, 3000);
        assert.equal(p.limits.cpu, Infinity);
    });
});

describe("capacity: node affinity as kube-scheduler and Kueue match it", () => {
    it("nodeSelector and affinity terms; Kueue looks only at the flavor's own keys", () => {
        const p = podShape({ nodeSelector: { a: "1" }, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "b", operator: "Exists" }] }] } } }, containers: [] });
        assert.equal(selectorMatches(p, { a: "1", b: "x" }), true);
        assert.equal(selectorMatches(p, { a: "1" }), false);
        assert.equal(selectorMatches(p, { c: "1" }, new Set(["c"])), true);
        assert.equal(selectorMatches(p, { a: "2" }, new Set(["a"])), false);
    });
});

const cq = (name: string, groups: [string[], [string, number, number, number][]][]) => queueShape(name, {
    cohortName: "co",
    resourceGroups: groups.map(([covered, flavors]) => ({
        coveredResources: covered,
        flavors: flavors.map(([n, cpu, mem, g]) => ({ name: n, resources: [["cpu", `${cpu}`], ["memory", `${mem}Gi`], ["nvidia.com/gpu", g]].filter(([r]) => covered.includes(r as string)).map(([r, q]) => ({ name: r, nominalQuota: q })) })),
    })),
});

describe("capacity: what Kueue adds on admission", () => {
    const flavors: FlavorShape[] = [
        { name: "cpu", nodeLabels: { "mlops.platform/purpose": "system" }, tolerations: [] },
        { name: "a100", nodeLabels: { "mlops.platform/purpose": "training", "mlops.platform/pool": "a100" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] },
    ];
    const job: WorkloadShape = { name: "Job t/train", namespace: "t", pod: gpuPod, pods: 1, longRunning: false, queue: "batch" };

    it("two resource groups give a GPU job both flavors' labels: a system node and a GPU node at once (the old defect)", () => {
        // The old flavors: CPU on the system purpose, the GPU pool by its name only.
        const old: FlavorShape[] = [flavors[0], { ...flavors[1], nodeLabels: { "mlops.platform/pool": "a100" } }];
        const k: KueueShape = { flavors: old, clusterQueues: [cq("t", [[["cpu", "memory"], [["cpu", 16, 64, 0]]], [["nvidia.com/gpu"], [["a100", 0, 0, 2]]]])], localQueues: { "t/batch": "t" } };
        const [v] = checkCapacity({ pools: [system, gpu], namespaces: {}, kueue: k, workloads: [job] });
        assert.match(v.problems.join(), /node: no pool can take a pod \(node selector\/affinity matches none of pools system, a100\)/);
    });

    it("one resource group gives it the GPU pool's labels only", () => {
        const k: KueueShape = { flavors, clusterQueues: [cq("t", [[["cpu", "memory", "nvidia.com/gpu"], [["cpu", 16, 64, 0], ["a100", 24, 170, 2]]]])], localQueues: { "t/batch": "t" } };
        const a = admit(k, job);
        assert.ok("flavors" in a);
        assert.deepEqual(a.flavors, ["a100"]);
        assert.deepEqual(checkCapacity({ pools: [system, gpu], namespaces: {}, kueue: k, workloads: [job] })[0].problems, []);
    });

    it("a unit larger than the queue's quota plus what the cohort lends can never be admitted", () => {
        const k: KueueShape = {
            flavors,
            clusterQueues: [cq("t", [[["cpu", "memory", "nvidia.com/gpu"], [["a100", 24, 170, 1]]]]), cq("u", [[["cpu", "memory", "nvidia.com/gpu"], [["a100", 0, 0, 0]]]])],
            localQueues: { "t/batch": "t" },
        };
        const a = admit(k, { ...job, pods: 2 });
        assert.ok("problem" in a);
        assert.match(a.problem, /a100: the unit needs 2 GPU, the queue can have at most 1 GPU with what its cohort lends/);
    });
});

describe("capacity: pools and quotas", () => {
    it("a unit bigger than the pool at max size", () => {
        const [v] = checkCapacity({ pools: [gpu], namespaces: {}, kueue: { flavors: [], clusterQueues: [], localQueues: {} }, workloads: [{ name: "JobSet t/x", namespace: "t", pod: gpuPod, pods: 3, longRunning: false }] });
        assert.deepEqual(v.problems, ["pool: 3 pods of 4 CPU, 16Gi, 1 GPU each need more than pools a100 (max 2 nodes, 1 per node) can hold (2)"]);
    });
    it("a batch unit next to what long-running workloads already hold", () => {
        const namespaces = { t: { quota: quotaShape({ "requests.cpu": "8", "requests.memory": "16Gi", "limits.cpu": "16", "limits.memory": "32Gi" }) } };
        const workloads: WorkloadShape[] = [
            { name: "Deployment t/serve", namespace: "t", pod: pod("1", "3Gi"), pods: 2, longRunning: true },
            { name: "CronJob t/retrain", namespace: "t", pod: pod("4", "16Gi"), pods: 1, longRunning: false },
        ];
        const v = checkCapacity({ pools: [system], namespaces, kueue: { flavors: [], clusterQueues: [], localQueues: {} }, workloads });
        assert.deepEqual(v[0].problems, []);
        assert.deepEqual(v[1].problems, ["quota: requests.memory of namespace t is 16Gi; it needs 16Gi for 1 pod(s) next to the 6Gi long-running workloads hold: 22Gi in all"]);
    });
    it("one pod bigger than any node, and a taint not tolerated", () => {
        const [big] = checkCapacity({ pools: [system], namespaces: {}, kueue: { flavors: [], clusterQueues: [], localQueues: {} }, workloads: [{ name: "Deployment t/big", namespace: "t", pod: pod("16", "8Gi"), pods: 1, longRunning: true }] });
        assert.match(big.problems[0], /one pod requests 16 CPU; a node of pool system offers 7\.91 CPU/);
        const untolerated = podShape({ nodeSelector: { "mlops.platform/pool": "a100" }, containers: [] });
        const [t] = checkCapacity({ pools: [gpu], namespaces: {}, kueue: { flavors: [], clusterQueues: [], localQueues: {} }, workloads: [{ name: "Job t/x", namespace: "t", pod: untolerated, pods: 1, longRunning: false }] });
        assert.match(t.problems[0], /does not tolerate taint nvidia.com\/gpu=present:NoSchedule of pool a100/);
    });
    it("a node agent must reach every node its selector picks", () => {
        const flex = { ...gpu, name: "flex", taints: [...gpu.taints, { key: "cloud.google.com/gke-queued", value: "true", effect: "NoSchedule" }] };
        const agent = podShape({ tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "cloud.google.com/gke-accelerator", operator: "Exists" }] }] } } }, containers: [] });
        const [v] = checkCapacity({ pools: [system, gpu, flex], namespaces: {}, kueue: { flavors: [], clusterQueues: [], localQueues: {} }, workloads: [{ name: "DaemonSet m/dcgm", namespace: "m", pod: agent, pods: 1, daemon: true, longRunning: true }] });
        assert.deepEqual(v.problems, ["node: misses pool flex: does not tolerate taint cloud.google.com/gke-queued=true:NoSchedule of pool flex"]);
    });
});

describe("capacity: messages stay readable with many pools", () => {
    it("names at most six mismatching pools, then counts the rest", () => {
        const many = Array.from({ length: 9 }, (_, i) => ({ ...system, name: `p${i}`, labels: { pool: `p${i}` } }));
        const [v] = checkCapacity({ pools: many, namespaces: {}, kueue: { flavors: [], clusterQueues: [], localQueues: {} }, workloads: [{ name: "Job t/x", namespace: "t", pod: podShape({ nodeSelector: { pool: "none" }, containers: [] }), pods: 1, longRunning: false }] });
        assert.deepEqual(v.problems, ["node: no pool can take a pod (node selector/affinity matches none of pools p0, p1, p2, p3, p4, p5 and 3 more)"]);
    });
});

describe("capacity: queue quotas are capacity that exists", () => {
    const flavors: FlavorShape[] = [{ name: "cpu", nodeLabels: { "mlops.platform/purpose": "system" }, tolerations: [] }, { name: "a100", nodeLabels: { "mlops.platform/pool": "a100" }, tolerations: [] }];
    it("every team offering its whole namespace quota on every flavor (the old queues) promises more than the pools have", () => {
        const teams = ["a", "b", "c"].map((t) => cq(t, [[["cpu", "memory"], [["cpu", 16, 64, 0]]], [["nvidia.com/gpu"], [["a100", 0, 0, 2]]]]));
        assert.deepEqual(checkQueueQuotas({ flavors, clusterQueues: teams, localQueues: {} }, [system, gpu]), [
            "ResourceFlavor cpu: the ClusterQueues' nominal cpu adds up to 48 CPU; pools system reach at most 23.73 CPU",
            "ResourceFlavor cpu: the ClusterQueues' nominal memory adds up to 192Gi; pools system reach at most 78.83Gi",
            "ResourceFlavor a100: the ClusterQueues' nominal nvidia.com/gpu adds up to 6 GPU; pools a100 reach at most 2 GPU",
        ]);
    });
    it("a flavor no pool carries", () => {
        assert.deepEqual(checkQueueQuotas({ flavors: [{ name: "h100", nodeLabels: { "mlops.platform/pool": "h100" }, tolerations: [] }], clusterQueues: [], localQueues: {} }, [system, gpu]),
            ['ResourceFlavor h100: no node pool carries its labels {"mlops.platform/pool":"h100"}']);
    });
});
