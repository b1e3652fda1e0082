import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ACCELERATOR_TYPES, COMPACT_PLACEMENT_FAMILIES, MIG_PARTITIONS, gpusPerNode, partitionsPerGpu } from "../../lib/accelerators";
import { Report, resolveOrThrow } from "../../lib/errors";
import { checkZone, gpuRegions, gpuZonesIn, zonesOf } from "../../lib/zones";
import { GPU_TAINT, NodePurpose, checkPoolSize, hardenedNodeConfig } from "./nodeConfig";

export const GPU_PURPOSES = ["serving", "training"] as const;
export type GpuPurpose = (typeof GPU_PURPOSES)[number];
export const GPU_DRIVER_VERSIONS = ["DEFAULT", "LATEST"] as const;
export const PROVISIONING = ["on-demand", "spot", "flex-start"] as const;
export type Provisioning = (typeof PROVISIONING)[number];
export const SHARING_STRATEGIES = ["time-sharing", "mps"] as const;

/** The user-facing options of one GPU pool (an entry of `mlops-platform:gpuNodePools`). */
export interface GpuNodePoolOptions {
    /** Pool name: lowercase letters, digits and '-', starting with a letter, at most 32 chars. Required. */
    name: string;
    /** Compute Engine machine type that carries the accelerator (L4: g2, A100: a2, H100: a3, T4/V100: n1). Required. */
    machineType: string;
    /** GKE accelerator type, one of ACCELERATOR_TYPES. Required. */
    acceleratorType: string;
    /** GPUs per node. Defaults to the machine type's fixed count (g2/a2/a3) or 1 (n1). */
    acceleratorCount?: number;
    /** Total nodes across zones. Defaults to 0: an idle GPU pool costs nothing. */
    minNodes?: number;
    /** Defaults to 2. Must be >= minNodes. */
    maxNodes?: number;
    /** Spot VMs: up to ~70% cheaper, reclaimable at any time; for checkpointed training. Defaults to false. */
    spot?: boolean;
    /** What runs here: `serving` (latency-bound, on-demand) or `training` (batch). Required. */
    purpose: GpuPurpose;
    /** Zones of the region that have this GPU. Defaults to the cluster's zones. */
    zones?: string[];
    /** Boot disk size; model images are large. Defaults to 200. */
    diskSizeGb?: number;
    /** NVIDIA driver GKE installs: DEFAULT or LATEST. Defaults to DEFAULT. */
    driverVersion?: (typeof GPU_DRIVER_VERSIONS)[number];
    /**
     * on-demand, spot, or flex-start (Dynamic Workload Scheduler: nodes arrive all at once when capacity
     * exists; training pools only, at 0 nodes until a job asks through Kueue). Defaults to spot when
     * `spot` is true, else on-demand.
     */
    provisioning?: Provisioning;
    /** Several small pods per GPU: `{ strategy: time-sharing | mps, maxClientsPerGpu: 2..48 }`. Defaults to none. */
    sharing?: { strategy: (typeof SHARING_STRATEGIES)[number]; maxClientsPerGpu: number };
    /** Multi-Instance GPU partition size, e.g. 1g.5gb (A100 and H100 only). Defaults to none (whole GPUs). */
    partitionSize?: string;
    /** `compact`: nodes close together for multi-node training (one zone, supported families). Defaults to none. */
    placement?: "compact";
    /** A Compute Engine reservation to consume by name. Defaults to none. */
    reservation?: string;
}

export interface GpuNodePoolArgs extends GpuNodePoolOptions {
    /** Cluster name. Required. */
    cluster: pulumi.Input<string>;
    /** Cluster location (region or zone). Required; a zone means a zonal cluster, whose zone must offer the GPU when `zones` is unset. */
    location: string;
    /** Region of the cluster, to check `zones`. Required. */
    region: string;
    /** Node service account email. Required; never the Compute default. */
    serviceAccount: pulumi.Input<string>;
}

