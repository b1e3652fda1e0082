// GKE clusters and node pools.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ofTypes, TYPES } from "./util";

const cluster = (name: string, description: string, check: Parameters<typeof ofTypes>[1], extra: Partial<ResourceValidationPolicy> = {}): ResourceValidationPolicy => ({
    name, description, enforcementLevel: "mandatory", validateResource: ofTypes([TYPES.cluster], check), ...extra,
});
const pool = (name: string, description: string, check: Parameters<typeof ofTypes>[1], extra: Partial<ResourceValidationPolicy> = {}): ResourceValidationPolicy => ({
    name, description, enforcementLevel: "mandatory", validateResource: ofTypes([TYPES.nodePool], check), ...extra,
});

export const gkePolicies: ResourceValidationPolicy[] = [
    cluster("gke-private-nodes", "Nodes have no public IPs, so they are not reachable from the internet.", (p, _a, report) => {
        if (p.privateClusterConfig?.enablePrivateNodes !== true) report("GKE clusters must have private nodes (privateClusterConfig.enablePrivateNodes: true).");
    }),
    cluster("gke-master-authorized-networks", "Only listed networks reach the control plane.", (p, _a, report) => {
        if (!p.masterAuthorizedNetworksConfig) report("GKE clusters must restrict the control plane to masterAuthorizedNetworksConfig.");
        else if (p.masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled === true) report("GKE clusters must not open the control plane to all Google Cloud IPs (gcpPublicCidrsAccessEnabled).");
        for (const [i, b] of (p.masterAuthorizedNetworksConfig?.cidrBlocks ?? []).entries()) {
            const bits = Number(String(b.cidrBlock ?? "").split("/")[1]);
            // Wider than a /8 is "the internet" in all but name (0.0.0.0/0, or 0.0.0.0/1 plus 128.0.0.0/1).
            if (!(bits >= 8)) report(`GKE clusters must not authorize ${JSON.stringify(b.cidrBlock)} to reach the control plane (masterAuthorizedNetworksConfig.cidrBlocks[${i}]); list the operators' and CI's ranges.`);
        }
    }),
    cluster("gke-workload-identity", "Pods get Google credentials per Kubernetes service account, never node keys.", (p, _a, report) => {
        if (!p.workloadIdentityConfig?.workloadPool) report("GKE clusters must enable Workload Identity (workloadIdentityConfig.workloadPool).");
    }),
    cluster("gke-shielded-nodes", "Shielded GKE nodes resist boot-level tampering.", (p, _a, report) => {
        if (p.enableShieldedNodes === false) report("GKE clusters must enable shielded nodes.");
    }),
    cluster("gke-network-policy", "NetworkPolicies are only enforced with Dataplane V2 or the network policy addon.", (p, _a, report) => {
        if (p.datapathProvider !== "ADVANCED_DATAPATH" && p.networkPolicy?.enabled !== true) report(`GKE clusters must enforce NetworkPolicy: datapathProvider ADVANCED_DATAPATH (got ${JSON.stringify(p.datapathProvider)}).`);
    }),
    cluster("gke-release-channel", "A release channel keeps the control plane and nodes patched.", (p, _a, report) => {
        const ch = p.releaseChannel?.channel;
        if (!ch || ch === "UNSPECIFIED") report("GKE clusters must be enrolled in a release channel (RAPID, REGULAR or STABLE).");
    }),
    cluster("gke-no-legacy-abac", "Legacy ABAC grants broad rights outside RBAC.", (p, _a, report) => {
        if (p.enableLegacyAbac === true) report("GKE clusters must not enable legacy ABAC.");
    }),
    cluster("gke-no-client-certificate-or-basic-auth", "Static credentials cannot be rotated or revoked.", (p, _a, report) => {
        if (p.masterAuth?.clientCertificateConfig?.issueClientCertificate !== false) report("GKE clusters must not issue a client certificate (masterAuth.clientCertificateConfig.issueClientCertificate: false).");
        if (p.masterAuth?.username || p.masterAuth?.password) report("GKE clusters must not use basic auth.");
    }),
    cluster("gke-default-pool-removed", "The default pool cannot be hardened like managed pools.", (p, _a, report) => {
        if (p.removeDefaultNodePool !== true) report("GKE clusters must remove the default node pool (removeDefaultNodePool: true).");
    }),
    cluster("gke-logging-and-monitoring", "Without system logs and metrics, incidents cannot be investigated.", (p, _a, report) => {
        const logs: string[] = p.loggingConfig?.enableComponents ?? [];
        if (p.loggingService === "none" || (p.loggingConfig && !logs.includes("SYSTEM_COMPONENTS"))) report("GKE clusters must send system component logs to Cloud Logging.");
        const metrics: string[] = p.monitoringConfig?.enableComponents ?? [];
        if (p.monitoringService === "none" || (p.monitoringConfig && !metrics.includes("SYSTEM_COMPONENTS"))) report("GKE clusters must send system metrics to Cloud Monitoring.");
    }),
    cluster("gke-deletion-protection", "A protected cluster cannot be deleted by a stray change.", (p, args, report) => {
        if (p.deletionProtection !== true || !args.opts.protect) report("GKE clusters must have deletionProtection: true and Pulumi protect.");
    }),
    cluster("gke-regional-control-plane", "A regional control plane survives a zone outage.", (p, _a, report) => {
        if (/-[a-z]$/.test(p.location ?? "")) report(`GKE clusters must be regional; location ${JSON.stringify(p.location)} is a zone.`);
    }),
    cluster("gke-no-public-endpoint", "The control plane has no public IP: it is reached through its IAM-gated DNS endpoint or from the VPC.", (p, _a, report) => {
        const publicIp = p.privateClusterConfig?.enablePrivateEndpoint !== true && p.controlPlaneEndpointsConfig?.ipEndpointsConfig?.enabled !== false;
        if (publicIp) report("GKE clusters must not have a public control plane endpoint (privateClusterConfig.enablePrivateEndpoint: true; use the DNS endpoint).");
    }),
    cluster("gke-security-posture", "Security posture scans workloads' configuration and images for known vulnerabilities.", (p, _a, report) => {
        const s = p.securityPostureConfig ?? {};
        if (!["BASIC", "ENTERPRISE"].includes(s.mode)) report(`GKE clusters must keep security posture on (securityPostureConfig.mode BASIC or ENTERPRISE, got ${JSON.stringify(s.mode)}).`);
        if (!["VULNERABILITY_BASIC", "VULNERABILITY_ENTERPRISE"].includes(s.vulnerabilityMode)) report(`GKE clusters must scan images for vulnerabilities (securityPostureConfig.vulnerabilityMode VULNERABILITY_BASIC or VULNERABILITY_ENTERPRISE, got ${JSON.stringify(s.vulnerabilityMode)}).`);
    }),
    {
        name: "gke-binary-authorization",
        description: "Only images from trusted registries run: Binary Authorization enforces the project's policy on every pod.",
        enforcementLevel: "mandatory",
        // Dev may run the policy in dry run: untrusted images are logged, not blocked.
        configSchema: { properties: { allowDryRun: { type: "boolean", default: false } } },
        validateResource: ofTypes([TYPES.cluster, TYPES.binaryAuthorizationPolicy], (p, args, report) => {
            if (args.type === TYPES.cluster) {
                const mode = p.binaryAuthorization?.evaluationMode;
                if (mode !== "PROJECT_SINGLETON_POLICY_ENFORCE") report(`GKE clusters must evaluate the project's Binary Authorization policy (binaryAuthorization.evaluationMode PROJECT_SINGLETON_POLICY_ENFORCE, got ${JSON.stringify(mode)}).`);
                return;
            }
            const rule = p.defaultAdmissionRule ?? {};
            if (rule.evaluationMode === "ALWAYS_ALLOW") report("The Binary Authorization policy's default rule must not be ALWAYS_ALLOW.");
            const { allowDryRun } = args.getConfig<{ allowDryRun: boolean }>();
            const allowed = allowDryRun ? ["ENFORCED_BLOCK_AND_AUDIT_LOG", "DRYRUN_AUDIT_LOG_ONLY"] : ["ENFORCED_BLOCK_AND_AUDIT_LOG"];
            if (!allowed.includes(rule.enforcementMode)) report(`The Binary Authorization policy must block untrusted images (enforcementMode ${allowed.join(" or ")}, got ${JSON.stringify(rule.enforcementMode)}).`);
        }),
    },
    {
        name: "gke-secrets-encryption",
        description: "Secrets are also encrypted with the stack's own Cloud KMS key, which rotates and cannot be destroyed by a stray change.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { maxRotationDays: { type: "integer", minimum: 1, default: 90 } } },
        validateResource: ofTypes([TYPES.cluster, TYPES.cryptoKey], (p, args, report) => {
            if (args.type === TYPES.cluster) {
                const state = p.databaseEncryption?.state;
                if (state !== "ENCRYPTED") report(`GKE clusters must encrypt Secrets with a Cloud KMS key (databaseEncryption.state ENCRYPTED, got ${JSON.stringify(state)}).`);
                return;
            }
            const { maxRotationDays } = args.getConfig<{ maxRotationDays: number }>();
            const seconds = /^\d+(\.\d+)?s$/.test(p.rotationPeriod ?? "") ? parseFloat(p.rotationPeriod) : undefined;
            if (seconds === undefined || seconds > maxRotationDays * 86400) report(`Cloud KMS keys must rotate at least every ${maxRotationDays} days (rotationPeriod ${JSON.stringify(p.rotationPeriod)}).`);
            // Destroying the key makes whatever it encrypted unreadable for good.
            if (!args.opts.protect) report("Cloud KMS keys must be protected (Pulumi protect).");
        }),
    },
];

