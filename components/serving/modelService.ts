import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IRollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import type { IAnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import type { IServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import type { IHTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { GOOGLE_LB_RANGES, NAMESPACE_NAME_LABEL } from "../namespaces/manifests";
import { abortSubscription, modelUriEnvIndex, RELEASE_SCRIPT, RELEASE_SCRIPT_FILE, releaseAnalysis, releaseAnalysisSpec, releaseNames, withReleaseInitCheck } from "../lifecycle/release";
import { ResolvedModel } from "./modelConfig";
import { analysisTemplateSpec, mlflowCredentialsEnv, MODEL_UID, modelLabels, rolloutStrategy, serviceMonitorSpec, serviceNames, servingPodSpec, servingSelector, splitsTraffic } from "./manifests";
import { backendPolicy, httpRouteSpec, modelHostnames } from "./routing";

export interface ModelRouting {
    /** Namespace of the Gateways. */
    gatewayNamespace: string;
    /** The internal Gateway (gke-l7-rilb) every route attaches to. */
    internalGateway: string;
    /** The external Gateway, when any model is external. */
    externalGateway?: string;
    /** The region's proxy-only subnet: the internal Gateway's proxies connect from it. */
    proxyOnlyCidr: string;
    /** Created after these (the Gateways, GKE's Gateway API CRDs come with the cluster). */
    gatewaysReady: pulumi.Resource[];
}

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
    /**
     * Secret in the model's namespace with its MLflow writer: a gated model's release moves the `champion` alias
     * with it after success. Defaults to none: the release checks quality, but moves no alias.
     */
    mlflowWriterCredentials?: string;
    /** The pinned MLflow image: its python3 runs the release check. Required for a model with a quality gate. */
    mlflowImage?: string;
    /** Prometheus the analysis queries. Required. */
    prometheusUrl: string;
    /** Namespace whose Prometheus scrapes the model. Required. */
    monitoringNamespace: string;
    /** More namespaces allowed to call the model (e.g. an API gateway's). Defaults to none. */
    allowFrom?: string[];
    /** Created after these (the Argo Rollouts and Prometheus Operator CRDs). */
    crdsReady: pulumi.Resource[];
    /** The Gateways the model's HTTPRoute attaches to. Required. */
    routing: ModelRouting;
    k8sProvider: k8s.Provider;
}

/**
 * One served model: an Argo Rollout (canary with Prometheus analysis, or blue-green with pre-promotion
 * analysis) or a Deployment (rolling), its Services, an HPA on CPU and memory, a PodDisruptionBudget, a
 * ServiceMonitor, a NetworkPolicy, and a service account with Workload Identity read access to MLflow's
 * artifacts. A model with a quality gate also gets its release check (docs/lifecycle.md, Promotion): analysis
 * templates whose Jobs check the candidate version before traffic and promote it to `champion` after, or an
 * init container for a rolling model.
 */
export class ModelService extends pulumi.ComponentResource {
    /** `Rollout` or `Deployment`, and its name. */
    public readonly workload: { kind: "Rollout" | "Deployment"; name: string };
    /** In-cluster URL, through the internal Gateway: `http://<name>.<namespace>.cluster.models.internal`. */
    public readonly url: string;
    /** VPC URL (exposure vpc or external), through the internal Gateway. */
    public readonly vpcUrl?: string;
    /** Public URL (exposure external): `https://<hostname>`. */
    public readonly externalUrl?: string;
    /** The model's HTTPRoute, whose weights Argo Rollouts sets. */
    public readonly routeName: string;

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
        const servingPod = servingPodSpec(m, { trackingUri: args.trackingUri, serviceAccount: m.name, mlflowCredentials: args.mlflowCredentials });

        // A gated model's release checks the candidate version's quality before it takes traffic (see
        // components/lifecycle/release.ts): the script in a ConfigMap, run with the MLflow image.
        const gate = m.quality && { name: m.name, namespace: ns, quality: m.quality };
        const release = gate ? releaseNames(m) : undefined;
        if (gate && !args.mlflowImage) throw new Error(`model ${m.name}: mlflowImage is required with a quality gate (it runs the release check)`);
        const checkEnv = { trackingUri: args.trackingUri, credentialsEnv: mlflowCredentialsEnv(args.mlflowCredentials), uid: MODEL_UID };
        const releaseScript = release && new k8s.core.v1.ConfigMap(`${name}-release-check`, {
            metadata: { name: release.configMap, namespace: ns, labels: modelLabels(m, "serving") },
            data: { [RELEASE_SCRIPT_FILE]: RELEASE_SCRIPT },
        }, k8sOpts);
        const template = {
            metadata: { labels },
            spec: gate && m.rollout.strategy === "rolling" ? withReleaseInitCheck(servingPod, gate, checkEnv, args.mlflowImage!, m.modelUri) : servingPod,
        };
        const names = serviceNames(m);

        // Services first: a Rollout refers to them by name.
        const metricsLabel = { "mlops.platform/metrics": "true" };
        const service = (svcName: string, scraped: boolean) => new k8s.core.v1.Service(`${name}-svc-${svcName}`, {
            metadata: { name: svcName, namespace: ns, labels: { ...labels, ...(scraped ? metricsLabel : {}) } },
            spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: m.port, targetPort: "http", protocol: "TCP" }] },
        }, k8sOpts);
        const strategy = m.rollout.strategy;
        const services = [
            service(names.main, !splitsTraffic(strategy)),
            ...(names.stable ? [service(names.stable, true)] : []),
            ...(names.canary ? [service(names.canary, true)] : []),
        ];

        // The HPA owns the replica count: the workload never sets `spec.replicas` (it starts at 1 and the HPA
        // raises it to min at once), and Pulumi ignores the field, so an update never resets a scaled count.
        const hpaOwnsReplicas = { ignoreChanges: ["spec.replicas"] };

        // Every caller goes through the route (in-cluster ones too): the weights it carries are the traffic split.
        this.routeName = m.name;
        const rt = args.routing;
        const route: IHTTPRoute = {
            apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute",
            metadata: { name: this.routeName, namespace: ns, labels },
            spec: httpRouteSpec(m, { internal: rt.internalGateway, external: rt.externalGateway, namespace: rt.gatewayNamespace }),
        };
        // Argo Rollouts' plugin moves the weights (and adds header rules) during a release: Pulumi must not undo them.
        const routeRes = new k8s.apiextensions.CustomResource(`${name}-route`, { ...route }, {
            ...k8sOpts, dependsOn: [...rt.gatewaysReady, ...services],
            ...(splitsTraffic(strategy) ? { ignoreChanges: ["spec.rules[0].backendRefs[0].weight", "spec.rules[0].backendRefs[1].weight"] } : {}),
        });

        if (m.endpoint.exposure === "external") {
            // Never open: Cloud Armor admits only the allow-list, or IAP requires a Google identity.
            let securityPolicy: gcp.compute.SecurityPolicy | undefined;
            if (m.endpoint.auth === "cloudArmor") {
                const ranges = m.endpoint.allowList;
                securityPolicy = new gcp.compute.SecurityPolicy(`${name}-armor`, {
                    description: `Allow-list of external callers of model ${m.name}`,
                    type: "CLOUD_ARMOR",
                    rules: [
                        // Cloud Armor takes at most 10 ranges per rule.
                        ...Array.from({ length: Math.ceil(ranges.length / 10) }, (_, i) => ({
                            action: "allow", priority: 1000 + i, description: "allow-list",
                            match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ranges.slice(i * 10, i * 10 + 10) } },
                        })),
                        { action: "deny(403)", priority: 2147483647, description: "everyone else", match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } } },
                    ],
                }, { parent: this });
            }
            for (const svc of [names.main, names.stable, names.canary].filter((x): x is string => !!x)) {
                const policy = pulumi.output(securityPolicy?.name).apply((sp) => backendPolicy(m, svc, sp, labels));
                new k8s.apiextensions.CustomResource(`${name}-auth-${svc}`, {
                    apiVersion: "networking.gke.io/v1", kind: "GCPBackendPolicy",
                    metadata: policy.metadata, spec: policy.spec,
                }, { ...k8sOpts, dependsOn: [routeRes] });
            }
        }
        if (strategy === "rolling") {
            new k8s.apps.v1.Deployment(`${name}-deployment`, {
                metadata: { name: m.name, namespace: ns, labels },
                spec: {
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
                    template: template as k8s.types.input.core.v1.PodTemplateSpec,
                },
            }, { ...k8sOpts, ...hpaOwnsReplicas, ...(releaseScript ? { dependsOn: [releaseScript] } : {}) });
            this.workload = { kind: "Deployment", name: m.name };
        } else {
            const analysisName = `${m.name}-analysis`;
            const analysis: IAnalysisTemplate = {
                apiVersion: "argoproj.io/v1alpha1", kind: "AnalysisTemplate",
                metadata: { name: analysisName, namespace: ns, labels },
                spec: analysisTemplateSpec(m, args.prometheusUrl),
            };
            const analysisTemplate = new k8s.apiextensions.CustomResource(`${name}-analysis`, { ...analysis }, afterCrds);
            const releaseTemplates: pulumi.Resource[] = [];
            let releaseSteps: Parameters<typeof rolloutStrategy>[3];
            if (gate && release) {
                const uriIndex = modelUriEnvIndex(servingPod);
                const releaseTemplate = (mode: "check" | "promote", credentials: string) => {
                    const spec: IAnalysisTemplate = {
                        apiVersion: "argoproj.io/v1alpha1", kind: "AnalysisTemplate",
                        metadata: { name: release[mode], namespace: ns, labels },
                        spec: releaseAnalysisSpec(gate, { ...checkEnv, credentialsEnv: mlflowCredentialsEnv(credentials) }, mode, args.mlflowImage!),
                    };
                    releaseTemplates.push(new k8s.apiextensions.CustomResource(`${name}-release-${mode}`, { ...spec }, { ...afterCrds, dependsOn: [...args.crdsReady, releaseScript!] }));
                    return releaseAnalysis(release[mode], uriIndex);
                };
                // The check reads as the model's reader; the promotion moves the alias as its writer (EDIT).
                releaseSteps = {
                    check: releaseTemplate("check", args.mlflowCredentials),
                    promote: args.mlflowWriterCredentials ? releaseTemplate("promote", args.mlflowWriterCredentials) : undefined,
                };
            }
            const rollout: IRollout = {
                apiVersion: "argoproj.io/v1alpha1", kind: "Rollout",
                // Subscribed to the controller's abort notification, which records the abort on the version (see
                // ProgressiveDeliveryArgs.releaseRecords): only with a writer, as the promotion.
                metadata: { name: m.name, namespace: ns, labels, ...(releaseSteps?.promote ? { annotations: abortSubscription(m.name) } : {}) },
                spec: {
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: selector },
                    template,
                    strategy: rolloutStrategy(m, analysisName, this.routeName, releaseSteps),
                },
            };
            new k8s.apiextensions.CustomResource(`${name}-rollout`, { ...rollout }, { ...k8sOpts, ...hpaOwnsReplicas, dependsOn: [...args.crdsReady, analysisTemplate, ...releaseTemplates, ...services, routeRes] });
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

        // Callers reach the pods only through a Gateway's proxies (the weights hold), and Prometheus scrapes them.
        // allowFrom namespaces may still call the Services directly (bypassing the route: documented).
        const from = [args.monitoringNamespace, ...(args.allowFrom ?? [])];
        // Google's health-check ranges are admitted for every model: Google documents them for Application Load
        // Balancer health checks (and they are the global external proxies' source), and a failing health
        // check would take the model out of every Gateway.
        // Google's proxies: the region's proxy-only subnet, and the front ends (global load balancers, health checks).
        const proxies = [rt.proxyOnlyCidr, ...GOOGLE_LB_RANGES];
        new k8s.networking.v1.NetworkPolicy(`${name}-ingress`, {
            metadata: { name: `${m.name}-ingress`, namespace: ns, labels },
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress"],
                ingress: [{
                    from: [
                        ...from.map((n) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: n } } })),
                        ...proxies.map((cidr) => ({ ipBlock: { cidr } })),
                    ],
                    ports: [{ protocol: "TCP", port: m.port }],
                }],
            },
        }, k8sOpts);

        const h = modelHostnames(m);
        this.url = `http://${h.cluster}`;
        this.vpcUrl = h.vpc && `http://${h.vpc}`;
        this.externalUrl = h.external && `https://${h.external}`;
        this.registerOutputs({ workload: this.workload, url: this.url, vpcUrl: this.vpcUrl, externalUrl: this.externalUrl, routeName: this.routeName });
    }
}
