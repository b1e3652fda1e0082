// The monitoring stack's two namespaces and what may cross their boundaries. Pure builders.
//
// `node-metrics` holds the node agents (node exporter, DCGM), the only pods of the platform that need the host:
// it is the one namespace at Pod Security `privileged`. `monitoring` (Prometheus, Alertmanager, Grafana, which
// faces the internet) then enforces `baseline`. Both deny all traffic but the flows named here.
import { parseCidr, parseQuantity } from "../../lib/validate";
import { ContainerDefaults, GOOGLE_LB_RANGES, NamespaceQuota } from "../namespaces/manifests";
import { PlatformFlow, platformNetworkPolicies } from "../namespaces/platformPolicies";
import { ACME_HTTP01_SOLVER } from "../tls/acme";
import { AlertingOptions } from "./alertmanager";
import { DCGM_EXPORTER_PORT, dcgmLabels } from "./dcgmExporter";

/** Namespace of the node agents. */
export const NODE_METRICS_NAMESPACE = "node-metrics";

/** Helm release names; the charts put them in their pods' labels. */
export const RELEASES = { kubePrometheusStack: "monitoring", pushgateway: "pushgateway" } as const;

/**
 * Pod labels the pinned charts give their pods, and the ports those pods listen on. Checked in
 * prometheus-community/helm-charts at kube-prometheus-stack-88.5.3 (templates/prometheus/networkpolicy.yaml,
 * alertmanager/networkpolicy.yaml, prometheus-operator/networkpolicy.yaml and
 * admission-webhooks/_prometheus-operator-webhook.tpl; values prometheusOperator.tls.internalPort),
 * kube-state-metrics-8.4.0 and prometheus-pushgateway-3.8.0 (templates/_helpers.tpl), grafana-community/helm-charts
 * at grafana-12.11.1 (templates/_helpers.tpl, _pod.tpl: containerPort = service.targetPort), and
 * cert-manager/cert-manager v1.16.2 (pkg/apis/acme/v1/types.go, pkg/issuer/acme/http/http.go).
 */
