import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface PlatformNetworkArgs {
    /** Region of the subnet, router and NAT. Required. */
    region: string;
    /** Primary range of the node subnet. Defaults to NETWORK_DEFAULTS.subnetCidr. */
    subnetCidr?: string;
    /** Secondary range for Pod IPs (VPC-native cluster). Defaults to NETWORK_DEFAULTS.podsCidr. */
    podsCidr?: string;
    /** Secondary range for Service IPs. Defaults to NETWORK_DEFAULTS.servicesCidr. */
    servicesCidr?: string;
    /** Fraction of flows sampled by VPC flow logs, 0..1. Defaults to NETWORK_DEFAULTS.flowLogSampling. */
    flowLogSampling?: number;
    /**
     * Range reserved for Private Service Access: Google-managed services with private IPs in this VPC
     * (Cloud SQL). Defaults to NETWORK_DEFAULTS.privateServicesCidr. Changing it replaces the peering.
     */
    privateServicesCidr?: string;
    /**
     * Proxy-only subnet (purpose REGIONAL_MANAGED_PROXY): the Envoy proxies of the region's internal and
     * regional Application Load Balancers (the gke-l7-rilb Gateway) take their addresses from it, and model pods
     * admit traffic from it. One per region and VPC, /23 recommended by Google. Defaults to NETWORK_DEFAULTS.proxyOnlyCidr.
     */
    proxyOnlyCidr?: string;
}

export const NETWORK_DEFAULTS = {
    subnetCidr: "10.10.0.0/20",
    podsCidr: "10.16.0.0/14",
    servicesCidr: "10.20.0.0/20",
    flowLogSampling: 0.5,
    privateServicesCidr: "10.30.0.0/16",
    proxyOnlyCidr: "10.40.0.0/23",
} as const;

/** Names of the subnet's secondary ranges, which the cluster's IP allocation policy refers to. */
export const SECONDARY_RANGES = { pods: "pods", services: "services" } as const;

/**
 * A custom-mode VPC for the platform: one regional subnet with secondary ranges for Pods and Services,
 * Private Google Access, flow logs, and Cloud NAT so private nodes can pull images and reach APIs
 * without public IPs.
 */
export class PlatformNetwork extends pulumi.ComponentResource {
    public readonly network: gcp.compute.Network;
    public readonly subnet: gcp.compute.Subnetwork;
    /** The region's proxy-only subnet, for the internal Gateway's proxies. */
    public readonly proxyOnlySubnet: gcp.compute.Subnetwork;
    public readonly router: gcp.compute.Router;
    public readonly nat: gcp.compute.RouterNat;
    /** The range Google-managed services take their private IPs from. */
    public readonly privateServicesRange: gcp.compute.GlobalAddress;
    /** The peering to Google's service producer network; Cloud SQL private IP needs it first. */
    public readonly privateServicesConnection: gcp.servicenetworking.Connection;

    constructor(name: string, args: PlatformNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:network:PlatformNetwork", name, {}, opts);
        const d = NETWORK_DEFAULTS;

        this.network = new gcp.compute.Network(`${name}-vpc`, {
            autoCreateSubnetworks: false,
            routingMode: "REGIONAL",
            description: "MLOps platform VPC (managed by Pulumi)",
        }, { parent: this });

        this.subnet = new gcp.compute.Subnetwork(`${name}-subnet`, {
            network: this.network.id,
            region: args.region,
            ipCidrRange: args.subnetCidr ?? d.subnetCidr,
            secondaryIpRanges: [
                { rangeName: SECONDARY_RANGES.pods, ipCidrRange: args.podsCidr ?? d.podsCidr },
                { rangeName: SECONDARY_RANGES.services, ipCidrRange: args.servicesCidr ?? d.servicesCidr },
            ],
            // Nodes have no public IPs; Google APIs (GCS, Artifact Registry) stay reachable on internal routes.
            privateIpGoogleAccess: true,
            logConfig: {
                aggregationInterval: "INTERVAL_5_SEC",
                flowSampling: args.flowLogSampling ?? d.flowLogSampling,
                metadata: "INCLUDE_ALL_METADATA",
            },
        }, { parent: this });

        this.proxyOnlySubnet = new gcp.compute.Subnetwork(`${name}-proxy-only`, {
            network: this.network.id,
            region: args.region,
            ipCidrRange: args.proxyOnlyCidr ?? d.proxyOnlyCidr,
            purpose: "REGIONAL_MANAGED_PROXY",
            role: "ACTIVE",
        }, { parent: this });

        this.router = new gcp.compute.Router(`${name}-router`, {
            network: this.network.id,
            region: args.region,
        }, { parent: this });

        this.nat = new gcp.compute.RouterNat(`${name}-nat`, {
            router: this.router.name,
            region: args.region,
            natIpAllocateOption: "AUTO_ONLY",
            sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
            subnetworks: [{ name: this.subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
            logConfig: { enable: true, filter: "ERRORS_ONLY" },
        }, { parent: this });

        const [psaAddress, psaPrefix] = (args.privateServicesCidr ?? d.privateServicesCidr).split("/");
        this.privateServicesRange = new gcp.compute.GlobalAddress(`${name}-private-services`, {
            network: this.network.id,
            purpose: "VPC_PEERING",
            addressType: "INTERNAL",
            address: psaAddress,
            prefixLength: Number(psaPrefix),
            description: "Private Service Access range (Cloud SQL private IP)",
        }, { parent: this });
        this.privateServicesConnection = new gcp.servicenetworking.Connection(`${name}-private-services`, {
            network: this.network.id,
            service: "servicenetworking.googleapis.com",
            reservedPeeringRanges: [this.privateServicesRange.name],
        }, { parent: this });

        this.registerOutputs({
            network: this.network, subnet: this.subnet, router: this.router, nat: this.nat,
            privateServicesRange: this.privateServicesRange, privateServicesConnection: this.privateServicesConnection,
        });
    }
}
