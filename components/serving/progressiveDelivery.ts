import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformNamespace } from "../namespaces/platformNamespace";
import { RESTRICTED_CONTAINER } from "../workloads/podSecurity";
import { PRIORITIES } from "../workloads/priorities";
import { abortNotifications, abortSecretKeys, AbortRecorder } from "../lifecycle/release";
import { GATEWAY_PLUGIN_NAME } from "./manifests";

// Checked: argoproj/argo-helm tag argo-rollouts-2.41.0 (8796aea), charts/argo-rollouts/Chart.yaml and values.yaml.
export const ARGO_ROLLOUTS_CHART = { chart: "argo-rollouts", version: "2.41.0", repo: "https://argoproj.github.io/argo-helm" };
/** The controller's metrics port (chart values controller.containerPorts.metrics at 2.41.0). */
export const ARGO_ROLLOUTS_METRICS_PORT = 8090;

/**
 * Argo Rollouts' Gateway API traffic-router plugin, pinned. Checked: argoproj-labs/rollouts-plugin-trafficrouter-
 * gatewayapi tag v0.15.0 (96c63fd, 2026-06-26, the newest tag), README/docs/installation.md (plugin name and
 * asset names) and .github/workflows/release.yaml. Checksum: the release publishes the five binaries only, no
 * checksums file (release.yaml uploads `gatewayapi-plugin-<os>-<arch>` and nothing else), and the asset
 * could not be downloaded offline, so `sha256` is not pinned yet: set it to `sha256sum` of the asset (read
 * from the bucket object the stack uploads) and the init container then refuses any other binary.
 */
export const GATEWAY_API_PLUGIN = {
    version: "v0.15.0",
    asset: "gatewayapi-plugin-linux-amd64",
    source: "https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.15.0/gatewayapi-plugin-linux-amd64",
    sha256: undefined as string | undefined,
};
/** Where the controller reads the plugin binary at start (an emptyDir the init container fills). */
export const PLUGIN_PATH = "/plugins/gatewayapi-plugin";

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
    /**
     * The platform bucket the plugin binary is served from: the stack uploads the pinned release asset to
     * `platform/argo-rollouts-plugins/<asset>-<version>` and the controller reads it with Workload Identity. Required.
     */
    pluginBucket: pulumi.Input<string>;
    /** Image with Python 3 that copies the plugin from the bucket (a trusted, pinned image: MLflow's). Required. */
    fetchImage: string;
    project: string;
    /** Google service account ID of the controller (reads the plugin object). Required. */
    serviceAccountId: string;
    /**
     * Gated models whose aborted releases the controller records on the candidate version in MLflow (a
     * notification webhook to MLflow's REST API, as the model's writer). Defaults to none.
     */
    releaseRecords?: {
        recorders: (AbortRecorder & { password: pulumi.Input<string> })[];
        trackingUri: string;
        mlflowNamespace: string;
        mlflowPort: number;
    };
    k8sProvider: k8s.Provider;
}

/**
 * The init container's script: a Workload Identity token from the metadata server, the object from the GCS
 * JSON API, then the checksum when pinned (a mismatch stops the controller from starting).
 */
