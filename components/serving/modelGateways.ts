import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IGateway } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway";
import { PlatformNamespace } from "../namespaces/platformNamespace";
import { ResolvedModel } from "./modelConfig";
import { externalGatewaySpec, GATEWAY_NAMES, GATEWAY_NAMESPACE, internalGatewaySpec, internalGatewayIp, MODEL_DOMAIN } from "./routing";

export interface ModelGatewaysArgs {
    /** The served models: their namespaces may attach routes, their external hostnames get listeners and certificates. Required. */
    models: Pick<ResolvedModel, "name" | "namespace" | "endpoint">[];
    region: string;
    /** The VPC (private DNS zone) and the node subnet (the internal Gateway's VIP). Required. */
    network: pulumi.Input<string>;
    subnetwork: pulumi.Input<string>;
    /** The node subnet's range: the VIP is a fixed address in it (see internalGatewayIp). Required. */
    subnetCidr: string;
    /** The proxy-only subnet must exist before a gke-l7-rilb Gateway. Required. */
    proxyOnlySubnet: pulumi.Resource;
    /** Gateway API must be enabled on the cluster first. Required. */
    clusterReady: pulumi.Resource[];
    k8sProvider: k8s.Provider;
}

/**
 * The platform's Gateways, one per exposure class: internal (gke-l7-rilb: a static VIP in the node subnet,
 * named in a private DNS zone, for in-cluster and VPC callers) and, when a model is external, external
 * (gke-l7-global-external-managed: HTTPS only, Google-managed certificates from Certificate Manager, a global
 * static IP). Gateways have no pods; their namespace gets the platform's guardrails all the same.
 */
export class ModelGateways extends pulumi.ComponentResource {
    public readonly namespace: string = GATEWAY_NAMESPACE;
    public readonly internalGateway: string = GATEWAY_NAMES.internal;
    public readonly externalGateway?: string;
    /** The internal Gateway's VIP; `*.<domain>` resolves to it in the VPC. */
    public readonly internalAddress: string;
    /** The external Gateway's IP: each external hostname's A record must point to it. */
    public readonly externalAddress?: pulumi.Output<string>;
    /** Per external hostname, the CNAME record Certificate Manager needs to issue its certificate. */
    public readonly dnsAuthorizations: Record<string, pulumi.Output<{ name: string; type: string; data: string }>> = {};
    /** The Gateway resources: routes wait for them. */
    public readonly ready: pulumi.Resource[] = [];

    constructor(name: string, args: ModelGatewaysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:serving:ModelGateways", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const ns = new PlatformNamespace(`${name}-ns`, {
            name: GATEWAY_NAMESPACE,
            // Gateways are configuration only: GKE's controller runs outside the cluster, no pod runs here.
            quota: { requestsCpu: "0", limitsCpu: "0", requestsMemory: "0", limitsMemory: "0" },
            flows: {},
        }, k8sOpts);
        const namespaces = args.models.map((m) => m.namespace);

        this.internalAddress = internalGatewayIp(args.subnetCidr);
        const vip = new gcp.compute.Address(`${name}-internal-vip`, {
            region: args.region,
            subnetwork: args.subnetwork,
            addressType: "INTERNAL",
            address: this.internalAddress,
            purpose: "SHARED_LOADBALANCER_VIP",
            description: "Internal Gateway of the served models (gke-l7-rilb)",
        }, { parent: this });
        const internal: IGateway = {
            apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway",
            metadata: { name: GATEWAY_NAMES.internal, namespace: GATEWAY_NAMESPACE },
            spec: internalGatewaySpec(`${name}-internal-vip`, namespaces),
        };
        this.ready.push(new k8s.apiextensions.CustomResource(`${name}-internal`, {
            ...internal,
            spec: vip.name.apply((n) => ({ ...internal.spec, addresses: [{ type: "NamedAddress", value: n }] })),
        }, { ...k8sOpts, dependsOn: [ns, args.proxyOnlySubnet, ...args.clusterReady] }));

        // kube-dns forwards names outside the cluster to the metadata server, which answers from this zone.
        const zone = new gcp.dns.ManagedZone(`${name}-zone`, {
            dnsName: `${MODEL_DOMAIN}.`,
            visibility: "private",
            privateVisibilityConfig: { networks: [{ networkUrl: args.network }] },
            description: "Served models: <model>.<namespace>.cluster|vpc.models.internal -> internal Gateway",
        }, { parent: this });
        for (const scope of ["cluster", "vpc"]) {
            new gcp.dns.RecordSet(`${name}-${scope}-records`, {
                managedZone: zone.name, name: `*.${scope}.${MODEL_DOMAIN}.`, type: "A", ttl: 300, rrdatas: [this.internalAddress],
            }, { parent: this });
        }

        const external = args.models.filter((m) => m.endpoint.exposure === "external" && m.endpoint.hostname);
        if (external.length > 0) {
            this.externalGateway = GATEWAY_NAMES.external;
            const ip = new gcp.compute.GlobalAddress(`${name}-external-ip`, { description: "External Gateway of the served models" }, { parent: this });
            this.externalAddress = ip.address;
            const map = new gcp.certificatemanager.CertificateMap(`${name}-certs`, { description: "Certificates of external model endpoints" }, { parent: this });
            const entries: pulumi.Resource[] = [];
            for (const m of external) {
                const host = m.endpoint.hostname!;
                // DNS authorization: the certificate is issued (and renewed) before traffic moves, behind any CDN or IP change.
                const authz = new gcp.certificatemanager.DnsAuthorization(`${name}-${m.name}-dns-auth`, { domain: host }, { parent: this });
                this.dnsAuthorizations[host] = authz.dnsResourceRecords.apply((r) => r[0]);
                const cert = new gcp.certificatemanager.Certificate(`${name}-${m.name}-cert`, {
                    description: `TLS for ${host}`,
                    managed: { domains: [host], dnsAuthorizations: [authz.id] },
                }, { parent: this });
                entries.push(new gcp.certificatemanager.CertificateMapEntry(`${name}-${m.name}-cert-entry`, {
                    map: map.name, hostname: host, certificates: [cert.id],
                }, { parent: this }));
            }
            const spec = externalGatewaySpec(`${name}-external-ip`, external.map((m) => ({ model: m.name, namespace: m.namespace, hostname: m.endpoint.hostname! })));
            this.ready.push(new k8s.apiextensions.CustomResource(`${name}-external`, {
                apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway",
                metadata: { name: GATEWAY_NAMES.external, namespace: GATEWAY_NAMESPACE, annotations: { "networking.gke.io/certmap": map.name } },
                spec: ip.name.apply((n) => ({ ...spec, addresses: [{ type: "NamedAddress", value: n }] })),
            }, { ...k8sOpts, dependsOn: [ns, ...entries, ...args.clusterReady] }));
        }
        this.registerOutputs({ internalAddress: this.internalAddress, externalAddress: this.externalAddress });
    }
}
