import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformNamespace } from "../namespaces/platformNamespace";
import { PRIORITIES } from "../workloads/priorities";

// Checked: argoproj/argo-helm tag argo-rollouts-2.41.0 (8796aea), charts/argo-rollouts/Chart.yaml and values.yaml.
export const ARGO_ROLLOUTS_CHART = { chart: "argo-rollouts", version: "2.41.0", repo: "https://argoproj.github.io/argo-helm" };
/** The controller's metrics port (chart values controller.containerPorts.metrics at 2.41.0). */
export const ARGO_ROLLOUTS_METRICS_PORT = 8090;

export interface ProgressiveDeliveryArgs {
    /** Controller replicas (leader election). Defaults to 2. */
    replicas?: number;
    /** ServiceMonitors need the Prometheus Operator's CRDs first. Required. */
    monitoringReady: pulumi.Resource[];
    /** The pod PriorityClasses the controller runs at. Required. */
    priorityClasses: pulumi.Resource[];
    /** The control plane's range: the controller calls the API server. Required. */
    controlPlaneCidr: string;
    /** Namespace of the Prometheus that scrapes the controller and answers its analysis queries. Required. */
    monitoringNamespace: string;
    /** Prometheus's port, which analysis runs query. Defaults to 9090. */
    prometheusPort?: number;
    k8sProvider: k8s.Provider;
}

/** The Argo Rollouts controller (chart pinned, CRDs included), its metrics scraped by Prometheus. */
export class ProgressiveDelivery extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ProgressiveDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:serving:ProgressiveDelivery", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const ns = new PlatformNamespace(`${name}-argo-rollouts`, {
            name: "argo-rollouts",
            namespaceAliases: [{ name: `${name}-ns`, parent: this }],
            quota: { requestsCpu: "1", limitsCpu: "2", requestsMemory: "1Gi", limitsMemory: "2Gi" },
            // No webhooks: the controller only calls the API server and Prometheus (analysis), and is scraped.
            flows: {
                dns: { kind: "dns" },
                "api-server": { kind: "apiServer", controlPlaneCidr: args.controlPlaneCidr },
                "prometheus-queries": { kind: "toNamespaces", namespaces: [args.monitoringNamespace], ports: [args.prometheusPort ?? 9090] },
                "prometheus-scrape": { kind: "scrape", monitoringNamespace: args.monitoringNamespace, ports: [ARGO_ROLLOUTS_METRICS_PORT] },
            },
        }, k8sOpts);
        const c = ARGO_ROLLOUTS_CHART;
        this.release = new k8s.helm.v3.Release(`${name}-argo-rollouts`, {
            name: "argo-rollouts",
            chart: c.chart,
            version: c.version,
            repositoryOpts: { repo: c.repo },
            namespace: ns.name,
            values: {
                installCRDs: true,
                controller: {
                    replicas: args.replicas ?? 2,
                    priorityClassName: PRIORITIES.platformCritical.name,
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                    metrics: { enabled: true, serviceMonitor: { enabled: true } },
                },
                dashboard: { enabled: false },
            },
        }, { ...k8sOpts, dependsOn: [...args.monitoringReady, ...args.priorityClasses] });
        this.registerOutputs({ release: this.release });
    }
}