interface MachineTypes { allowedMachineTypes: string[]; allowedAccelerators: string[]; maxNodes: number }

/** Accelerators with Multi-Instance GPU. */
const MIG_CAPABLE = ["nvidia-tesla-a100", "nvidia-a100-80gb", "nvidia-h100-80gb", "nvidia-h100-mega-80gb"];

const isGpu = (p: Record<string, unknown> & { nodeConfig?: { guestAccelerators?: unknown[] } }) => (p.nodeConfig?.guestAccelerators ?? []).length > 0;

/** The node configs of a cluster or pool, with where they are. */
function nodeConfigs(type: string, p: Record<string, any>): [string, Record<string, any>][] { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (type === TYPES.nodePool) return p.nodeConfig ? [["nodeConfig", p.nodeConfig]] : [];
    return [
        ...(p.nodeConfig ? [["nodeConfig", p.nodeConfig]] : []),
        ...(p.nodePoolDefaults?.nodeConfigDefaults ? [["nodePoolDefaults.nodeConfigDefaults", p.nodePoolDefaults.nodeConfigDefaults]] : []),
    ] as [string, Record<string, any>][]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const nodeHardeningPolicies: ResourceValidationPolicy[] = [
    {
        name: "gke-kubelet-readonly-port-off",
        description: "The kubelet's read-only port (10255) serves pod and node data without authentication.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.cluster, TYPES.nodePool], (p, args, report) => {
            for (const [where, nc] of nodeConfigs(args.type, p)) {
                const v = nc.kubeletConfig?.insecureKubeletReadonlyPortEnabled ?? nc.insecureKubeletReadonlyPortEnabled;
                const path = nc.kubeletConfig ? `${where}.kubeletConfig` : where;
                if (String(v).toUpperCase() === "TRUE") report(`${args.name} must not enable the kubelet read-only port (${path}.insecureKubeletReadonlyPortEnabled ${JSON.stringify(v)}); set "FALSE".`);
            }
        }),
    },
    {
        name: "gke-no-legacy-metadata-endpoints",
        description: "The legacy metadata endpoints (v0.1, v1beta1) answer without the Metadata-Flavor header, so SSRF reads node credentials.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.cluster, TYPES.nodePool], (p, args, report) => {
            for (const [where, nc] of nodeConfigs(args.type, p)) {
                if (where !== "nodeConfig") continue;
                const v = nc.metadata?.["disable-legacy-endpoints"];
                if (String(v) !== "true") report(`${args.name} must disable the legacy metadata endpoints (${where}.metadata["disable-legacy-endpoints"] is ${JSON.stringify(v)}); set "true".`);
            }
        }),
    },
    {
        name: "net-subnet-flow-logs",
        description: "VPC flow logs on the cluster's subnet record who talked to whom, for incident response.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { minFlowSampling: { type: "number", minimum: 0, maximum: 1, default: 0.1 } } },
        validateResource: ofTypes(["gcp:compute/subnetwork:Subnetwork"], (p, args, report) => {
            const { minFlowSampling } = args.getConfig<{ minFlowSampling: number }>();
            // Google's proxy-only subnets carry no flow logs (the provider's Subnetwork.logConfig docs).
            if (p.purpose === "REGIONAL_MANAGED_PROXY" || p.purpose === "GLOBAL_MANAGED_PROXY") return;
            const lc = p.logConfig;
            if (!lc) report(`Subnetwork ${args.name} must enable VPC flow logs (logConfig is absent); set logConfig with flowSampling >= ${minFlowSampling}.`);
            else if ((lc.flowSampling ?? 0.5) < minFlowSampling) report(`Subnetwork ${args.name} must sample at least ${minFlowSampling} of flows (logConfig.flowSampling ${lc.flowSampling}).`);
        }),
    },
    {
        name: "nodepool-gpu-autoscaling",
        description: "GPU pools scale to zero when idle and stop at a ceiling: a fixed-size GPU pool bills around the clock.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.nodePool], (p, args, report) => {
            if (!isGpu(p)) return;
            const a = p.autoscaling;
            const max = a?.totalMaxNodeCount ?? a?.maxNodeCount;
            if (!a || typeof max !== "number") report(`GPU node pool ${args.name} must autoscale with a maximum (autoscaling is ${JSON.stringify(a)}); set autoscaling.totalMaxNodeCount.`);
            else if ((a.totalMinNodeCount ?? a.minNodeCount ?? 0) > 0 && p.nodeConfig?.labels?.["mlops.platform/purpose"] !== "serving") report(`GPU node pool ${args.name} must scale to zero when idle (autoscaling min ${a.totalMinNodeCount ?? a.minNodeCount}).`);
            if (typeof p.nodeCount === "number" && p.nodeCount > 0 && !a) report(`GPU node pool ${args.name} must not be fixed at ${p.nodeCount} nodes (nodeCount).`);
        }),
    },
    {
        name: "nodepool-serving-not-spot",
        description: "Serving GPU pools are on-demand: spot nodes are reclaimed with 30 seconds' notice, all at once.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.nodePool], (p, args, report) => {
            if (p.nodeConfig?.labels?.["mlops.platform/purpose"] !== "serving") return;
            if (p.nodeConfig?.spot === true || p.nodeConfig?.preemptible === true) report(`Serving node pool ${args.name} must not run on ${p.nodeConfig.spot ? "spot" : "preemptible"} VMs (nodeConfig.${p.nodeConfig.spot ? "spot" : "preemptible"}: true); use on-demand nodes.`);
        }),
    },
];