export const GPU_POOL_DEFAULTS = { minNodes: 0, maxNodes: 2, spot: false, diskSizeGb: 200, driverVersion: "DEFAULT" as const };

export type ResolvedGpuPool = Required<Omit<GpuNodePoolOptions, "zones" | "sharing" | "partitionSize" | "placement" | "reservation">> & {
    zones?: string[];
    sharing?: GpuNodePoolOptions["sharing"];
    partitionSize?: string;
    placement?: "compact";
    reservation?: string;
    /** `nvidia.com/gpu` units a node offers: GPUs, times partitions (MIG) or clients (sharing). */
    schedulableGpusPerNode: number;
};

const POOL_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Each zone must be a zone of the region that offers the pool's GPU (lib/zones.ts). Without `zones`, the
 * pool takes the cluster's zones: the zonal cluster's zone, or the regional cluster's zones, which GKE picks
 * from the region, so every zone of the region must offer the GPU.
 * @param clusterZone the zone of a zonal cluster; undefined for a regional one.
 */
function checkGpuZones(o: GpuNodePoolOptions, region: string, clusterZone: string | undefined, report: Report): void {
    const offered = gpuZonesIn(o.acceleratorType, region);
    const regionZones = zonesOf(region);
    // An unknown GPU type or region is reported on its own key.
    if (!offered || !regionZones) return;
    const where = offered.length > 0
        ? `in ${region} it is offered in ${offered.join(", ")}`
        : `no zone of ${region} offers it; regions that do: ${gpuRegions(o.acceleratorType).join(", ")}`;
    if (o.zones !== undefined) {
        o.zones.forEach((z, i) => {
            const inRegion = checkZone(z, region);
            if (!inRegion.ok) report(`zones[${i}]`, inRegion.message, z);
            else if (!offered.includes(z)) report(`zones[${i}]`, `does not offer ${o.acceleratorType}; ${where}`, z);
        });
        return;
    }
    // Compact placement already demands exactly one zone; one message for the key is enough.
    if (o.placement === "compact") return;
    const missing = (clusterZone !== undefined ? [clusterZone] : regionZones).filter((z) => regionZones.includes(z) && !offered.includes(z));
    if (missing.length > 0) {
        const whose = clusterZone !== undefined ? `the cluster's zone ${clusterZone}` : `the regional cluster's zones (any of ${regionZones.join(", ")})`;
        report("zones", `is unset, so the pool uses ${whose}, and ${missing.join(", ")} do${missing.length === 1 ? "es" : ""} not offer ${o.acceleratorType}; ${where}${offered.length > 0 ? "; set zones to some of them" : ""}`);
    }
}

