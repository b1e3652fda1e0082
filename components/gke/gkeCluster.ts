import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Report, resolveOrThrow } from "../../lib/errors";
import { TRUSTED_IMAGE_PREFIXES } from "../../lib/registries";
import { definedOnly, parseCidr } from "../../lib/validate";
import { checkZone } from "../../lib/zones";
import { SECONDARY_RANGES } from "../network/platformNetwork";
import {
    BINARY_AUTHORIZATION_MODES, BinaryAuthorizationMode, CONTROL_PLANE_ACCESS, ControlPlaneAccess, KMS_ENCRYPTER_DECRYPTER,
    KMS_ROTATION_PERIOD, SECRETS_ENCRYPTION, SecretsEncryption, apiServerTarget, binaryAuthorizationPolicy, controlPlaneSettings, gkeServiceAgent,
    isInternalRange,
} from "./hardening";
import { buildKubeconfig } from "./kubeconfig";
import { checkPoolSize, hardenedNodeConfig } from "./nodeConfig";

export const RELEASE_CHANNELS = ["RAPID", "REGULAR", "STABLE"] as const;
export type ReleaseChannel = (typeof RELEASE_CHANNELS)[number];

export interface AuthorizedNetwork {
    cidrBlock: string;
    displayName?: string;
}

/** A GKE recurring maintenance window (RFC 3339 times; an RFC 5545 RRULE). */
export interface MaintenanceWindow {
    startTime: string;
    endTime: string;
    recurrence: string;
}

export interface SystemPoolOptions {
    /** Defaults to CLUSTER_DEFAULTS.systemPool.machineType. */
    machineType?: string;
    /** Total nodes across zones. Defaults to 1. */
    minNodes?: number;
    /** Defaults to 3. Must be >= minNodes. */
    maxNodes?: number;
    /** Boot disk size. Defaults to 100. */
    diskSizeGb?: number;
    /** Spot VMs for the system pool (dev only: they can be reclaimed at any time). Defaults to false. */
    spot?: boolean;
}

/** The user-facing options of the cluster (config key `mlops-platform:cluster`). */
export interface GkeClusterOptions {
    /** Regional control plane and nodes in three zones. Defaults to true; false needs `zone`. */
    regional?: boolean;
    /** Zone of a zonal cluster; must be in the region. Required when `regional` is false. */
    zone?: string;
    /** GKE release channel. Defaults to REGULAR. */
    releaseChannel?: ReleaseChannel;
    /**
     * How clients outside the cluster (people, CI, Pulumi itself) reach the control plane; see
     * CONTROL_PLANE_ACCESS. Defaults to `dns`: the DNS-based endpoint, gated by IAM, and no public IP endpoint.
     */
    controlPlaneAccess?: ControlPlaneAccess;
    /**
     * CIDR blocks allowed to reach the control plane's IP endpoint. Defaults to none: only the cluster's own
     * nodes and Pods reach it. With `controlPlaneAccess` `dns` or `private` there is no public endpoint, so
     * only internal (RFC 1918 or 100.64.0.0/10) blocks are accepted; they reach the private endpoint.
     */
    masterAuthorizedNetworks?: AuthorizedNetwork[];
    /** /28 range for the control plane's private endpoint. Defaults to 172.16.0.0/28. Changing it replaces the cluster. */
    masterCidr?: string;
    /** When GKE may upgrade. Defaults to Saturday and Sunday 01:00-07:00 UTC. */
    maintenanceWindow?: MaintenanceWindow;
    /** The untainted pool for platform components. */
    systemPool?: SystemPoolOptions;
    /**
     * Binary Authorization: the project's policy admits only images from the platform's trusted registries
     * (TRUSTED_IMAGE_PREFIXES) and Google's system images. Defaults to `dryRun` in dev (untrusted images are
     * admitted and audit-logged), `enforce` otherwise (they are blocked). `off` leaves images unchecked.
     */
    binaryAuthorization?: BinaryAuthorizationMode;
    /**
     * Application-layer Secrets encryption. Defaults to `kms`: a Cloud KMS key the stack creates in the
     * cluster's region (rotated every 90 days, protected with the cluster) also encrypts Secrets.
     */
    secretsEncryption?: SecretsEncryption;
}

