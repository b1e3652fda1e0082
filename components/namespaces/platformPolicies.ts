// NetworkPolicies of the platform's own namespaces (monitoring, node agents, controllers): default deny in
// both directions, then exactly the flows a namespace names. Pure builders; each component lists its flows.
import type * as k8s from "@pulumi/kubernetes";
import { NAMESPACE_NAME_LABEL, NetworkPolicyManifest, gkeMetadataServerEgress, googleApisEgress } from "./manifests";

type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type PodSelector = { matchLabels?: Record<string, string> };
const tcp = (ports: number[]) => ports.map((port) => ({ protocol: "TCP" as const, port }));
const inNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } } });

/** One flow a platform namespace needs. `pods` narrows it to some pods; by default every pod of the namespace. */
export type PlatformFlow =
    /** Egress to cluster DNS (kube-dns in kube-system), UDP and TCP 53. */
    | { kind: "dns"; pods?: PodSelector }
    /** Egress to the Kubernetes API server: the control plane's private endpoint range, 443. */
    | { kind: "apiServer"; controlPlaneCidr: string; pods?: PodSelector }
    /** Ingress from the control plane to an admission webhook or aggregated API server's ports. */
    | { kind: "fromControlPlane"; controlPlaneCidr: string; ports: number[]; pods?: PodSelector }
    /** Ingress from the monitoring namespace (Prometheus) to metrics ports. */
    | { kind: "scrape"; monitoringNamespace: string; ports: number[]; pods?: PodSelector }
    /** Egress to the GKE metadata server (Workload Identity tokens). */
    | { kind: "gkeMetadataServer"; pods?: PodSelector }
    /** Egress to Google APIs over Private Google Access (443, public ranges only). */
    | { kind: "googleApis"; pods?: PodSelector }
    /** Egress to public internet addresses (never private ranges) on the given ports, e.g. ACME or Slack. */
    | { kind: "internet"; ports: number[]; pods?: PodSelector }
    /** Ingress from other namespaces' pods on ports. */
    | { kind: "fromNamespaces"; namespaces: string[]; ports: number[]; pods?: PodSelector }
    /** Egress to other namespaces' pods on ports. */
    | { kind: "toNamespaces"; namespaces: string[]; ports: number[]; pods?: PodSelector }
    /** Ingress from CIDR blocks (e.g. Google's load balancers) on ports. */
    | { kind: "fromCidrs"; cidrs: string[]; ports: number[]; pods?: PodSelector }
    /** Egress to CIDR blocks (e.g. the nodes' subnet, for kubelets and host-network exporters) on ports. */
    | { kind: "toCidrs"; cidrs: string[]; ports: number[]; pods?: PodSelector }
    /** Egress to every pod of every namespace on any port: Prometheus scraping whatever a monitor names. */
    | { kind: "toAllNamespaces"; pods?: PodSelector }
    /** Pods of the namespace talk to each other freely (both directions). */
    | { kind: "sameNamespace" };

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

function flowPolicy(name: string, f: PlatformFlow): NetworkPolicyManifest {
    const podSelector = ("pods" in f && f.pods) || {};
    const egress = (rule: EgressRule): NetworkPolicyManifest => ({ name, spec: { podSelector, policyTypes: ["Egress"], egress: [rule] } });
    const ingress = (rule: IngressRule): NetworkPolicyManifest => ({ name, spec: { podSelector, policyTypes: ["Ingress"], ingress: [rule] } });
    switch (f.kind) {
        case "dns":
            return egress({ to: [{ ...inNamespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] });
        case "apiServer":
            return egress({ to: [{ ipBlock: { cidr: f.controlPlaneCidr } }], ports: tcp([443]) });
        case "fromControlPlane":
            return ingress({ from: [{ ipBlock: { cidr: f.controlPlaneCidr } }], ports: tcp(f.ports) });
        case "scrape":
            return ingress({ from: [inNamespace(f.monitoringNamespace)], ports: tcp(f.ports) });
        case "gkeMetadataServer":
            return { name, spec: { podSelector, policyTypes: ["Egress"], egress: gkeMetadataServerEgress() } };
        case "googleApis":
            return egress(googleApisEgress());
        case "internet":
            return egress({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } }], ports: tcp(f.ports) });
        case "fromNamespaces":
            return ingress({ from: f.namespaces.map(inNamespace), ports: tcp(f.ports) });
        case "toNamespaces":
            return egress({ to: f.namespaces.map(inNamespace), ports: tcp(f.ports) });
        case "fromCidrs":
            return ingress({ from: f.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(f.ports) });
        case "toCidrs":
            return egress({ to: f.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(f.ports) });
        case "toAllNamespaces":
            // No `ports`: a metrics port is whatever the scraped pod declares.
            return egress({ to: [{ namespaceSelector: {} }] });
        case "sameNamespace":
            return { name, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] } };
    }
}

/**
 * A platform namespace's NetworkPolicies: `default-deny-all`, then one policy per named flow
 * (`allow-<name>`). Names must be unique DNS labels; they become the policies' names.
 * @throws if a flow lists no namespaces or CIDRs: an empty `from`/`to` would allow every peer.
 */
export function platformNetworkPolicies(flows: Record<string, PlatformFlow>): NetworkPolicyManifest[] {
    for (const [name, f] of Object.entries(flows)) {
        const peers = "namespaces" in f ? f.namespaces : "cidrs" in f ? f.cidrs : undefined;
        if (peers !== undefined && peers.length === 0) throw new Error(`platformNetworkPolicies: flow ${name} lists no peers; leave the flow out instead`);
    }
    return [
        { name: "default-deny-all", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        ...Object.entries(flows).map(([name, f]) => flowPolicy(`allow-${name}`, f)),
    ];
}
