// Compute Engine machine shapes and what GKE leaves of them for pods (allocatable), so capacity checks
// (a pod fits a node, a job fits a pool, queue quotas fit the pools) run before anything is created.
// Shapes: Compute Engine's machine families (E2, N1, N2, G2, A2, A3). Reservations: GKE's "Plan node sizes"
// page (memory: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2% above
// 128, plus 100 MiB eviction threshold; CPU: 6% of the first core, 1% of the next, 0.5% of the next 2,
// 0.25% above 4).

export interface MachineShape {
    vcpus: number;
    /** Memory in GB as Compute Engine states it (10^9 bytes). */
    memoryGb: number;
}

const FIXED: Record<string, MachineShape> = {
    "g2-standard-4": { vcpus: 4, memoryGb: 16 }, "g2-standard-8": { vcpus: 8, memoryGb: 32 },
    "g2-standard-12": { vcpus: 12, memoryGb: 48 }, "g2-standard-16": { vcpus: 16, memoryGb: 64 },
    "g2-standard-24": { vcpus: 24, memoryGb: 96 }, "g2-standard-32": { vcpus: 32, memoryGb: 128 },
    "g2-standard-48": { vcpus: 48, memoryGb: 192 }, "g2-standard-96": { vcpus: 96, memoryGb: 384 },
    "a2-highgpu-1g": { vcpus: 12, memoryGb: 85 }, "a2-highgpu-2g": { vcpus: 24, memoryGb: 170 },
    "a2-highgpu-4g": { vcpus: 48, memoryGb: 340 }, "a2-highgpu-8g": { vcpus: 96, memoryGb: 680 },
    "a2-megagpu-16g": { vcpus: 96, memoryGb: 1360 },
    "a2-ultragpu-1g": { vcpus: 12, memoryGb: 170 }, "a2-ultragpu-2g": { vcpus: 24, memoryGb: 340 },
    "a2-ultragpu-4g": { vcpus: 48, memoryGb: 680 }, "a2-ultragpu-8g": { vcpus: 96, memoryGb: 1360 },
    "a3-highgpu-1g": { vcpus: 26, memoryGb: 234 }, "a3-highgpu-2g": { vcpus: 52, memoryGb: 468 },
    "a3-highgpu-4g": { vcpus: 104, memoryGb: 936 }, "a3-highgpu-8g": { vcpus: 208, memoryGb: 1872 },
    "a3-edgegpu-8g": { vcpus: 208, memoryGb: 1872 }, "a3-megagpu-8g": { vcpus: 208, memoryGb: 1872 },
};

/** GB per vCPU of the predefined shapes of general-purpose families. */
const PER_VCPU: Record<string, Record<string, number>> = {
    e2: { standard: 4, highmem: 8, highcpu: 1 },
    n1: { standard: 3.75, highmem: 6.5, highcpu: 0.9 },
    n2: { standard: 4, highmem: 8, highcpu: 1 },
    n2d: { standard: 4, highmem: 8, highcpu: 1 },
};
const E2_SHARED: Record<string, MachineShape> = {
    "e2-micro": { vcpus: 2, memoryGb: 1 }, "e2-small": { vcpus: 2, memoryGb: 2 }, "e2-medium": { vcpus: 2, memoryGb: 4 },
};

/** The machine types whose shapes the platform knows, for messages. */
export const KNOWN_MACHINE_TYPES = "e2-, n1-, n2- or n2d-standard/highmem/highcpu-<vCPUs>, e2-micro/small/medium, and the GPU shapes g2-standard-*, a2-highgpu-*, a2-megagpu-16g, a2-ultragpu-*, a3-highgpu-*, a3-edgegpu-8g, a3-megagpu-8g";

/** The shape of a machine type, or undefined when the platform does not know it. */
export function machineShape(machineType: string): MachineShape | undefined {
    if (FIXED[machineType]) return FIXED[machineType];
    if (E2_SHARED[machineType]) return E2_SHARED[machineType];
    const m = /^([a-z0-9]+)-(standard|highmem|highcpu)-(\d+)$/.exec(machineType);
    const perVcpu = m && PER_VCPU[m[1]]?.[m[2]];
    if (!m || !perVcpu) return undefined;
    const vcpus = Number(m[3]);
    return { vcpus, memoryGb: vcpus * perVcpu };
}

const GIB = 2 ** 30;

/** Memory GKE reserves for the kubelet and system daemons, plus the eviction threshold, in bytes. */
export function reservedMemory(capacityBytes: number): number {
    const tiers: [number, number][] = [[4, 0.25], [4, 0.2], [8, 0.1], [112, 0.06], [Infinity, 0.02]];
    let left = capacityBytes;
    let reserved = 0;
    for (const [gib, share] of tiers) {
        const part = Math.min(left, gib * GIB);
        reserved += part * share;
        left -= part;
        if (left <= 0) break;
    }
    return reserved + 100 * 2 ** 20;
}

/** CPU GKE reserves, in millicores. */
export function reservedCpu(vcpus: number): number {
    const tiers: [number, number][] = [[1, 0.06], [1, 0.01], [2, 0.005], [Infinity, 0.0025]];
    let left = vcpus;
    let reserved = 0;
    for (const [cores, share] of tiers) {
        const part = Math.min(left, cores);
        reserved += part * share;
        left -= part;
        if (left <= 0) break;
    }
    return reserved * 1000;
}

/** What pods may request on one node: CPU in millicores, memory in bytes. */
export interface Allocatable {
    cpuMillis: number;
    memoryBytes: number;
}

export function allocatable(shape: MachineShape): Allocatable {
    const memory = shape.memoryGb * 1e9;
    return {
        cpuMillis: Math.floor(shape.vcpus * 1000 - reservedCpu(shape.vcpus)),
        memoryBytes: Math.floor(memory - reservedMemory(memory)),
    };
}