export interface GkeClusterArgs extends GkeClusterOptions {
    /** Google Cloud project (for the Workload Identity pool). Required. */
    project: string;
    /** Region of the cluster (and of the network). Required. */
    region: string;
    /** Network and subnet self links or IDs. Required. */
    network: pulumi.Input<string>;
    subnetwork: pulumi.Input<string>;
    /** Node service account ID (6..30 chars). Required; unique per stack. */
    nodeServiceAccountId: string;
    /** GKE deletion protection and Pulumi `protect` on the cluster and its KMS key ring and key. Defaults to true. */
    deletionProtection?: boolean;
    /** A development stack: lighter defaults (`binaryAuthorization` dryRun). Defaults to false. */
    dev?: boolean;
}

export const CLUSTER_DEFAULTS = {
    regional: true,
    releaseChannel: "REGULAR" as ReleaseChannel,
    controlPlaneAccess: "dns" as ControlPlaneAccess,
    secretsEncryption: "kms" as SecretsEncryption,
    masterCidr: "172.16.0.0/28",
    // Two 6-hour nights a week: about 55 hours per 32 days, above GKE's 48-hour minimum.
    maintenanceWindow: { startTime: "2025-01-04T01:00:00Z", endTime: "2025-01-04T07:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" },
    systemPool: { machineType: "e2-standard-4", minNodes: 1, maxNodes: 3, diskSizeGb: 100, spot: false },
    deletionProtection: true,
};

/** Roles of the node service account: what GKE nodes need (logs, metrics) and pulling images. Nothing else. */
export const NODE_SA_ROLES = ["roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"];

