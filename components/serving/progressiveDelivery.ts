import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaceLabels } from "../namespaces/manifests";

export const ARGO_ROLLOUTS_CHART = { chart: "argo-rollouts", version: "2.41.0", repo: "https://argoproj.github.io/argo-helm" };

export interface ProgressiveDeliveryArgs {
    /** Controller replicas (leader election). Defaults to 2. */
    replicas?: number;
    /** ServiceMonitors need the Prometheus Operator's CRDs first. Required. */
    monitoringReady: pulumi.Resource[];
    k8sProvider: k8s.Provider;
}

/** The Argo Rollouts controller (chart pinned, CRDs included), its metrics scraped by Prometheus. */
export class ProgressiveDelivery extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ProgressiveDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:serving:ProgressiveDelivery", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const ns = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: "argo-rollouts", labels: namespaceLabels("argo-rollouts", "restricted") },
        }, k8sOpts);
        const c = ARGO_ROLLOUTS_CHART;
        this.release = new k8s.helm.v3.Release(`${name}-argo-rollouts`, {
            name: "argo-rollouts",
            chart: c.chart,
            version: c.version,
            repositoryOpts: { repo: c.repo },
            namespace: ns.metadata.name,
            values: {
                installCRDs: true,
                controller: {
                    replicas: args.replicas ?? 2,
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                    metrics: { enabled: true, serviceMonitor: { enabled: true } },
                },
                dashboard: { enabled: false },
            },
        }, { ...k8sOpts, dependsOn: args.monitoringReady });
        this.registerOutputs({ release: this.release });
    }
}
