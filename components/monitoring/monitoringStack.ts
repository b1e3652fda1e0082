import * as fs from "node:fs";
import * as path from "node:path";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Report, resolveOrThrow } from "../../lib/errors";
import { isDns1123Label, isDnsName, parseCidr, parseQuantity, QUANTITY_RULE } from "../../lib/validate";
import { PlatformNamespace } from "../namespaces/platformNamespace";
import { PRIORITIES } from "../workloads/priorities";
import { AlertingOptions, alertmanagerConfigSpec, receiverSecretData } from "./alertmanager";
import { ModelAlertSpec, RUNBOOK_BASE, platformRuleGroups } from "./alertRules";
import { DCGM_CONTAINER_RESOURCES, DCGM_EXPORTER_PORT, dcgmExporterSpec, dcgmLabels } from "./dcgmExporter";
import {
    NODE_METRICS_CONTAINER_DEFAULTS, monitoringQuota, NODE_METRICS_NAMESPACE, RELEASES, alertmanagerEgressPorts, monitoringFlows,
    nodeMetricsFlows, nodeMetricsQuota,
} from "./namespaces";

// Checked: prometheus-community/helm-charts tags kube-prometheus-stack-88.5.3 (ea930ba) and
// prometheus-pushgateway-3.8.0 (4fa56e1), charts/<name>/Chart.yaml and values.yaml.
export const CHARTS = {
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts" },
    pushgateway: { chart: "prometheus-pushgateway", version: "3.8.0", repo: "https://prometheus-community.github.io/helm-charts" },
};

/** In-cluster addresses, fixed by the charts' name overrides below. */
export const MONITORING_SERVICES = {
    prometheus: (ns: string) => `http://kube-prometheus-prometheus.${ns}.svc.cluster.local:9090`,
    pushgateway: (ns: string) => `http://pushgateway.${ns}.svc.cluster.local:9091`,
    grafanaIngress: "grafana",
};

/** Label the Grafana sidecar loads dashboards by. */
export const DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" };

/** The user-facing options (`mlops-platform:monitoring`). */
export interface MonitoringOptions {
    /** How long Prometheus keeps samples, e.g. `15d`. Defaults to 7d in dev, 30d otherwise. */
    retention?: string;
    /** Prometheus volume size per replica. Defaults to 20Gi in dev, 100Gi otherwise. */
    storageSize?: string;
    /** Prometheus and AlertManager replicas. Defaults to 1 in dev, 2 otherwise. */
    replicas?: number;
    /** External DNS name for Grafana (HTTPS via cert-manager). Defaults to none. */
    grafanaHostname?: string;
    /** Where alerts go; see AlertingOptions. Defaults to nowhere (AlertManager's UI only). */
    alerting?: AlertingOptions;
    /** Where docs/runbooks.md is published (alerts link to its sections). Defaults to RUNBOOK_BASE. */
    runbookBaseUrl?: string;
}

export type ResolvedMonitoring = Required<Omit<MonitoringOptions, "grafanaHostname" | "alerting">> & { grafanaHostname?: string; alerting: AlertingOptions };

const DURATION = /^([0-9]+)(ms|s|m|h|d|w|y)$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365 * 86400 };

/** Seconds in a Prometheus duration (one number and unit, as the chart passes it), or undefined. */
export function durationSeconds(text: string): number | undefined {
    const m = DURATION.exec(text);
    return m ? Number(m[1]) * UNIT_SECONDS[m[2]] : undefined;
}

/**
 * Bounds on the monitoring options. Storage: a Persistent Disk volume holds at most 64 TiB (Compute Engine's
 * disk limit, the same 65536 GB bound node pools' diskSizeGb use). Retention: a year; longer history belongs
 * in a long-term store, not Prometheus's local TSDB.
 */
export const MONITORING_LIMITS = { maxRetentionDays: 365, maxStorageBytes: 64 * 2 ** 40 };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SMARTHOST = /^[a-z0-9.-]+:[0-9]{1,5}$/;