export const nodePoolPolicies: ResourceValidationPolicy[] = [
    pool("nodepool-no-default-service-account", "The Compute default service account has Editor on the project.", (p, _a, report) => {
        const sa: string | undefined = p.nodeConfig?.serviceAccount;
        if (!sa || sa === "default" || /-compute@developer\.gserviceaccount\.com$/.test(sa)) report(`Node pools must run as a dedicated service account, not the Compute default (${JSON.stringify(sa ?? "default")}).`);
    }),
    pool("nodepool-cloud-platform-scope-only", "Access is governed by IAM roles, not legacy scopes.", (p, _a, report) => {
        const scopes: string[] = p.nodeConfig?.oauthScopes ?? [];
        if (scopes.length !== 1 || scopes[0] !== "https://www.googleapis.com/auth/cloud-platform") report(`Node pools must use only the cloud-platform scope (got ${JSON.stringify(scopes)}).`);
    }),
    pool("nodepool-gke-metadata-server", "The GKE metadata server serves Workload Identity and hides node credentials.", (p, _a, report) => {
        if (p.nodeConfig?.workloadMetadataConfig?.mode !== "GKE_METADATA") report("Node pools must use workloadMetadataConfig.mode GKE_METADATA.");
    }),
    pool("nodepool-secure-boot-and-integrity", "Secure boot and integrity monitoring detect tampered nodes.", (p, _a, report) => {
        const s = p.nodeConfig?.shieldedInstanceConfig;
        if (s?.enableSecureBoot !== true || s?.enableIntegrityMonitoring === false) report("Node pools must enable secure boot and integrity monitoring.");
    }),
    pool("nodepool-auto-repair-and-upgrade", "Unhealthy and outdated nodes are replaced without a human.", (p, _a, report) => {
        // Queued provisioning (flex-start) requires auto-repair off: its nodes live only as long as their job.
        const repairRequired = p.queuedProvisioning?.enabled !== true;
        if ((repairRequired && p.management?.autoRepair !== true) || p.management?.autoUpgrade !== true) report("Node pools must enable auto-repair and auto-upgrade (auto-repair may be off only with flex-start).");
    }),
    pool("nodepool-gpu-taint-and-drivers", "Only GPU workloads land on GPU nodes, and GKE installs the driver.", (p, _a, report) => {
        if (!isGpu(p)) return;
        const taints: { key: string; effect: string }[] = p.nodeConfig?.taints ?? [];
        if (!taints.some((t) => t.key === "nvidia.com/gpu" && t.effect === "NO_SCHEDULE")) report("GPU node pools must carry the taint nvidia.com/gpu=present:NoSchedule.");
        for (const acc of p.nodeConfig.guestAccelerators) {
            const v = acc.gpuDriverInstallationConfig?.gpuDriverVersion;
            if (!v || v === "INSTALLATION_DISABLED") report(`GPU node pools must let GKE install the driver (gpuDriverVersion DEFAULT or LATEST, got ${JSON.stringify(v)}).`);
        }
    }),
    pool("nodepool-gpu-sharing-supported", "MIG partitions and GPU sharing only where the accelerator and GKE support them.", (p, _a, report) => {
        for (const acc of p.nodeConfig?.guestAccelerators ?? []) {
            if (acc.gpuPartitionSize && !MIG_CAPABLE.includes(acc.type)) report(`GPU partitions (${acc.gpuPartitionSize}) need a Multi-Instance GPU accelerator (${MIG_CAPABLE.join(", ")}), not ${acc.type}.`);
            const sharing = acc.gpuSharingConfig;
            if (sharing && !(sharing.maxSharedClientsPerGpu >= 2 && sharing.maxSharedClientsPerGpu <= 48)) report(`GPU sharing needs 2 to 48 clients per GPU (got ${sharing.maxSharedClientsPerGpu}).`);
            if (sharing?.gpuSharingStrategy === "MPS" && acc.gpuPartitionSize) report("MPS sharing cannot be combined with GPU partitions.");
        }
    }),
    pool("nodepool-allowed-machine-types", "Keeps spend to machine families the platform team approved.", (p, args, report) => {
        const { allowedMachineTypes } = args.getConfig<MachineTypes>();
        const mt: string = p.nodeConfig?.machineType ?? "";
        if (!allowedMachineTypes.some((prefix) => mt.startsWith(prefix))) report(`Node pool machine type ${JSON.stringify(mt)} must start with one of ${allowedMachineTypes.join(", ")}.`);
    }, { configSchema: { properties: { allowedMachineTypes: { type: "array", items: { type: "string" }, default: ["e2-standard-", "n2-standard-", "n1-standard-", "g2-standard-", "a2-highgpu-", "a2-ultragpu-", "a3-highgpu-"] } } } }),
    pool("nodepool-allowed-accelerators", "Keeps GPU spend to approved accelerators.", (p, args, report) => {
        const { allowedAccelerators } = args.getConfig<MachineTypes>();
        for (const acc of p.nodeConfig?.guestAccelerators ?? []) {
            if (!allowedAccelerators.includes(acc.type)) report(`Accelerator ${JSON.stringify(acc.type)} must be one of ${allowedAccelerators.join(", ")}.`);
        }
    }, { configSchema: { properties: { allowedAccelerators: { type: "array", items: { type: "string" }, default: ["nvidia-l4", "nvidia-tesla-t4", "nvidia-tesla-a100", "nvidia-a100-80gb", "nvidia-h100-80gb"] } } } }),
    pool("nodepool-max-nodes-cap", "Caps how far one pool can scale (and spend).", (p, args, report) => {
        const { maxNodes } = args.getConfig<MachineTypes>();
        const max = p.autoscaling?.totalMaxNodeCount ?? p.autoscaling?.maxNodeCount;
        if (typeof max === "number" && max > maxNodes) report(`Node pools may scale to at most ${maxNodes} nodes (got ${max}).`);
    }, { configSchema: { properties: { maxNodes: { type: "integer", minimum: 1, default: 20 } } } }),
];
