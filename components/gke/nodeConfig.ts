// Settings every node pool of the platform shares, in one place so no pool can drift from them.
import type * as pulumi from "@pulumi/pulumi";
import { Report } from "../../lib/errors";

/** The only OAuth scope nodes get; what they may do is decided by the node service account's IAM roles. */
export const NODE_OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];

/** Taint on every GPU node so only pods that tolerate it (and so asked for GPUs) land there. */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" } as const;

/**
 * Taint GKE puts on nodes of flex-start (queued provisioning) pools: only pods that tolerate it, admitted
 * through a ProvisioningRequest or node agents, land there.
 * Checked: GoogleCloudPlatform/kubernetes-engine-samples, ai-ml/gke-ray/tpu/dws/rayjob-tpu-v6e-dws.yaml tolerates
 * key cloud.google.com/gke-queued (operator Exists, effect NoSchedule).
 */
export const QUEUED_PROVISIONING_TAINT = { key: "cloud.google.com/gke-queued", value: "true", effect: "NoSchedule" } as const;

/** Node labels the platform sets; workloads select pools by them. */
export const NODE_LABELS = { purpose: "mlops.platform/purpose", pool: "mlops.platform/pool" } as const;

export type NodePurpose = "system" | "serving" | "training";

export interface NodeConfigOptions {
    machineType: string;
    serviceAccount: pulumi.Input<string>;
    diskSizeGb: number;
    spot: boolean;
    purpose: NodePurpose;
    pool: string;
}

/** The hardened node configuration shared by the system and GPU pools. Pure. */
export function hardenedNodeConfig(o: NodeConfigOptions) {
    return {
        machineType: o.machineType,
        imageType: "COS_CONTAINERD",
        diskType: "pd-balanced",
        diskSizeGb: o.diskSizeGb,
        spot: o.spot,
        serviceAccount: o.serviceAccount,
        oauthScopes: NODE_OAUTH_SCOPES,
        labels: { [NODE_LABELS.purpose]: o.purpose, [NODE_LABELS.pool]: o.pool },
        resourceLabels: { "mlops-purpose": o.purpose },
        metadata: { "disable-legacy-endpoints": "true" },
        // Pods see the GKE metadata server, which serves Workload Identity tokens and hides node credentials.
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
    };
}

/** Pool sizes shared by the system and GPU pools. */
export function checkPoolSize(min: number, max: number, report: Report): void {
    if (!Number.isInteger(min) || min < 0 || min > 1000) report("minNodes", "must be an integer from 0 to 1000", min);
    if (!Number.isInteger(max) || max < 1 || max > 1000) report("maxNodes", "must be an integer from 1 to 1000", max);
    else if (Number.isInteger(min) && max < min) report("maxNodes", `must be >= minNodes (${min})`, max);
}