/** Pure: fills defaults and reports every bad option. Secret values are never quoted in messages. */
export function resolveMonitoring(o: MonitoringOptions, dev: boolean, report: Report): ResolvedMonitoring {
    const retention = o.retention ?? (dev ? "7d" : "30d");
    const seconds = durationSeconds(retention);
    if (seconds === undefined) report("retention", "must be a Prometheus duration such as 15d, 12h or 4w", retention);
    else if (seconds < 3600 || seconds > MONITORING_LIMITS.maxRetentionDays * 86400) {
        report("retention", `must be from 1h to ${MONITORING_LIMITS.maxRetentionDays}d: Prometheus's local storage is not long-term storage`, retention);
    }
    const storageSize = o.storageSize ?? (dev ? "20Gi" : "100Gi");
    const bytes = parseQuantity(storageSize);
    if (bytes === undefined) report("storageSize", QUANTITY_RULE, storageSize);
    else if (bytes < 2 ** 30) report("storageSize", "must be at least 1Gi", storageSize);
    else if (bytes > MONITORING_LIMITS.maxStorageBytes) report("storageSize", "must be at most 64Ti: the largest Persistent Disk volume (the storage class is pd-balanced)", storageSize);
    const replicas = o.replicas ?? (dev ? 1 : 2);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) report("replicas", "must be a whole number from 1 to 5", replicas);
    if (o.grafanaHostname !== undefined && !isDnsName(o.grafanaHostname)) report("grafanaHostname", "must be a fully qualified DNS name such as grafana.ml.example.com (lowercase)", o.grafanaHostname);
    const a = o.alerting ?? {};
    const hidden = "(value not shown: it is a secret)";
    for (const f of ["slackWebhookUrl", "webhookUrl"] as const) {
        const v = a[f];
        if (v !== undefined && !/^https:\/\/[^\s]+$/.test(v)) report(`alerting.${f}`, `must be an https:// URL ${hidden}`);
    }
    if (a.slackChannel !== undefined && !/^[#@][a-z0-9._-]{1,80}$/.test(a.slackChannel)) report("alerting.slackChannel", "must be a channel such as #ml-alerts (or @user)", a.slackChannel);
    if (a.slackChannel !== undefined && a.slackWebhookUrl === undefined) report("alerting.slackChannel", "needs alerting.slackWebhookUrl", a.slackChannel);
    if (a.email) {
        for (const f of ["to", "from"] as const) if (!EMAIL.test(a.email[f] ?? "")) report(`alerting.email.${f}`, "must be an email address", a.email[f]);
        if (!SMARTHOST.test(a.email.smarthost ?? "")) report("alerting.email.smarthost", "must be host:port, e.g. smtp.example.com:587", a.email.smarthost);
        if (a.email.authPassword !== undefined && a.email.authUsername === undefined) report("alerting.email.authUsername", "is required with authPassword");
    }
    const runbookBaseUrl = o.runbookBaseUrl ?? RUNBOOK_BASE;
    if (!/^https?:\/\/\S+$/.test(runbookBaseUrl)) report("runbookBaseUrl", "must be an http(s) URL", runbookBaseUrl);
    return { retention, storageSize, replicas, grafanaHostname: o.grafanaHostname, alerting: a, runbookBaseUrl };
}

/** Reads every dashboard JSON file under `dir`. */
export function loadDashboards(dir: string): { file: string; json: string; uid: string }[] {
    return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((file) => {
        const json = fs.readFileSync(path.join(dir, file), "utf8");
        return { file, json, uid: JSON.parse(json).uid as string };
    });
}

export const DASHBOARDS_DIR = path.resolve(__dirname, "..", "..", "dashboards");

const res = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });

/** The node exporter's requests and limits (one per node, in NODE_METRICS_NAMESPACE). */
export const NODE_EXPORTER_RESOURCES = res("20m", "32Mi", "200m", "128Mi");

/** Priority of every monitoring pod: scheduled before, and never preempted by, models and jobs. */
const priorityClassName = PRIORITIES.platformCritical.name;