export function pluginFetchScript(bucket: string, object: string, sha256: string | undefined): string {
    return [
        "import hashlib, json, os, sys, urllib.parse, urllib.request",
        "md = urllib.request.Request('http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token', headers={'Metadata-Flavor': 'Google'})",
        "token = json.load(urllib.request.urlopen(md, timeout=30))['access_token']",
        `url = 'https://storage.googleapis.com/storage/v1/b/${bucket}/o/' + urllib.parse.quote('${object}', safe='') + '?alt=media'`,
        "data = urllib.request.urlopen(urllib.request.Request(url, headers={'Authorization': 'Bearer ' + token}), timeout=120).read()",
        "digest = hashlib.sha256(data).hexdigest()",
        `want = '${sha256 ?? ""}'`,
        "print('gatewayapi plugin sha256', digest, 'pinned' if want else 'NOT PINNED')",
        "if want and digest != want: sys.exit('plugin checksum mismatch: want ' + want + ', got ' + digest)",
        `open('${PLUGIN_PATH}', 'wb').write(data); os.chmod('${PLUGIN_PATH}', 0o755)`,
    ].join("\n");
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
                // The plugin binary, fetched from the platform bucket at start (token from the GKE metadata server).
                "plugin-fetch": { kind: "googleApis" },
                "gke-metadata-server": { kind: "gkeMetadataServer" },
                // Abort notifications tag the candidate version in MLflow.
                ...(args.releaseRecords?.recorders.length ? { "mlflow-release-records": { kind: "toNamespaces" as const, namespaces: [args.releaseRecords.mlflowNamespace], ports: [args.releaseRecords.mlflowPort] } } : {}),
            },
        }, k8sOpts);

        // The notification Secret the controller reads by name (utils/record/record.go NotificationSecret, v1.9.0):
        // each recorded model's writer login, referenced as `$<key>` by its webhook service.
        const records = args.releaseRecords?.recorders.length ? args.releaseRecords : undefined;
        const notificationSecret = records && new k8s.core.v1.Secret(`${name}-notification-secret`, {
            metadata: { name: "argo-rollouts-notification-secret", namespace: ns.name },
            type: "Opaque",
            stringData: Object.fromEntries(records.recorders.flatMap((r) => {
                const k = abortSecretKeys(r.model);
                return [[k.username, r.username], [k.password, pulumi.secret(r.password)]];
            })),
        }, k8sOpts);

        // The plugin binary lives in the platform's bucket, uploaded by the stack from the pinned release.
        const p = GATEWAY_API_PLUGIN;
        if (!p.sha256) pulumi.log.warn(`Argo Rollouts Gateway API plugin ${p.version}: no sha256 pinned (the release publishes no checksums file); see GATEWAY_API_PLUGIN`, this);
        const object = `platform/argo-rollouts-plugins/${p.asset}-${p.version}`;
        new gcp.storage.BucketObject(`${name}-gatewayapi-plugin`, {
            bucket: args.pluginBucket, name: object, source: new pulumi.asset.RemoteAsset(p.source),
            contentType: "application/octet-stream",
        }, { parent: this });
        const gsa = new gcp.serviceaccount.Account(`${name}-controller`, {
            accountId: args.serviceAccountId, displayName: "Argo Rollouts controller (reads its traffic-router plugin)",
        }, { parent: this });
        new gcp.storage.BucketIAMMember(`${name}-plugin-reader`, {
            bucket: args.pluginBucket, role: "roles/storage.objectViewer", member: pulumi.interpolate`serviceAccount:${gsa.email}`,
        }, { parent: this });
        new gcp.serviceaccount.IAMMember(`${name}-controller-workload-identity`, {
            serviceAccountId: gsa.name, role: "roles/iam.workloadIdentityUser",
            member: `serviceAccount:${args.project}.svc.id.goog[argo-rollouts/argo-rollouts]`,
        }, { parent: this });
        const script = pulumi.output(args.pluginBucket).apply((b) => pluginFetchScript(b, object, p.sha256));
        const c = ARGO_ROLLOUTS_CHART;
        this.release = new k8s.helm.v3.Release(`${name}-argo-rollouts`, {
            name: "argo-rollouts",
            chart: c.chart,
            version: c.version,
            repositoryOpts: { repo: c.repo },
            namespace: ns.name,
            values: {
                installCRDs: true,
                serviceAccount: { create: true, name: "argo-rollouts", annotations: { "iam.gke.io/gcp-service-account": gsa.email } },
                controller: {
                    replicas: args.replicas ?? 2,
                    priorityClassName: PRIORITIES.platformCritical.name,
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                    metrics: { enabled: true, serviceMonitor: { enabled: true } },
                    // Chart values controller.trafficRouterPlugins / initContainers / volumes at 2.41.0: the controller
                    // loads the plugin from the file the init container wrote (file:// locations are read as is).
                    trafficRouterPlugins: [{ name: GATEWAY_PLUGIN_NAME, location: `file://${PLUGIN_PATH}` }],
                    initContainers: [{
                        name: "fetch-gatewayapi-plugin",
                        image: args.fetchImage,
                        command: ["python3", "-c", script],
                        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
                        // MLflow's image defaults to root; the restricted profile needs a fixed non-root user.
                        securityContext: { ...RESTRICTED_CONTAINER, runAsUser: 65532, runAsGroup: 65532 },
                        volumeMounts: [{ name: "plugins", mountPath: "/plugins" }],
                    }],
                    volumes: [{ name: "plugins", emptyDir: { sizeLimit: "256Mi" } }],
                    volumeMounts: [{ name: "plugins", mountPath: "/plugins" }],
                },
                // Only the Gateway API provider's rules (HTTPRoutes): the other providers are not used.
                providerRBAC: {
                    enabled: true,
                    providers: { istio: false, smi: false, ambassador: false, awsLoadBalancerController: false, awsAppMesh: false, traefik: false, apisix: false, contour: false, glooPlatform: false, gatewayAPI: true },
                },
                dashboard: { enabled: false },
                // Chart values notifications.* at 2.41.0: the chart writes them into argo-rollouts-notification-configmap.
                ...(records ? { notifications: abortNotifications(records.recorders, records.trackingUri) } : {}),
            },
        }, { ...k8sOpts, dependsOn: [...args.monitoringReady, ...args.priorityClasses, ...(notificationSecret ? [notificationSecret] : [])] });
        this.registerOutputs({ release: this.release });
    }
}
