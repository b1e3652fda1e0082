// The bench's large stack config: prod grown to 50 GPU pools and 100 team namespaces. Kept apart from the bench
// so a test can check that it still passes the program's validation (a rule added later must not break it).
import { loadStackConfig } from "./stackConfig";

export const LARGE_POOLS = 50;
export const LARGE_NAMESPACES = 100;

/** The large config: prod's settings, pools, namespaces and models, grown to 50 GPU pools and 100 namespaces. */
export function largeConfig(): Record<string, unknown> {
    const config = loadStackConfig("prod").values;
    const pools = config["mlops-platform:gpuNodePools"] as unknown[];
    const namespaces = config["mlops-platform:namespaces"] as unknown[];
    config["mlops-platform:gpuNodePools"] = [...pools, ...Array.from({ length: LARGE_POOLS - pools.length }, (_, i) => i % 2 === 0
        ? { name: `l4-serving-${i}`, machineType: "g2-standard-8", acceleratorType: "nvidia-l4", minNodes: 0, maxNodes: 4, purpose: "serving", zones: ["us-central1-a", "us-central1-b"] }
        : { name: `a100-training-${i}`, machineType: "a2-highgpu-1g", acceleratorType: "nvidia-tesla-a100", minNodes: 0, maxNodes: 4, spot: true, purpose: "training", zones: ["us-central1-a", "us-central1-c"] })];
    config["mlops-platform:namespaces"] = [...namespaces, ...Array.from({ length: LARGE_NAMESPACES - namespaces.length }, (_, i) => ({
        name: `team-${i}`, quota: { requestsCpu: "8", limitsCpu: "16", requestsMemory: "32Gi", limitsMemory: "64Gi", gpus: 2, pvcs: 5, storage: "100Gi" },
    }))];
    return config;
}