/**
 * kube-prometheus-stack values: what the platform sets on the chart. Each `priorityClassName` and the node
 * exporter's `namespaceOverride` were checked against the pinned charts' values (kube-prometheus-stack 88.5.3 and
 * its subcharts grafana 12.11.1, kube-state-metrics 8.4.0, prometheus-node-exporter 4.56.1). Pure.
 */
export function kubePrometheusStackValues(o: ResolvedMonitoring, grafanaAdminSecret: string, alertmanagerConfigName: string, grafanaIngress?: { hostname: string; staticIpName: pulumi.Input<string>; tlsSecret: string }) {
    const selectAll = {
        // Select ServiceMonitors, PodMonitors, Probes and rules in every namespace, not only the chart's own.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
    };
    return {
        fullnameOverride: "kube-prometheus",
        crds: { enabled: true },
        prometheus: {
            prometheusSpec: {
                ...selectAll,
                replicas: o.replicas,
                retention: o.retention,
                resources: res("500m", "2Gi", "2", "8Gi"),
                storageSpec: { volumeClaimTemplate: { spec: { storageClassName: "standard-rwo", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: o.storageSize } } } } },
                podAntiAffinity: "soft",
                priorityClassName,
            },
        },
        alertmanager: {
            alertmanagerSpec: {
                replicas: o.replicas,
                resources: res("50m", "128Mi", "500m", "512Mi"),
                alertmanagerConfiguration: { name: alertmanagerConfigName },
                priorityClassName,
                storage: { volumeClaimTemplate: { spec: { storageClassName: "standard-rwo", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } } } },
            },
        },
        prometheusOperator: {
            resources: res("100m", "128Mi", "500m", "512Mi"),
            priorityClassName,
            prometheusConfigReloader: { resources: res("10m", "32Mi", "100m", "64Mi") },
            admissionWebhooks: { patch: { resources: res("10m", "32Mi", "100m", "128Mi"), priorityClassName } },
        },
        grafana: {
            fullnameOverride: "grafana",
            admin: { existingSecret: grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
            resources: res("100m", "256Mi", "1", "1Gi"),
            priorityClassName,
            // Dashboards are code (dashboards/*.json as ConfigMaps): no database volume to lose.
            persistence: { enabled: false },
            sidecar: {
                resources: res("10m", "64Mi", "200m", "256Mi"),
                dashboards: { enabled: true, label: DASHBOARD_LABEL.key, labelValue: DASHBOARD_LABEL.value, searchNamespace: "ALL" },
            },
            service: { annotations: { "cloud.google.com/neg": JSON.stringify({ ingress: true }) } },
            ...(grafanaIngress ? {
                "grafana.ini": { server: { root_url: `https://${grafanaIngress.hostname}` } },
                ingress: {
                    enabled: true,
                    annotations: { "kubernetes.io/ingress.class": "gce", "kubernetes.io/ingress.global-static-ip-name": grafanaIngress.staticIpName },
                    hosts: [grafanaIngress.hostname],
                    path: "/",
                    pathType: "Prefix",
                    tls: [{ secretName: grafanaIngress.tlsSecret, hosts: [grafanaIngress.hostname] }],
                },
            } : {}),
        },
        "kube-state-metrics": {
            fullnameOverride: "kube-state-metrics",
            resources: res("50m", "128Mi", "500m", "512Mi"),
            priorityClassName,
            // Labels the platform's dashboards and alerts group by.
            metricLabelsAllowlist: [
                "pods=[mlops.platform/workload]",
                "deployments=[mlops.platform/workload]",
                // Retraining Jobs: which model, and why they ran (RetrainingFailed, the training dashboard).
                "jobs=[app.kubernetes.io/name,mlops.platform/workload,mlops.platform/trigger]",
                "nodes=[cloud.google.com/gke-nodepool,mlops.platform/pool,mlops.platform/purpose]",
            ],
        },
        "prometheus-node-exporter": {
            fullnameOverride: "node-exporter",
            // Host network, host PID and host paths: with the other node agents, never beside Grafana.
            namespaceOverride: NODE_METRICS_NAMESPACE,
            resources: NODE_EXPORTER_RESOURCES,
            priorityClassName,
        },
    };
}

