import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ACCELERATOR_TYPES, gpusPerNode } from "../../config/accelerators";
import { Report, resolveOrThrow } from "../../config/errors";
import { GPU_TAINT, NodePurpose, checkPoolSize, hardenedNodeConfig } from "./nodeConfig";

export const GPU_PURPOSES = ["serving", "training"] as const;
export type GpuPurpose = (typeof GPU_PURPOSES)[number];
export const GPU_DRIVER_VERSIONS = ["DEFAULT", "LATEST"] as const;

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
}

export interface GpuNodePoolArgs extends GpuNodePoolOptions {
    /** Cluster name. Required. */
    cluster: pulumi.Input<string>;
    /** Cluster location (region or zone). Required. */
    location: string;
    /** Region of the cluster, to check `zones`. Required. */
    region: string;
    /** Node service account email. Required; never the Compute default. */
    serviceAccount: pulumi.Input<string>;
}

export const GPU_POOL_DEFAULTS = { minNodes: 0, maxNodes: 2, spot: false, diskSizeGb: 200, driverVersion: "DEFAULT" as const };

export type ResolvedGpuPool = Required<Omit<GpuNodePoolOptions, "zones">> & { zones?: string[] };

const POOL_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Pure: fills defaults and reports every bad option, by field name. */
export function resolveGpuNodePool(o: GpuNodePoolOptions, region: string, report: Report): ResolvedGpuPool {
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
    (o.zones ?? []).forEach((z, i) => {
        if (!new RegExp(`^${region}-[a-z]$`).test(z)) report(`zones[${i}]`, `must be a zone of the region ${region}, such as ${region}-a`, z);
    });
    return {
        name: o.name, machineType: o.machineType, acceleratorType: o.acceleratorType, acceleratorCount,
        minNodes, maxNodes, spot: o.spot ?? d.spot, purpose: o.purpose, zones: o.zones, diskSizeGb, driverVersion,
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
        const r = resolveOrThrow(`GpuNodePool ${name}`, (report) => resolveGpuNodePool(args, args.region, report));
        this.spec = r;
        const purpose: NodePurpose = r.purpose;

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
            management: { autoRepair: true, autoUpgrade: true },
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
                }],
                taints: [{ ...GPU_TAINT }],
            },
        }, { parent: this });

        this.registerOutputs({ nodePool: this.nodePool, spec: this.spec });
    }
}
