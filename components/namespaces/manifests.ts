// Pure builders for the guardrail objects of a namespace, so they test without the Pulumi runtime.
import type * as k8s from "@pulumi/kubernetes";

export const POD_SECURITY_LEVELS = ["restricted", "baseline"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export interface NamespaceQuota {
    requestsCpu: string;
    limitsCpu: string;
    requestsMemory: string;
    limitsMemory: string;
    /** `requests.nvidia.com/gpu`: GPUs the namespace may hold at once. */
    gpus: number;
    /** PersistentVolumeClaims. */
    pvcs: number;
    /** Sum of PVC storage requests. */
    storage: string;
}

export interface ContainerDefaults {
    /** Limit given to a container that sets none. */
    cpu: string;
    memory: string;
    /** Request given to a container that sets none. */
    requestCpu: string;
    requestMemory: string;
}

/** Label Kubernetes puts on every namespace with its name; policies select namespaces by it. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * Labels of a platform namespace. `privileged` is for the platform's own node agents (node exporter,
 * DCGM) only; team namespaces may choose restricted or baseline.
 */
export function namespaceLabels(name: string, level: PodSecurityLevel | "privileged", extra: Record<string, string> = {}): Record<string, string> {
    return {
        ...extra,
        "app.kubernetes.io/managed-by": "pulumi",
        "mlops.platform/namespace": name,
        // Enforce the level; warn and audit at `restricted` so baseline namespaces still see what would break.
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "latest",
    };
}

export function resourceQuotaSpec(q: NamespaceQuota) {
    return {
        hard: {
            "requests.cpu": q.requestsCpu,
            "limits.cpu": q.limitsCpu,
            "requests.memory": q.requestsMemory,
            "limits.memory": q.limitsMemory,
            "requests.nvidia.com/gpu": String(q.gpus),
            persistentvolumeclaims: String(q.pvcs),
            "requests.storage": q.storage,
        },
    };
}

export function limitRangeSpec(c: ContainerDefaults) {
    return {
        limits: [{
            type: "Container",
            default: { cpu: c.cpu, memory: c.memory },
            defaultRequest: { cpu: c.requestCpu, memory: c.requestMemory },
        }],
    };
}

/** A NetworkPolicy as name + spec; the component adds the namespace. */
export interface NetworkPolicyManifest {
    name: string;
    spec: k8s.types.input.networking.v1.NetworkPolicySpec;
}

/**
 * Egress to Google APIs (GCS, Cloud SQL Admin, ...) on 443: their public addresses, reached over Private
 * Google Access. Private ranges stay excluded, so this opens nothing inside the VPC.
 */
export function googleApisEgress() {
    return { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } }], ports: [{ protocol: "TCP", port: 443 }] };
}

/**
 * Egress to the GKE metadata server, which serves Workload Identity tokens: 169.254.169.254:80, and on
 * Dataplane V2 the node's gke-metadata-server at 169.254.169.252:988.
 */
export function gkeMetadataServerEgress() {
    return [
        { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
        { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
    ];
}

/**
 * Where Google's load balancers and health checks connect from: the Google front ends 35.191.0.0/16 and
 * 130.211.0.0/22 (cloud.google.com/load-balancing/docs/firewall-rules, /health-check-concepts#ip-ranges).
 * Regional and internal Application Load Balancers connect from the region's proxy-only subnet instead.
 */
export const GOOGLE_LB_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];

/**
 * A platform service every team namespace may call: by namespace (e.g. MLflow's tracking server), or by address
 * (e.g. the internal Gateway's VIP, through which models are called).
 */
export type PlatformService = { namespace: string; port: number } | { cidr: string; port: number };

/**
 * Default deny in both directions, then the minimum a workload needs: DNS, its own namespace, the GKE
 * metadata server (Workload Identity tokens), scraping from the monitoring namespace, and the platform's
 * services (when there are any).
 */
export function networkPolicies(monitoringNamespace: string, platformServices: PlatformService[] = []): NetworkPolicyManifest[] {
    const all = {};
    const services: NetworkPolicyManifest[] = platformServices.length === 0 ? [] : [{
        name: "allow-platform-services",
        spec: {
            podSelector: all,
            policyTypes: ["Egress"],
            egress: platformServices.map((s) => ({
                to: ["cidr" in s ? { ipBlock: { cidr: s.cidr } } : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: s.namespace } } }],
                ports: [{ protocol: "TCP" as const, port: s.port }],
            })),
        },
    }];
    return [
        { name: "default-deny-all", spec: { podSelector: all, policyTypes: ["Ingress", "Egress"] } },
        {
            name: "allow-same-namespace",
            spec: { podSelector: all, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: all }] }], egress: [{ to: [{ podSelector: all }] }] },
        },
        {
            name: "allow-dns",
            spec: {
                podSelector: all,
                policyTypes: ["Egress"],
                egress: [{
                    to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
                }],
            },
        },
        {
            name: "allow-gke-metadata-server",
            spec: {
                podSelector: all,
                policyTypes: ["Egress"],
                egress: gkeMetadataServerEgress(),
            },
        },
        {
            name: "allow-monitoring-scrape",
            spec: {
                podSelector: all,
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: monitoringNamespace } } }] }],
            },
        },
        ...services,
    ];
}