export type ResolvedCluster = Required<Omit<GkeClusterOptions, "zone" | "systemPool">> & {
    location: string;
    zone?: string;
    systemPool: Required<SystemPoolOptions>;
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Hours of maintenance availability a recurring window gives in GKE's 32-day rolling period. */
export function maintenanceHoursPer32Days(w: MaintenanceWindow): number | undefined {
    const hours = (Date.parse(w.endTime) - Date.parse(w.startTime)) / 3_600_000;
    if (/^FREQ=DAILY/.test(w.recurrence)) return hours * 32;
    const days = /^FREQ=WEEKLY;BYDAY=([A-Z,]+)$/.exec(w.recurrence);
    if (days) return (hours * days[1].split(",").length * 32) / 7;
    return undefined;
}

/**
 * Pure: fills defaults and reports every bad option.
 * @param region the cluster's region; a zonal cluster's zone must be in it.
 * @param dev a development stack, which gets the lighter defaults.
 */
export function resolveGkeCluster(o: GkeClusterOptions, region: string, report: Report, dev: boolean): ResolvedCluster {
    const d = CLUSTER_DEFAULTS;
    const regional = o.regional ?? d.regional;
    if (!regional && o.zone === undefined) report("zone", `is required when regional is false: a zone of ${region}, such as ${region}-a`);
    if (o.zone !== undefined) {
        const z = checkZone(o.zone, region);
        if (!z.ok) report("zone", z.message, o.zone);
    }
    const releaseChannel = o.releaseChannel ?? d.releaseChannel;
    if (!RELEASE_CHANNELS.includes(releaseChannel)) report("releaseChannel", `allowed: ${RELEASE_CHANNELS.join(", ")}`, releaseChannel);

    const masterCidr = o.masterCidr ?? d.masterCidr;
    const mc = parseCidr(masterCidr);
    if ("error" in mc) report("masterCidr", mc.error, masterCidr);
    else if (mc.prefix !== 28) report("masterCidr", "must be a /28 block (GKE's control plane range)", masterCidr);

    const controlPlaneAccess = o.controlPlaneAccess ?? d.controlPlaneAccess;
    if (!CONTROL_PLANE_ACCESS.includes(controlPlaneAccess)) report("controlPlaneAccess", `allowed: ${CONTROL_PLANE_ACCESS.join(", ")}`, controlPlaneAccess);
    const masterAuthorizedNetworks = o.masterAuthorizedNetworks ?? [];
    masterAuthorizedNetworks.forEach((n, i) => {
        const c = parseCidr(n.cidrBlock);
        if ("error" in c) report(`masterAuthorizedNetworks[${i}].cidrBlock`, c.error, n.cidrBlock);
        // Without a public endpoint, an outside block would be a silent no-op; people reach the cluster through the DNS endpoint.
        else if ((controlPlaneAccess === "dns" || controlPlaneAccess === "private") && !isInternalRange(c)) {
            report(`masterAuthorizedNetworks[${i}].cidrBlock`, `must be an internal range (RFC 1918 or 100.64.0.0/10): with controlPlaneAccess ${controlPlaneAccess} there is no public endpoint`, n.cidrBlock);
        }
    });
    const binaryAuthorization = o.binaryAuthorization ?? (dev ? "dryRun" : "enforce");
    if (!BINARY_AUTHORIZATION_MODES.includes(binaryAuthorization)) report("binaryAuthorization", `allowed: ${BINARY_AUTHORIZATION_MODES.join(", ")}`, binaryAuthorization);
    const secretsEncryption = o.secretsEncryption ?? d.secretsEncryption;
    if (!SECRETS_ENCRYPTION.includes(secretsEncryption)) report("secretsEncryption", `allowed: ${SECRETS_ENCRYPTION.join(", ")}`, secretsEncryption);

    const maintenanceWindow = o.maintenanceWindow ?? d.maintenanceWindow;
    const mw = maintenanceWindow;
    let timesOk = true;
    for (const f of ["startTime", "endTime"] as const) {
        if (!RFC3339.test(mw[f]) || Number.isNaN(Date.parse(mw[f]))) {
            report(`maintenanceWindow.${f}`, "must be an RFC 3339 time such as 2025-01-04T01:00:00Z", mw[f]);
            timesOk = false;
        }
    }
    if (timesOk && Date.parse(mw.endTime) <= Date.parse(mw.startTime)) report("maintenanceWindow.endTime", `must be after startTime (${mw.startTime})`, mw.endTime);
    else if (timesOk) {
        const hours = maintenanceHoursPer32Days(mw);
        if (hours === undefined) report("maintenanceWindow.recurrence", "allowed: FREQ=DAILY or FREQ=WEEKLY;BYDAY=<days>, e.g. FREQ=WEEKLY;BYDAY=SA,SU", mw.recurrence);
        else if (hours < 48) report("maintenanceWindow", `gives ${hours.toFixed(1)} hours per 32 days; GKE requires at least 48`, mw);
    }

    const sp = { ...d.systemPool, ...definedOnly(o.systemPool) };
    const poolReport: Report = (f, m, ...v) => report(`systemPool.${f}`, m, ...v);
    checkPoolSize(sp.minNodes, sp.maxNodes, poolReport);
    if (!Number.isInteger(sp.diskSizeGb) || sp.diskSizeGb < 20 || sp.diskSizeGb > 65536) poolReport("diskSizeGb", "must be an integer from 20 to 65536", sp.diskSizeGb);

    return {
        regional, zone: o.zone, location: regional ? region : (o.zone ?? region),
        releaseChannel, masterCidr, controlPlaneAccess, masterAuthorizedNetworks, maintenanceWindow, systemPool: sp,
        binaryAuthorization, secretsEncryption,
    };
}

/**
 * A hardened, private, VPC-native GKE Standard cluster with its own least-privilege node service account,
 * a system node pool, a kubeconfig (secret) and the one Kubernetes provider every Kubernetes resource uses.
 *
 * Fixed, not configurable: private nodes, Workload Identity, shielded nodes, Dataplane V2 (which enforces
 * NetworkPolicy), no default node pool, no legacy ABAC, no client certificate, system and workload logging.
 * Configurable, safe by default: control plane access (DNS endpoint with IAM), Binary Authorization, and
 * Secrets encryption with the stack's own Cloud KMS key.
 */
export class GkeCluster extends pulumi.ComponentResource {
    public readonly cluster: gcp.container.Cluster;
    public readonly nodeServiceAccount: gcp.serviceaccount.Account;
    public readonly systemPool: gcp.container.NodePool;
    /** Region or zone of the cluster. */
    public readonly location: string;
    /** Kubeconfig using gke-gcloud-auth-plugin. Secret. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The control plane address the kubeconfig uses: the DNS endpoint with `dns` access, else the IP endpoint. */
    public readonly apiServerHost: pulumi.Output<string>;
    /** The Cloud KMS key that encrypts Secrets (`secretsEncryption: kms` only). */
    public readonly secretsKey?: gcp.kms.CryptoKey;
    /** The project's Binary Authorization policy (unless `binaryAuthorization: off`). */
    public readonly binaryAuthorizationPolicy?: gcp.binaryauthorization.Policy;
    /** The Kubernetes provider for this cluster; pass it to every Kubernetes resource. */
    public readonly provider: k8s.Provider;

    constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:gke:GkeCluster", name, {}, opts);
        const r = resolveOrThrow("GkeCluster", (report) => resolveGkeCluster(args, args.region, report, args.dev ?? false));
        const deletionProtection = args.deletionProtection ?? CLUSTER_DEFAULTS.deletionProtection;
        this.location = r.location;

        this.nodeServiceAccount = new gcp.serviceaccount.Account(`${name}-nodes`, {
            accountId: args.nodeServiceAccountId,
            displayName: "GKE nodes of the MLOps platform (least privilege; not the Compute default)",
        }, { parent: this });
        const member = pulumi.interpolate`serviceAccount:${this.nodeServiceAccount.email}`;
        const roles = NODE_SA_ROLES.map((role) => new gcp.projects.IAMMember(`${name}-nodes-${role.split("/")[1]}`, {
            project: args.project, role, member,
        }, { parent: this }));

        const clusterNeeds: pulumi.Resource[] = [...roles];
        if (r.secretsEncryption === "kms") {
            // Key rings and keys can never be deleted in Cloud KMS: autonamed, a recreated stack gets fresh ones.
            const keyRing = new gcp.kms.KeyRing(`${name}-keys`, { project: args.project, location: args.region }, { parent: this, protect: deletionProtection });
            this.secretsKey = new gcp.kms.CryptoKey(`${name}-secrets`, {
                keyRing: keyRing.id,
                purpose: "ENCRYPT_DECRYPT",
                rotationPeriod: KMS_ROTATION_PERIOD,
                // Destroying the key would make every Secret in the cluster unreadable.
                deletionPolicy: deletionProtection ? "PREVENT" : "DELETE",
                labels: { "mlops-platform": pulumi.getStack() },
            }, { parent: this, protect: deletionProtection });
            const project = gcp.organizations.getProjectOutput({ projectId: args.project }, { parent: this });
            clusterNeeds.push(new gcp.kms.CryptoKeyIAMMember(`${name}-secrets-gke`, {
                cryptoKeyId: this.secretsKey.id,
                role: KMS_ENCRYPTER_DECRYPTER,
                member: pulumi.interpolate`serviceAccount:${project.number.apply(gkeServiceAgent)}`,
            }, { parent: this }));
        }
        if (r.binaryAuthorization !== "off") {
            // One policy per project: a second stack in the same project would fight over it.
            this.binaryAuthorizationPolicy = new gcp.binaryauthorization.Policy(`${name}-binauthz`, {
                project: args.project,
                description: `mlops-platform (${pulumi.getStack()}): only images from the platform's trusted registries`,
                ...binaryAuthorizationPolicy(r.binaryAuthorization, TRUSTED_IMAGE_PREFIXES),
            }, { parent: this });
            // The first pods are judged by this policy, not by whatever the project had before.
            clusterNeeds.push(this.binaryAuthorizationPolicy);
        }
        const endpoints = controlPlaneSettings(r.controlPlaneAccess);

        const nodeConfig = (pool: string) => hardenedNodeConfig({
            machineType: r.systemPool.machineType, serviceAccount: this.nodeServiceAccount.email,
            diskSizeGb: r.systemPool.diskSizeGb, spot: r.systemPool.spot, purpose: "system", pool,
        });

        this.cluster = new gcp.container.Cluster(`${name}-cluster`, {
            location: r.location,
            network: args.network,
            subnetwork: args.subnetwork,
            networkingMode: "VPC_NATIVE",
            ipAllocationPolicy: {
                clusterSecondaryRangeName: SECONDARY_RANGES.pods,
                servicesSecondaryRangeName: SECONDARY_RANGES.services,
            },
            // Node pools are managed separately; the default pool exists only while the cluster is created,
            // and even then runs with the platform's node service account.
            removeDefaultNodePool: true,
            initialNodeCount: 1,
            nodeConfig: nodeConfig("default"),
            privateClusterConfig: {
                enablePrivateNodes: true,
                enablePrivateEndpoint: endpoints.enablePrivateEndpoint,
                // Nodes, and controllers in the cluster, reach the API server here in every access mode.
                masterIpv4CidrBlock: r.masterCidr,
            },
            controlPlaneEndpointsConfig: endpoints.controlPlaneEndpointsConfig,
            masterAuthorizedNetworksConfig: {
                cidrBlocks: r.masterAuthorizedNetworks.map((n) => ({ cidrBlock: n.cidrBlock, displayName: n.displayName ?? n.cidrBlock })),
                gcpPublicCidrsAccessEnabled: false,
            },
            masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
            enableLegacyAbac: false,
            workloadIdentityConfig: { workloadPool: `${args.project}.svc.id.goog` },
            enableShieldedNodes: true,
            datapathProvider: "ADVANCED_DATAPATH",
            // GKE installs and upgrades the Gateway API CRDs and runs its Gateway controller: the standard channel
            // (v1 Gateway, HTTPRoute) is all the model routes use.
            gatewayApiConfig: { channel: "CHANNEL_STANDARD" },
            releaseChannel: { channel: r.releaseChannel },
            maintenancePolicy: { recurringWindow: r.maintenanceWindow },
            securityPostureConfig: { mode: "BASIC", vulnerabilityMode: "VULNERABILITY_BASIC" },
            // Cost allocation per namespace and label: GPUs are the platform's largest bill.
            costManagementConfig: { enabled: true },
            addonsConfig: {
                httpLoadBalancing: { disabled: false },
                horizontalPodAutoscaling: { disabled: false },
                gcePersistentDiskCsiDriverConfig: { enabled: true },
                gcsFuseCsiDriverConfig: { enabled: true },
            },
            loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
            // Workload metrics come from the platform's own Prometheus; GKE keeps system metrics.
            monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: false } },
            binaryAuthorization: { evaluationMode: r.binaryAuthorization === "off" ? "DISABLED" : "PROJECT_SINGLETON_POLICY_ENFORCE" },
            ...(this.secretsKey ? { databaseEncryption: { state: "ENCRYPTED", keyName: this.secretsKey.id } } : {}),
            resourceLabels: { "mlops-platform": pulumi.getStack() },
            deletionProtection,
        }, {
            parent: this,
            protect: deletionProtection,
            // The default pool's settings matter only at creation; it is removed right after.
            ignoreChanges: ["nodeConfig", "initialNodeCount"],
            dependsOn: clusterNeeds,
        });

        this.systemPool = new gcp.container.NodePool(`${name}-system`, {
            cluster: this.cluster.name,
            location: r.location,
            autoscaling: { totalMinNodeCount: r.systemPool.minNodes, totalMaxNodeCount: r.systemPool.maxNodes, locationPolicy: "BALANCED" },
            management: { autoRepair: true, autoUpgrade: true },
            upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
            nodeConfig: nodeConfig("system"),
        }, { parent: this });

        const target = pulumi.all([this.cluster.endpoint, this.cluster.controlPlaneEndpointsConfig, this.cluster.masterAuth])
            .apply(([ipEndpoint, cpe, auth]) => apiServerTarget(r.controlPlaneAccess, { ipEndpoint, dnsEndpoint: cpe.dnsEndpointConfig.endpoint, caCertificate: auth.clusterCaCertificate }));
        this.apiServerHost = target.host;
        this.kubeconfig = pulumi.secret(pulumi.all([this.cluster.name, target])
            .apply(([clusterName, t]) => buildKubeconfig(clusterName, t.host, t.caCertificate)));

        this.provider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig: this.kubeconfig,
            enableServerSideApply: true,
        }, { parent: this });

        this.registerOutputs({
            cluster: this.cluster, nodeServiceAccount: this.nodeServiceAccount, systemPool: this.systemPool,
            location: this.location, kubeconfig: this.kubeconfig, apiServerHost: this.apiServerHost, provider: this.provider,
            secretsKey: this.secretsKey, binaryAuthorizationPolicy: this.binaryAuthorizationPolicy,
        });
    }
}