export interface MonitoringStackArgs {
    options: ResolvedMonitoring;
    /** PriorityClasses the pods name: created first, or the pods are rejected. Defaults to none. */
    priorityClasses?: pulumi.Resource[];
    /** Namespace to create and run in (Pod Security baseline). Required; the node agents go to NODE_METRICS_NAMESPACE. */
    namespace: string;
    /** The control plane's private endpoint range: the API server, and the caller of the operator's webhook. Required. */
    controlPlaneCidr: string;
    /** The nodes' subnet, where Prometheus scrapes kubelets and the host-network node exporter. Required. */
    nodesCidr: string;
    /** Namespaces whose jobs push to the Pushgateway. Required; empty = none may. */
    pushgatewayClients: string[];
    /** Namespaces that query Prometheus, e.g. Argo Rollouts' analysis runs. Required; empty = none may. */
    prometheusClients: string[];
    /** Per-model alert thresholds. Defaults to none (the defaults apply to every model). */
    modelAlerts?: ModelAlertSpec[];
    /** ClusterIssuer for Grafana's certificate, when it has a hostname. */
    clusterIssuer?: string;
    /** Dashboards directory. Defaults to DASHBOARDS_DIR. */
    dashboardsDir?: string;
    k8sProvider: k8s.Provider;
}

/** Pure: reports every malformed network argument of MonitoringStack. */
export function checkMonitoringNetwork(a: Pick<MonitoringStackArgs, "namespace" | "controlPlaneCidr" | "nodesCidr" | "pushgatewayClients" | "prometheusClients">, report: Report): void {
    for (const f of ["controlPlaneCidr", "nodesCidr"] as const) {
        const c = parseCidr(a[f]);
        if ("error" in c) report(f, c.error, a[f]);
    }
    for (const f of ["pushgatewayClients", "prometheusClients"] as const) {
        a[f].forEach((ns, i) => { if (!isDns1123Label(ns)) report(`${f}[${i}]`, "must be a namespace name (DNS-1123 label)", ns); });
    }
    if (a.namespace === NODE_METRICS_NAMESPACE) report("namespace", `must not be ${NODE_METRICS_NAMESPACE}, the node agents' namespace`, a.namespace);
}

/**
 * Prometheus, AlertManager and Grafana (kube-prometheus-stack), a Pushgateway for batch jobs, NVIDIA DCGM
 * GPU metrics, the platform's recording and alerting rules, AlertManager routing, and the ML dashboards.
 * Node agents (node exporter, DCGM) run in NODE_METRICS_NAMESPACE, the platform's only privileged namespace;
 * both namespaces deny all traffic but the flows in namespaces.ts.
 */