export const CHART_PODS = {
    prometheus: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
    alertmanager: { matchLabels: { "app.kubernetes.io/name": "alertmanager" } },
    operator: { matchLabels: { app: "kube-prometheus-stack-operator", release: RELEASES.kubePrometheusStack } },
    /** The chart's pre-install Jobs that create the webhook certificate and patch the webhook configurations. */
    admissionJobs: { matchLabels: { "app.kubernetes.io/component": "prometheus-operator-webhook" } },
    grafana: { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": RELEASES.kubePrometheusStack } },
    kubeStateMetrics: { matchLabels: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": RELEASES.kubePrometheusStack } },
    pushgateway: { matchLabels: { "app.kubernetes.io/name": "prometheus-pushgateway", "app.kubernetes.io/instance": RELEASES.pushgateway } },
    /** cert-manager's HTTP-01 solver, started in the Certificate's namespace. */
    acmeSolver: ACME_HTTP01_SOLVER.pods,
};

export const PORTS = {
    prometheus: 9090,
    pushgateway: 9091,
    grafana: 3000,
    /** The operator serves its admission webhooks on the kubelet's port, which GKE's control plane may reach. */
    operatorWebhook: 10250,
    acmeSolver: ACME_HTTP01_SOLVER.port,
    nodeExporter: 9100,
    kubelet: 10250,
};

export interface MonitoringFlowOptions {
    /** The monitoring namespace (Prometheus scrapes from here). */
    monitoringNamespace: string;
    /** The control plane's private endpoint range. */
    controlPlaneCidr: string;
    /** The nodes' subnet: kubelets and the host-network node exporter listen on node IPs. */
    nodesCidr: string;
    /** Namespaces whose jobs push to the Pushgateway. */
    pushgatewayClients: string[];
    /** Namespaces that query Prometheus (e.g. Argo Rollouts' analysis runs). */
    prometheusClients: string[];
    /** Grafana is published through a GKE Ingress (which also answers its ACME challenge). */
    grafanaIngress: boolean;
    /** Ports Alertmanager's receivers listen on, outside the cluster; empty = no egress. */
    alertmanagerPorts: number[];
}

/** The flows of the monitoring namespace, beyond its default deny. */
export function monitoringFlows(o: MonitoringFlowOptions): Record<string, PlatformFlow> {
    const api = (pods: { matchLabels: Record<string, string> }): PlatformFlow => ({ kind: "apiServer", controlPlaneCidr: o.controlPlaneCidr, pods });
    return {
        "same-namespace": { kind: "sameNamespace" },
        dns: { kind: "dns" },
        // Service discovery, the apiserver's own metrics, CRD reconciliation, dashboards ConfigMaps, object state.
        "api-server-prometheus": api(CHART_PODS.prometheus),
        "api-server-operator": api(CHART_PODS.operator),
        "api-server-admission-jobs": api(CHART_PODS.admissionJobs),
        "api-server-grafana": api(CHART_PODS.grafana),
        "api-server-kube-state-metrics": api(CHART_PODS.kubeStateMetrics),
        "scrape-all-namespaces": { kind: "toAllNamespaces", pods: CHART_PODS.prometheus },
        "scrape-nodes": { kind: "toCidrs", cidrs: [o.nodesCidr], ports: [PORTS.nodeExporter, PORTS.kubelet], pods: CHART_PODS.prometheus },
        "admission-webhook": { kind: "fromControlPlane", controlPlaneCidr: o.controlPlaneCidr, ports: [PORTS.operatorWebhook], pods: CHART_PODS.operator },
        ...(o.grafanaIngress ? {
            "grafana-load-balancer": { kind: "fromCidrs", cidrs: GOOGLE_LB_RANGES, ports: [PORTS.grafana], pods: CHART_PODS.grafana },
            "acme-http01-solver": { kind: "fromCidrs", cidrs: GOOGLE_LB_RANGES, ports: [PORTS.acmeSolver], pods: CHART_PODS.acmeSolver },
        } satisfies Record<string, PlatformFlow> : {}),
        ...(o.pushgatewayClients.length ? {
            "pushgateway-clients": { kind: "fromNamespaces", namespaces: o.pushgatewayClients, ports: [PORTS.pushgateway], pods: CHART_PODS.pushgateway },
        } satisfies Record<string, PlatformFlow> : {}),
        ...(o.prometheusClients.length ? {
            "prometheus-clients": { kind: "fromNamespaces", namespaces: o.prometheusClients, ports: [PORTS.prometheus], pods: CHART_PODS.prometheus },
        } satisfies Record<string, PlatformFlow> : {}),
        ...(o.alertmanagerPorts.length ? {
            "alertmanager-receivers": { kind: "internet", ports: o.alertmanagerPorts, pods: CHART_PODS.alertmanager },
        } satisfies Record<string, PlatformFlow> : {}),
    };
}

/** The monitoring namespace's NetworkPolicies: default deny, then monitoringFlows. */
export function monitoringNetworkPolicies(o: MonitoringFlowOptions) {
    return platformNetworkPolicies(monitoringFlows(o));
}

/**
 * The node-metrics namespace's NetworkPolicies: default deny, then Prometheus to the DCGM exporter's metrics port.
 * No egress at all: the exporter reaches the host engine on the pod's loopback and the kubelet over a Unix
 * socket, neither of which NetworkPolicy sees. The node exporter runs on the host network, where NetworkPolicy
 * does not apply; it is reached on node IPs (monitoring's `scrape-nodes` flow).
 */
export function nodeMetricsFlows(monitoringNamespace: string): Record<string, PlatformFlow> {
    return {
        "dcgm-scrape": { kind: "scrape", monitoringNamespace, ports: [DCGM_EXPORTER_PORT], pods: { matchLabels: dcgmLabels("exporter") } },
    };
}

/** The node-metrics namespace's NetworkPolicies: default deny, then nodeMetricsFlows. */
export function nodeMetricsNetworkPolicies(monitoringNamespace: string) {
    return platformNetworkPolicies(nodeMetricsFlows(monitoringNamespace));
}

/**
 * Ports Alertmanager must reach outside the cluster: each https receiver URL's port (443 unless given) and
 * the SMTP smarthost's port. None when no receiver is configured.
 */
export function alertmanagerEgressPorts(a: AlertingOptions): number[] {
    const urlPort = (u: string) => {
        try {
            return Number(new URL(u).port || 443);
        } catch {
            return 443;
        }
    };
    const ports = [
        ...[a.slackWebhookUrl, a.webhookUrl].filter((u): u is string => u !== undefined).map(urlPort),
        ...(a.email?.smarthost ? [Number(a.email.smarthost.split(":").pop())] : []),
    ];
    return [...new Set(ports)].sort((x, y) => x - y);
}

/** Google Cloud reserves four addresses of every subnet. */
const GCP_RESERVED_ADDRESSES = 4;

/** The most nodes a subnet can hold (one primary address each). @throws on a malformed CIDR. */
export function maxNodesIn(nodesCidr: string): number {
    const c = parseCidr(nodesCidr);
    if ("error" in c) throw new Error(`nodesCidr ${nodesCidr} ${c.error}`);
    return Math.max(2 ** (32 - c.prefix) - GCP_RESERVED_ADDRESSES, 0);
}

type Resources = { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };

/**
 * node-metrics' ResourceQuota: one set of node agents (`perNode`, each container's resources) on as many nodes
 * as the node subnet holds, so the quota never turns an agent away from a new node; no GPUs and no volumes.
 */
export function nodeMetricsQuota(nodesCidr: string, perNode: Resources[]): NamespaceQuota {
    const nodes = maxNodesIn(nodesCidr);
    const sum = (pick: (r: Resources) => string) => perNode.reduce((n, r) => n + parseQuantity(pick(r))!, 0) * nodes;
    const cpu = (cores: number) => `${Math.ceil(cores * 1000)}m`;
    const mem = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)}Mi`;
    return {
        requestsCpu: cpu(sum((r) => r.requests.cpu)),
        limitsCpu: cpu(sum((r) => r.limits.cpu)),
        requestsMemory: mem(sum((r) => r.requests.memory)),
        limitsMemory: mem(sum((r) => r.limits.memory)),
        gpus: 0,
        pvcs: 0,
        storage: "0",
    };
}

/** node-metrics' LimitRange: every agent sets its own resources; these catch one that does not. */
export const NODE_METRICS_CONTAINER_DEFAULTS: ContainerDefaults = { cpu: "100m", memory: "128Mi", requestCpu: "10m", requestMemory: "32Mi" };

/**
 * The monitoring namespace's quota, from what the platform asks of it: per Prometheus/Alertmanager replica
 * (Prometheus 500m/2Gi up to 2/8Gi, Alertmanager and config reloaders), plus the operator, Grafana with its
 * sidecar, kube-state-metrics, the Pushgateway and the webhook Jobs, with headroom for a rolling update;
 * volumes: a Prometheus and an Alertmanager volume per replica, and the Pushgateway's.
 */
export function monitoringQuota(o: { replicas: number; storageSize: string }): NamespaceQuota {
    const gi = (parseQuantity(o.storageSize) ?? 0) / 2 ** 30;
    return {
        requestsCpu: String(2 * o.replicas + 2), limitsCpu: String(6 * o.replicas + 6),
        requestsMemory: `${6 * o.replicas + 4}Gi`, limitsMemory: `${12 * o.replicas + 8}Gi`,
        gpus: 0, pvcs: 2 * o.replicas + 2, storage: `${Math.ceil(o.replicas * (gi + 2) + 2)}Gi`,
    };
}