/** Pure: fills defaults and reports every bad option, by field name. */
export function resolveGpuNodePool(o: GpuNodePoolOptions, region: string, report: Report, clusterZone?: string): ResolvedGpuPool {
    const d = GPU_POOL_DEFAULTS;
    // Pulumi appends an 8-character suffix to the GKE node pool name, whose limit is 40.
    if (!POOL_NAME.test(o.name) || o.name.length > 32) {
        report("name", "must be lowercase letters, digits and '-', start with a letter, end with a letter or digit, at most 32 chars", o.name);
    }
    if (!GPU_PURPOSES.includes(o.purpose)) report("purpose", `allowed: ${GPU_PURPOSES.join(", ")}`, o.purpose);
    let acceleratorCount = o.acceleratorCount ?? 1;
    if (o.acceleratorCount !== undefined && (!Number.isInteger(o.acceleratorCount) || o.acceleratorCount < 1)) {
        report("acceleratorCount", "must be a positive integer", o.acceleratorCount);
    } else if (!ACCELERATOR_TYPES.includes(o.acceleratorType)) {
        report("acceleratorType", `is not a known GPU; allowed: ${ACCELERATOR_TYPES.join(", ")}`, o.acceleratorType);
    } else {
        const fit = gpusPerNode(o.acceleratorType, o.machineType, o.acceleratorCount);
        if ("error" in fit) report(fit.on, fit.error, fit.on === "machineType" ? o.machineType : o.acceleratorCount);
        else acceleratorCount = fit.count;
    }
    const minNodes = o.minNodes ?? d.minNodes;
    const maxNodes = o.maxNodes ?? d.maxNodes;
    checkPoolSize(minNodes, maxNodes, report);
    const diskSizeGb = o.diskSizeGb ?? d.diskSizeGb;
    if (!Number.isInteger(diskSizeGb) || diskSizeGb < 50 || diskSizeGb > 65536) report("diskSizeGb", "must be an integer from 50 to 65536", diskSizeGb);
    const driverVersion = o.driverVersion ?? d.driverVersion;
    if (!GPU_DRIVER_VERSIONS.includes(driverVersion)) report("driverVersion", `allowed: ${GPU_DRIVER_VERSIONS.join(", ")}`, driverVersion);
    checkGpuZones(o, region, clusterZone, report);

    const provisioning: Provisioning = o.provisioning ?? (o.spot ? "spot" : "on-demand");
    if (!PROVISIONING.includes(provisioning)) report("provisioning", `allowed: ${PROVISIONING.join(", ")}`, o.provisioning);
    if (o.spot !== undefined && o.provisioning !== undefined && o.spot !== (o.provisioning === "spot")) report("spot", `contradicts provisioning (${o.provisioning}); set only provisioning`, o.spot);
    if (provisioning === "flex-start") {
        if (o.purpose !== "training") report("provisioning", "flex-start is for training pools: a serving pool must have capacity when traffic comes", provisioning);
        if (minNodes !== 0) report("minNodes", "must be 0 with flex-start: nodes come only when a job asks for them", minNodes);
    }
    let perGpu = 1;
    if (o.partitionSize !== undefined) {
        const sizes = MIG_PARTITIONS[o.acceleratorType];
        if (!sizes) report("partitionSize", `needs a GPU that supports Multi-Instance GPU (${Object.keys(MIG_PARTITIONS).join(", ")}); ${o.acceleratorType} does not`, o.partitionSize);
        else if (!sizes.includes(o.partitionSize)) report("partitionSize", `allowed for ${o.acceleratorType}: ${sizes.join(", ")}`, o.partitionSize);
        else perGpu = partitionsPerGpu(o.partitionSize);
    }
    if (o.sharing !== undefined) {
        if (!SHARING_STRATEGIES.includes(o.sharing.strategy)) report("sharing.strategy", `allowed: ${SHARING_STRATEGIES.join(", ")}`, o.sharing.strategy);
        if (!Number.isInteger(o.sharing.maxClientsPerGpu) || o.sharing.maxClientsPerGpu < 2 || o.sharing.maxClientsPerGpu > 48) {
            report("sharing.maxClientsPerGpu", "must be a whole number from 2 to 48 (1 client is not sharing)", o.sharing.maxClientsPerGpu);
        } else perGpu *= o.sharing.maxClientsPerGpu;
        if (o.sharing.strategy === "mps" && o.partitionSize !== undefined) report("sharing.strategy", "mps cannot be combined with partitionSize; use time-sharing on MIG partitions", o.sharing.strategy);
    }
    if (o.placement !== undefined) {
        if (o.placement !== "compact") report("placement", "allowed: compact", o.placement);
        const family = o.machineType.split("-")[0];
        if (!COMPACT_PLACEMENT_FAMILIES.includes(family)) report("placement", `compact placement is not available for ${family} machines; allowed families: ${COMPACT_PLACEMENT_FAMILIES.join(", ")}`, o.placement);
        if ((o.zones ?? []).length !== 1) report("zones", "compact placement needs exactly one zone: nodes must be close together", o.zones);
    }
    if (o.reservation !== undefined && !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(o.reservation)) report("reservation", "must be a Compute Engine reservation name", o.reservation);
    if (o.reservation !== undefined && provisioning !== "on-demand") report("reservation", `a reservation is consumed by on-demand pools only (this pool is ${provisioning})`, o.reservation);

    return {
        name: o.name, machineType: o.machineType, acceleratorType: o.acceleratorType, acceleratorCount,
        minNodes, maxNodes, spot: provisioning === "spot", purpose: o.purpose, zones: o.zones, diskSizeGb, driverVersion,
        provisioning, sharing: o.sharing, partitionSize: o.partitionSize, placement: o.placement, reservation: o.reservation,
        schedulableGpusPerNode: acceleratorCount * perGpu,
    };
}