export class MonitoringStack extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** Namespace of the node agents (node exporter, DCGM). */
    public readonly nodeMetricsNamespace: string;
    /** Resources that must exist before ServiceMonitors and rules elsewhere (the CRDs come with the chart). */
    public readonly ready: pulumi.Resource[];
    public readonly prometheusUrl: string;
    public readonly pushgatewayUrl: string;
    /** `<namespace>/<name>` of the Secret with Grafana's admin user and password. */
    public readonly grafanaAdminSecret: string;
    public readonly grafanaUrl?: string;
    public readonly grafanaIngressAddress?: pulumi.Output<string>;

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:monitoring:MonitoringStack", name, {}, opts);
        const o = args.options;
        const ns = args.namespace;
        resolveOrThrow("MonitoringStack", (report) => checkMonitoringNetwork(args, report));
        const k8sOpts = { parent: this, provider: args.k8sProvider };

        // Grafana faces the internet: no pod here may use the host (baseline); warn and audit at restricted.
        // PlatformNamespace keeps the logical names these children had (`<name>-ns`, `<name>-quota`, ...).
        const monitoringNs = new PlatformNamespace(name, {
            name: ns,
            podSecurity: "baseline",
            // A quota sized from the replicas and volumes asked for; chart containers without resources get defaults.
            quota: monitoringQuota(o),
            flows: monitoringFlows({
            monitoringNamespace: ns,
            controlPlaneCidr: args.controlPlaneCidr,
            nodesCidr: args.nodesCidr,
            pushgatewayClients: args.pushgatewayClients,
            prometheusClients: args.prometheusClients,
            grafanaIngress: o.grafanaHostname !== undefined,
            alertmanagerPorts: alertmanagerEgressPorts(o.alerting),
            }),
            namespaceAliases: [{ name: `${name}-ns`, parent: this }],
        }, k8sOpts);
        const nsName = monitoringNs.name;

        // The node agents read the host (host network, PID and paths; the GPU devices): the only privileged namespace.
        const nodeMetrics = new PlatformNamespace(`${name}-node-metrics`, {
            name: NODE_METRICS_NAMESPACE,
            podSecurity: "privileged",
            quota: nodeMetricsQuota(args.nodesCidr, [NODE_EXPORTER_RESOURCES, DCGM_CONTAINER_RESOURCES, DCGM_CONTAINER_RESOURCES]),
            containerDefaults: NODE_METRICS_CONTAINER_DEFAULTS,
            flows: nodeMetricsFlows(ns),
        }, k8sOpts);
        const agentsNs = nodeMetrics.name;
        const agentGuardrails = nodeMetrics.guardrails;
        const monitoringPolicies = monitoringNs.guardrails;

        const grafanaPassword = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 24, special: false }, { parent: this });
        const grafanaSecretName = "grafana-admin";
        const grafanaSecret = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: grafanaSecretName, namespace: nsName },
            type: "Opaque",
            stringData: { "admin-user": "admin", "admin-password": grafanaPassword.result },
        }, k8sOpts);

        const receiversSecretName = "alertmanager-receivers";
        const secretData = receiverSecretData(o.alerting);
        const receiversSecret = new k8s.core.v1.Secret(`${name}-alertmanager-receivers`, {
            metadata: { name: receiversSecretName, namespace: nsName },
            type: "Opaque",
            // Webhook URLs and the SMTP password are credentials: secret whatever the stack config says.
            stringData: pulumi.secret(secretData),
        }, k8sOpts);

        let grafanaIngress: { hostname: string; staticIpName: pulumi.Input<string>; tlsSecret: string } | undefined;
        if (o.grafanaHostname) {
            const address = new gcp.compute.GlobalAddress(`${name}-grafana-ip`, { addressType: "EXTERNAL", description: `Grafana (${o.grafanaHostname})` }, { parent: this });
            grafanaIngress = { hostname: o.grafanaHostname, staticIpName: address.name, tlsSecret: "grafana-tls" };
            this.grafanaIngressAddress = address.address;
            this.grafanaUrl = `https://${o.grafanaHostname}`;
            new k8s.apiextensions.CustomResource(`${name}-grafana-certificate`, {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: "grafana", namespace: nsName },
                spec: { secretName: grafanaIngress.tlsSecret, dnsNames: [o.grafanaHostname], issuerRef: { name: args.clusterIssuer!, kind: "ClusterIssuer", group: "cert-manager.io" } },
            }, k8sOpts);
        }

        const alertmanagerConfigName = "platform-alerting";
        const kps = CHARTS.kubePrometheusStack;
        // After the NetworkPolicies (the chart's install Jobs need their API server flow) and node-metrics' guardrails.
        this.release = new k8s.helm.v3.Release(`${name}-kube-prometheus-stack`, {
            name: RELEASES.kubePrometheusStack,
            chart: kps.chart,
            version: kps.version,
            repositoryOpts: { repo: kps.repo },
            namespace: nsName,
            values: kubePrometheusStackValues(o, grafanaSecretName, alertmanagerConfigName, grafanaIngress),
            timeout: 900,
        }, { ...k8sOpts, dependsOn: [grafanaSecret, receiversSecret, ...monitoringPolicies, ...agentGuardrails, ...(args.priorityClasses ?? [])] });
        const afterCrds = { ...k8sOpts, dependsOn: [this.release] };

        new k8s.apiextensions.CustomResource(`${name}-alertmanager-config`, {
            apiVersion: "monitoring.coreos.com/v1alpha1",
            kind: "AlertmanagerConfig",
            metadata: { name: alertmanagerConfigName, namespace: nsName },
            spec: alertmanagerConfigSpec(o.alerting, receiversSecretName),
        }, afterCrds);

        new k8s.apiextensions.CustomResource(`${name}-rules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "mlops-platform", namespace: nsName, labels: { "app.kubernetes.io/part-of": "mlops-platform" } },
            spec: { groups: platformRuleGroups(args.modelAlerts ?? [], o.runbookBaseUrl) },
        }, afterCrds);

        for (const d of loadDashboards(args.dashboardsDir ?? DASHBOARDS_DIR)) {
            new k8s.core.v1.ConfigMap(`${name}-dashboard-${d.uid}`, {
                metadata: { name: `dashboard-${d.uid}`, namespace: nsName, labels: { [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value } },
                data: { [d.file]: d.json },
            }, k8sOpts);
        }

        const pg = CHARTS.pushgateway;
        const pushgateway = new k8s.helm.v3.Release(`${name}-pushgateway`, {
            name: RELEASES.pushgateway,
            chart: pg.chart,
            version: pg.version,
            repositoryOpts: { repo: pg.repo },
            namespace: nsName,
            values: {
                fullnameOverride: "pushgateway",
                resources: res("20m", "64Mi", "200m", "256Mi"),
                priorityClassName,
                persistentVolume: { enabled: true, size: "2Gi", storageClass: "standard-rwo" },
                serviceMonitor: { enabled: true, namespace: ns, honorLabels: true },
                containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
        }, afterCrds);

        // After the quota and LimitRange, which admission checks each pod against.
        const agentOpts = { ...k8sOpts, dependsOn: [...agentGuardrails, ...(args.priorityClasses ?? [])] };
        new k8s.apps.v1.DaemonSet(`${name}-dcgm-exporter`, { metadata: { name: "dcgm-exporter", namespace: agentsNs, labels: dcgmLabels("exporter") }, spec: dcgmExporterSpec() }, agentOpts);
        new k8s.core.v1.Service(`${name}-dcgm-exporter`, {
            metadata: { name: "dcgm-exporter", namespace: agentsNs, labels: dcgmLabels("exporter") },
            spec: { type: "ClusterIP", selector: dcgmLabels("exporter"), ports: [{ name: "metrics", port: DCGM_EXPORTER_PORT, targetPort: "metrics" }] },
        }, k8sOpts);
        new k8s.apiextensions.CustomResource(`${name}-dcgm-exporter-monitor`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: { name: "dcgm-exporter", namespace: agentsNs, labels: dcgmLabels("exporter") },
            spec: {
                selector: { matchLabels: dcgmLabels("exporter") },
                endpoints: [{ port: "metrics", interval: "15s", honorLabels: true }],
            },
        }, afterCrds);

        this.ready = [this.release];
        this.nodeMetricsNamespace = NODE_METRICS_NAMESPACE;
        this.prometheusUrl = MONITORING_SERVICES.prometheus(ns);
        this.pushgatewayUrl = MONITORING_SERVICES.pushgateway(ns);
        this.grafanaAdminSecret = `${ns}/${grafanaSecretName}`;
        this.registerOutputs({
            release: this.release, nodeMetricsNamespace: this.nodeMetricsNamespace, pushgateway, prometheusUrl: this.prometheusUrl, pushgatewayUrl: this.pushgatewayUrl,
            grafanaAdminSecret: this.grafanaAdminSecret, grafanaUrl: this.grafanaUrl, grafanaIngressAddress: this.grafanaIngressAddress,
        });
    }
}
