import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IRollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import type { IAnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import type { IServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { NAMESPACE_NAME_LABEL } from "../namespaces/manifests";
import { ResolvedModel } from "./modelConfig";
import { analysisTemplateSpec, modelLabels, rolloutStrategy, serviceMonitorSpec, serviceNames, servingPodSpec, servingSelector } from "./manifests";

export interface ModelServiceArgs {
    /** The resolved model (see resolveModel). Required. */
    model: ResolvedModel;
    project: string;
    /** Google service account ID for the model's server (6..30 chars, unique per stack). Required. */
    serviceAccountId: string;
    /** MLflow's artifact bucket: the server gets read access. Required. */
    artifactBucket: pulumi.Input<string>;
    /** In-cluster MLflow URI. Required. */
    trackingUri: string;
    /** Secret in the model's namespace with its read-only MLflow user (keys `username`, `password`; see MlflowUsers). Required. */
    mlflowCredentials: string;
    /** Prometheus the analysis queries. Required. */
    prometheusUrl: string;
    /** Namespace whose Prometheus scrapes the model. Required. */
    monitoringNamespace: string;
    /** More namespaces allowed to call the model (e.g. an API gateway's). Defaults to none. */
    allowFrom?: string[];
    /** Created after these (the Argo Rollouts and Prometheus Operator CRDs). */
    crdsReady: pulumi.Resource[];
    k8sProvider: k8s.Provider;
}

/**
 * One served model: an Argo Rollout (canary with Prometheus analysis, or blue-green with pre-promotion
 * analysis) or a Deployment (rolling), its Services, an HPA on CPU and memory, a PodDisruptionBudget, a
 * ServiceMonitor, a NetworkPolicy, and a service account with Workload Identity read access to MLflow's
 * artifacts.
 */
export class ModelService extends pulumi.ComponentResource {
    /** `Rollout` or `Deployment`, and its name. */
    public readonly workload: { kind: "Rollout" | "Deployment"; name: string };
    /** `http://<name>.<namespace>.svc.cluster.local:<port>`. */
    public readonly url: string;

    constructor(name: string, args: ModelServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:serving:ModelService", name, {}, opts);
        const m = args.model;
        const ns = m.namespace;
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const afterCrds = { ...k8sOpts, dependsOn: args.crdsReady };

        const gsa = new gcp.serviceaccount.Account(`${name}-serving`, {
            accountId: args.serviceAccountId,
            displayName: `Model server ${m.name} (Workload Identity)`,
        }, { parent: this });
        new gcp.storage.BucketIAMMember(`${name}-artifacts-reader`, {
            bucket: args.artifactBucket, role: "roles/storage.objectViewer", member: pulumi.interpolate`serviceAccount:${gsa.email}`,
        }, { parent: this });
        new gcp.serviceaccount.IAMMember(`${name}-workload-identity`, {
            serviceAccountId: gsa.name, role: "roles/iam.workloadIdentityUser",
            member: `serviceAccount:${args.project}.svc.id.goog[${ns}/${m.name}]`,
        }, { parent: this });
        new k8s.core.v1.ServiceAccount(`${name}-ksa`, {
            metadata: { name: m.name, namespace: ns, labels: modelLabels(m, "serving"), annotations: { "iam.gke.io/gcp-service-account": gsa.email } },
            automountServiceAccountToken: false,
        }, k8sOpts);

        const selector = servingSelector(m);
        const labels = modelLabels(m, "serving");
        const template = { metadata: { labels }, spec: servingPodSpec(m, { trackingUri: args.trackingUri, serviceAccount: m.name, mlflowCredentials: args.mlflowCredentials }) };
        const names = serviceNames(m);

        // Services first: a Rollout refers to them by name.
        const metricsLabel = { "mlops.platform/metrics": "true" };
        const service = (svcName: string, scraped: boolean) => new k8s.core.v1.Service(`${name}-svc-${svcName}`, {
            metadata: { name: svcName, namespace: ns, labels: { ...labels, ...(scraped ? metricsLabel : {}) } },
            spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: m.port, targetPort: "http", protocol: "TCP" }] },
        }, k8sOpts);
        const strategy = m.rollout.strategy;
        const services = [
            service(names.main, strategy !== "canary"),
            ...(names.stable ? [service(names.stable, true)] : []),
            ...(names.canary ? [service(names.canary, true)] : []),
        ];

        // The HPA owns the replica count: the workload never sets `spec.replicas` (it starts at 1 and the HPA
        // raises it to min at once), and Pulumi ignores the field, so an update never resets a scaled count.
        const hpaOwnsReplicas = { ignoreChanges: ["spec.replicas"] };
        if (strategy === "rolling") {
            new k8s.apps.v1.Deployment(`${name}-deployment`, {
                metadata: { name: m.name, namespace: ns, labels },
                spec: {
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
                    template: template as k8s.types.input.core.v1.PodTemplateSpec,
                },
            }, { ...k8sOpts, ...hpaOwnsReplicas });
            this.workload = { kind: "Deployment", name: m.name };
        } else {
            const analysisName = `${m.name}-analysis`;
            const analysis: IAnalysisTemplate = {
                apiVersion: "argoproj.io/v1alpha1", kind: "AnalysisTemplate",
                metadata: { name: analysisName, namespace: ns, labels },
                spec: analysisTemplateSpec(m, args.prometheusUrl),
            };
            const analysisTemplate = new k8s.apiextensions.CustomResource(`${name}-analysis`, { ...analysis }, afterCrds);
            const rollout: IRollout = {
                apiVersion: "argoproj.io/v1alpha1", kind: "Rollout",
                metadata: { name: m.name, namespace: ns, labels },
                spec: {
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: selector },
                    template,
                    strategy: rolloutStrategy(m, analysisName),
                },
            };
            new k8s.apiextensions.CustomResource(`${name}-rollout`, { ...rollout }, { ...k8sOpts, ...hpaOwnsReplicas, dependsOn: [...args.crdsReady, analysisTemplate, ...services] });
            this.workload = { kind: "Rollout", name: m.name };
        }

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
            metadata: { name: m.name, namespace: ns, labels },
            spec: {
                scaleTargetRef: this.workload.kind === "Rollout"
                    ? { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: m.name }
                    : { apiVersion: "apps/v1", kind: "Deployment", name: m.name },
                minReplicas: m.replicas.min,
                maxReplicas: m.replicas.max,
                metrics: [
                    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
                    { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
                ],
                // Scale up at once, scale down slowly: a traffic dip must not cost warm replicas.
                behavior: {
                    scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 100, periodSeconds: 60 }] },
                    scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Percent", value: 20, periodSeconds: 60 }] },
                },
            },
        }, k8sOpts);

        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: { name: m.name, namespace: ns, labels },
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, k8sOpts);

        const monitor: IServiceMonitor = {
            apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor",
            metadata: { name: m.name, namespace: ns, labels },
            spec: serviceMonitorSpec(m),
        };
        new k8s.apiextensions.CustomResource(`${name}-monitor`, { ...monitor }, afterCrds);

        const from = [args.monitoringNamespace, ...(args.allowFrom ?? [])];
        new k8s.networking.v1.NetworkPolicy(`${name}-ingress`, {
            metadata: { name: `${m.name}-ingress`, namespace: ns, labels },
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress"],
                ingress: [{
                    from: from.map((n) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: n } } })),
                    ports: [{ protocol: "TCP", port: m.port }],
                }],
            },
        }, k8sOpts);

        this.url = `http://${m.name}.${ns}.svc.cluster.local:${m.port}`;
        this.registerOutputs({ workload: this.workload, url: this.url });
    }
}
