// Which GPU each Compute Engine machine family carries, and how many per machine.
// Source: the GPU machine types documented for Compute Engine (accelerator-optimized A2/A3/G2, and N1 + attached GPU).

export interface AcceleratorSpec {
    /** Human name for messages. */
    label: string;
    /** The machine family that can carry it. */
    family: string;
    /** Machine types with a fixed GPU count (accelerator-optimized families). */
    fixed?: Record<string, number>;
    /** N1 machines attach GPUs: any n1 shape with one of these counts. */
    attachCounts?: readonly number[];
}

const N1 = /^n1-(standard|highmem|highcpu)-\d+$/;

export const ACCELERATORS: Record<string, AcceleratorSpec> = {
    "nvidia-l4": {
        label: "NVIDIA L4", family: "g2",
        fixed: {
            "g2-standard-4": 1, "g2-standard-8": 1, "g2-standard-12": 1, "g2-standard-16": 1, "g2-standard-32": 1,
            "g2-standard-24": 2, "g2-standard-48": 4, "g2-standard-96": 8,
        },
    },
    "nvidia-tesla-t4": { label: "NVIDIA T4", family: "n1", attachCounts: [1, 2, 4] },
    "nvidia-tesla-v100": { label: "NVIDIA V100", family: "n1", attachCounts: [1, 2, 4, 8] },
    "nvidia-tesla-a100": {
        label: "NVIDIA A100 40GB", family: "a2",
        fixed: { "a2-highgpu-1g": 1, "a2-highgpu-2g": 2, "a2-highgpu-4g": 4, "a2-highgpu-8g": 8, "a2-megagpu-16g": 16 },
    },
    "nvidia-a100-80gb": {
        label: "NVIDIA A100 80GB", family: "a2",
        fixed: { "a2-ultragpu-1g": 1, "a2-ultragpu-2g": 2, "a2-ultragpu-4g": 4, "a2-ultragpu-8g": 8 },
    },
    "nvidia-h100-80gb": {
        label: "NVIDIA H100 80GB", family: "a3",
        fixed: { "a3-highgpu-1g": 1, "a3-highgpu-2g": 2, "a3-highgpu-4g": 4, "a3-highgpu-8g": 8, "a3-edgegpu-8g": 8 },
    },
    "nvidia-h100-mega-80gb": { label: "NVIDIA H100 Mega 80GB", family: "a3", fixed: { "a3-megagpu-8g": 8 } },
};

export const ACCELERATOR_TYPES = Object.keys(ACCELERATORS);

/**
 * Checks that `machineType` can carry `count` GPUs of `acceleratorType`.
 * @returns the GPU count per node (derived from the machine type when `count` is omitted), or the reason it cannot.
 */
export function gpusPerNode(acceleratorType: string, machineType: string, count?: number): { count: number } | { error: string; on: "machineType" | "acceleratorCount" } {
    const spec = ACCELERATORS[acceleratorType];
    if (spec.fixed) {
        const n = spec.fixed[machineType];
        if (n === undefined) {
            return { on: "machineType", error: `cannot carry ${acceleratorType} (${spec.label} needs ${spec.family}); allowed: ${Object.keys(spec.fixed).join(", ")}` };
        }
        if (count !== undefined && count !== n) return { on: "acceleratorCount", error: `${machineType} always has ${n} ${acceleratorType}; set ${n} or omit it` };
        return { count: n };
    }
    if (!N1.test(machineType)) {
        return { on: "machineType", error: `cannot carry ${acceleratorType} (${spec.label} needs ${spec.family}); allowed: an n1-standard-*, n1-highmem-* or n1-highcpu-* type` };
    }
    const n = count ?? 1;
    if (!spec.attachCounts!.includes(n)) return { on: "acceleratorCount", error: `${acceleratorType} attaches in counts of ${spec.attachCounts!.join(", ")}` };
    return { count: n };
}

/** Multi-Instance GPU partition sizes GKE supports, per accelerator; only these GPUs can be partitioned. */
export const MIG_PARTITIONS: Record<string, readonly string[]> = {
    "nvidia-tesla-a100": ["1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"],
    "nvidia-a100-80gb": ["1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    "nvidia-h100-80gb": ["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    "nvidia-h100-mega-80gb": ["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
};

/** How many partitions of a size one GPU holds (the leading compute-slice count of 7). */
export function partitionsPerGpu(size: string): number {
    return Math.floor(7 / Number(size.split("g.")[0]));
}

/** Machine families GKE allows compact placement for. */
export const COMPACT_PLACEMENT_FAMILIES = ["a2", "a3", "g2", "c2", "c2d", "c3", "n2", "n2d"];