/**
 * A GKE node pool of NVIDIA GPUs that scales from `minNodes` (0 by default), with drivers installed by GKE,
 * the `nvidia.com/gpu=present:NoSchedule` taint, and the platform's hardened node settings.
 */
export class GpuNodePool extends pulumi.ComponentResource {
    public readonly nodePool: gcp.container.NodePool;
    /** The resolved options: accelerator, count, sizes, purpose. */
    public readonly spec: ResolvedGpuPool;

    constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:gke:GpuNodePool", name, {}, opts);
        const r = resolveOrThrow(`GpuNodePool ${name}`, (report) => resolveGpuNodePool(args, args.region, report, args.location === args.region ? undefined : args.location));
        this.spec = r;
        const purpose: NodePurpose = r.purpose;
        const flexStart = r.provisioning === "flex-start";

        // The GKE pool is named after this logical name plus Pulumi's suffix, so it carries the pool's name.
        this.nodePool = new gcp.container.NodePool(r.name, {
            cluster: args.cluster,
            location: args.location,
            nodeLocations: r.zones,
            autoscaling: {
                totalMinNodeCount: r.minNodes,
                totalMaxNodeCount: r.maxNodes,
                // GPUs are scarce: take capacity in whichever zone has it rather than balancing.
                locationPolicy: "ANY",
            },
            // Flex-start: nodes only through ProvisioningRequests (Kueue), all at once. GKE requires auto-repair
            // off and no reservation for queued provisioning.
            ...(flexStart ? { queuedProvisioning: { enabled: true }, initialNodeCount: 0 } : {}),
            ...(r.placement === "compact" ? { placementPolicy: { type: "COMPACT" } } : {}),
            management: { autoRepair: !flexStart, autoUpgrade: true },
            // Serving keeps its capacity during upgrades (surge first); training gives a node back first,
            // because a spare GPU node for surging is often not obtainable and jobs checkpoint.
            upgradeSettings: r.purpose === "serving"
                ? { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 }
                : { strategy: "SURGE", maxSurge: 0, maxUnavailable: 1 },
            nodeConfig: {
                ...hardenedNodeConfig({
                    machineType: r.machineType, serviceAccount: args.serviceAccount, diskSizeGb: r.diskSizeGb,
                    spot: r.spot, purpose, pool: r.name,
                }),
                guestAccelerators: [{
                    type: r.acceleratorType,
                    count: r.acceleratorCount,
                    gpuDriverInstallationConfig: { gpuDriverVersion: r.driverVersion },
                    ...(r.partitionSize ? { gpuPartitionSize: r.partitionSize } : {}),
                    ...(r.sharing ? { gpuSharingConfig: { gpuSharingStrategy: r.sharing.strategy === "mps" ? "MPS" : "TIME_SHARING", maxSharedClientsPerGpu: r.sharing.maxClientsPerGpu } } : {}),
                }],
                taints: [{ ...GPU_TAINT }],
                // Image streaming: multi-GB model images start in seconds; gVNIC: the network GPUs need.
                gcfsConfig: { enabled: true },
                gvnic: { enabled: true },
                ...(r.reservation
                    ? { reservationAffinity: { consumeReservationType: "SPECIFIC_RESERVATION", key: "compute.googleapis.com/reservation-name", values: [r.reservation] } }
                    : flexStart ? { reservationAffinity: { consumeReservationType: "NO_RESERVATION" } } : {}),
            },
        }, { parent: this });

        this.registerOutputs({ nodePool: this.nodePool, spec: this.spec });
    }
}
