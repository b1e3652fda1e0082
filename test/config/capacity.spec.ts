// Config is rejected, before any resource, when a declared model's pods could never run.
import * as assert from "node:assert/strict";
import { configIssues, stackValues } from "../helpers";
import { Any } from "../plans";

const NSS = "mlops-platform:namespaces";
const MODELS = "mlops-platform:models";
const CLUSTER = "mlops-platform:cluster";

describe("stack configuration: capacity", () => {
    it("the multi-node ranker run cannot fit ml-training's old quota (64 CPU / 512Gi): the quota check names the numbers", () => {
        const raw = stackValues("prod");
        (raw[NSS] as Any[])[1].quota = { requestsCpu: "64", limitsCpu: "128", requestsMemory: "512Gi", limitsMemory: "1Ti", gpus: 16, pvcs: 20, storage: "2Ti" };
        const issues = configIssues(raw).filter((i) => i.key === `${MODELS}[2].retraining`);
        assert.deepEqual(issues.map((i) => i.message), [
            "JobSet ml-training/ranker-retrain cannot run: quota: requests.cpu of namespace ml-training is 64 CPU; it needs 128 CPU for 2 pod(s) next to the 4 CPU long-running workloads hold: 132 CPU in all",
            "JobSet ml-training/ranker-retrain cannot run: quota: requests.memory of namespace ml-training is 512Gi; it needs 1024Gi for 2 pod(s) next to the 8Gi long-running workloads hold: 1032Gi in all",
            "JobSet ml-training/ranker-retrain cannot run: quota: limits.cpu of namespace ml-training is 128 CPU; it needs 256 CPU for 2 pod(s) next to the 8 CPU long-running workloads hold: 264 CPU in all",
            "JobSet ml-training/ranker-retrain cannot run: quota: limits.memory of namespace ml-training is 1024Gi; it needs 1024Gi for 2 pod(s) next to the 8Gi long-running workloads hold: 1032Gi in all",
        ]);
    });

    it("dev's fraud-detector retraining (16Gi) cannot fit next to serving in the old 16Gi ml-serving quota", () => {
        const raw = stackValues("dev");
        (raw[NSS] as Any[])[0].quota.requestsMemory = "16Gi";
        const issues = configIssues(raw);
        assert.deepEqual(issues.map((i) => [i.key, i.message]), [[`${MODELS}[0].retraining`,
            "CronJob ml-serving/fraud-detector-retrain cannot run: quota: requests.memory of namespace ml-serving is 16Gi; it needs 16Gi for 1 pod(s) next to the 6Gi long-running workloads hold: 22Gi in all"]]);
    });

    it("a multi-node run with more nodes than its pool can ever have", () => {
        const raw = stackValues("prod");
        (raw["mlops-platform:gpuNodePools"] as Any[])[3].maxNodes = 1;
        const issues = configIssues(raw).filter((i) => i.key === `${MODELS}[2].retraining`);
        assert.ok(issues.some((i) => /pool: 2 pods of 64 CPU, 512Gi, 8 GPU each need more than pools h100-flex \(max 1 nodes, 1 per node\) can hold \(1\)/.test(i.message)), JSON.stringify(issues));
        assert.ok(issues.some((i) => /queue: ClusterQueue ml-training can never admit it for cpu, memory, nvidia.com\/gpu \(cpu: node labels do not match; a100-training: node labels do not match; h100-flex: the unit needs 16 GPU, the queue can have at most 8 GPU with what its cohort lends\)$/.test(i.message)), JSON.stringify(issues));
        assert.equal(issues.length, 2, JSON.stringify(issues));
    });

    it("a pod larger than any node of its pool", () => {
        const raw = stackValues("prod");
        (raw[MODELS] as Any[])[0].resources = { cpu: "16", memory: "8Gi" };
        const issues = configIssues(raw).filter((i) => i.key === `${MODELS}[0].replicas.min` && /node:/.test(i.message));
        assert.equal(issues.length, 1, JSON.stringify(issues));
        assert.match(issues[0].message, /^Rollout ml-serving\/fraud-detector cannot run: node: no pool can take a pod \(.*one pod requests 16 CPU; a node of pool l4-serving offers 7\.91 CPU/);
    });

    it("a system pool that cannot hold the platform and CPU serving at max replicas", () => {
        const raw = stackValues("dev");
        (raw[CLUSTER] as Any).systemPool.maxNodes = 1;
        (raw[CLUSTER] as Any).systemPool.minNodes = 1;
        const issues = configIssues(raw).filter((i) => i.key === `${CLUSTER}.systemPool.maxNodes`);
        assert.equal(issues.length, 1, JSON.stringify(configIssues(raw)));
        assert.equal(issues[0].value, 1);
        assert.match(issues[0].message, /leaves no room: 1 x e2-standard-4 cannot hold the platform and CPU model servers at max replicas \(they request 4\.41 CPU, .*Gi\); raise maxNodes or choose a larger machineType/);
    });

    it("a system pool machine type whose size is unknown, so capacity cannot be proven: one problem, not one per model", () => {
        const raw = stackValues("prod");
        (raw[CLUSTER] as Any).systemPool.machineType = "c4-standard-8";
        const issues = configIssues(raw);
        assert.equal(issues.length, 1, JSON.stringify(issues));
        assert.equal(issues[0].key, `${CLUSTER}.systemPool.machineType`);
        assert.equal(issues[0].value, "c4-standard-8");
        assert.match(issues[0].message, /must be a machine type whose size the platform knows.*e2-, n1-, n2- or n2d-standard/);
    });

    it("the checked-in stacks pass", () => {
        for (const s of ["dev", "prod"] as const) assert.throws(() => configIssues(stackValues(s)), /expected the configuration to be rejected/);
    });
});
