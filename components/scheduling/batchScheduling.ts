import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformNamespace } from "../namespaces/platformNamespace";
import { PlatformFlow } from "../namespaces/platformPolicies";
import { PRIORITIES } from "../workloads/priorities";
import { BatchObjects } from "./batchPlan";
import { COHORT, DWS_CHECK, DWS_CONFIG, KUEUE_API, LOCAL_QUEUE, PRIORITY_CLASSES, dwsAdmissionCheckSpec, provisioningRequestConfigSpec } from "./kueueObjects";

// Checked: kubernetes-sigs/kueue v0.19.2 hack/helm-chart-package.sh publishes the chart with the release
// image (registry.k8s.io/kueue/kueue:v0.19.2) in place of the staging tag in charts/kueue/values.yaml.
export const KUEUE_CHART = { chart: "oci://registry.k8s.io/kueue/charts/kueue", version: "0.19.2" };
// Checked: kubernetes-sigs/jobset tag v0.12.0 (f22e565), charts/jobset (published to registry.k8s.io/jobset/charts).
export const JOBSET_CHART = { chart: "oci://registry.k8s.io/jobset/charts/jobset", version: "0.12.0" };
/** Kueue's webhook and metrics ports (charts/kueue values.yaml at v0.19.2: webhook 9443, metrics 8443, visibility API 8082). */
export const KUEUE_PORTS = { webhook: 9443, metrics: 8443, visibility: 8082 };
/** JobSet's webhook and metrics ports (charts/jobset at v0.12.0). */
export const JOBSET_PORTS = { webhook: 9443, metrics: 8443 };

export interface BatchSchedulingArgs {
    /** Flavors and per-team ClusterQueues (see batchObjects). Required. */
    batch: BatchObjects;
    /** Whether any flavor is a flex-start pool: adds the Dynamic Workload Scheduler admission check. */
    flexStart: boolean;
    /** ServiceMonitors need the Prometheus Operator's CRDs first. Required. */
    monitoringReady: pulumi.Resource[];
    /** The pod PriorityClasses the controller runs at. Required. */
    priorityClasses: pulumi.Resource[];
    /**
     * Each team namespace's component, by namespace name: a LocalQueue waits for its own namespace (and its
     * guardrails), not for every namespace. Required: a queue whose namespace is missing here is an error.
     */
    namespacesReady: Record<string, pulumi.Resource>;
    /** The control plane's range: controllers call the API server, which calls their webhooks. Required. */
    controlPlaneCidr: string;
    /** Namespace whose Prometheus scrapes the controllers. Required. */
    monitoringNamespace: string;
    k8sProvider: k8s.Provider;
}

/** A controller namespace's flows: DNS, the API server, webhooks called by the control plane, scrapes. */
function controllerFlows(controlPlaneCidr: string, monitoringNamespace: string, webhookPorts: number[], metricsPorts: number[]): Record<string, PlatformFlow> {
    return {
        dns: { kind: "dns" },
        "api-server": { kind: "apiServer", controlPlaneCidr },
        "control-plane-webhooks": { kind: "fromControlPlane", controlPlaneCidr, ports: webhookPorts },
        "prometheus-scrape": { kind: "scrape", monitoringNamespace, ports: metricsPorts },
    };
}

/**
 * Kueue (chart pinned, metrics scraped) with its ResourceFlavors, a
 * ClusterQueue per team in one cohort (borrowing idle quota, reclaimed by preemption), a LocalQueue per
 * namespace, workload priority classes and, for flex-start pools, the Dynamic Workload Scheduler admission
 * check; and the JobSet controller. Kueue and JobSet run in namespaces of their own with default deny.
 */
export class BatchScheduling extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly jobset: k8s.helm.v3.Release;

    constructor(name: string, args: BatchSchedulingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:scheduling:BatchScheduling", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.k8sProvider };

        const controllerQuota = { requestsCpu: "2", limitsCpu: "4", requestsMemory: "2Gi", limitsMemory: "4Gi" };
        const ns = new PlatformNamespace(`${name}-kueue-system`, {
            name: "kueue-system",
            namespaceAliases: [{ name: `${name}-ns`, parent: this }],
            quota: controllerQuota,
            // The visibility API is an aggregated API server: the control plane calls it too.
            flows: controllerFlows(args.controlPlaneCidr, args.monitoringNamespace, [KUEUE_PORTS.webhook, KUEUE_PORTS.visibility], [KUEUE_PORTS.metrics]),
        }, k8sOpts);
        this.release = new k8s.helm.v3.Release(`${name}-kueue`, {
            name: "kueue",
            chart: KUEUE_CHART.chart,
            version: KUEUE_CHART.version,
            namespace: ns.name,
            values: {
                enablePrometheus: true,
                controllerManager: { manager: {
                    priorityClassName: PRIORITIES.platformCritical.name,
                    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
                } },
            },
        }, { ...k8sOpts, dependsOn: [...args.monitoringReady, ...args.priorityClasses] });
        const afterCrds = { ...k8sOpts, dependsOn: [this.release] };
        // JobSet: multi-node training as one unit; Kueue admits JobSets natively. Its chart has no
        // priorityClassName value (charts/jobset values.yaml at v0.12.0), so it runs at default priority.
        const jobsetNs = new PlatformNamespace(`${name}-jobset-system`, {
            name: "jobset-system",
            namespaceAliases: [{ name: `${name}-jobset-ns`, parent: this }],
            quota: { requestsCpu: "1", limitsCpu: "2", requestsMemory: "1Gi", limitsMemory: "2Gi" },
            flows: controllerFlows(args.controlPlaneCidr, args.monitoringNamespace, [JOBSET_PORTS.webhook], [JOBSET_PORTS.metrics]),
        }, k8sOpts);
        this.jobset = new k8s.helm.v3.Release(`${name}-jobset`, {
            name: "jobset",
            chart: JOBSET_CHART.chart,
            version: JOBSET_CHART.version,
            namespace: jobsetNs.name,
            values: { controller: { resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } } } },
        }, { ...k8sOpts, dependsOn: args.monitoringReady });
        const kueue = (res: string, kind: string, metadata: Record<string, unknown>, body: Record<string, unknown>, deps: pulumi.Resource[] = []) =>
            new k8s.apiextensions.CustomResource(`${name}-${res}`, { apiVersion: KUEUE_API, kind, metadata, ...body }, { ...afterCrds, dependsOn: [this.release, ...deps] });

        const flavors = args.batch.flavors.map((f) => kueue(`flavor-${f.name}`, "ResourceFlavor", { name: f.name }, { spec: f.spec }));
        for (const [pc, v] of Object.entries(PRIORITY_CLASSES)) kueue(`priority-${pc}`, "WorkloadPriorityClass", { name: pc }, { value: v.value, description: v.description });

        const checks: pulumi.Resource[] = [];
        if (args.flexStart) {
            const config = kueue("dws-config", "ProvisioningRequestConfig", { name: DWS_CONFIG }, { spec: provisioningRequestConfigSpec() });
            checks.push(kueue("dws-check", "AdmissionCheck", { name: DWS_CHECK }, { spec: dwsAdmissionCheckSpec() }, [config]));
        }
        const missing = args.batch.queues.map((q) => q.namespace).filter((n) => !args.namespacesReady[n]);
        if (missing.length > 0) throw new Error(`BatchScheduling: no namespace component for the queues of ${missing.join(", ")}`);
        for (const q of args.batch.queues) {
            const cq = kueue(`queue-${q.namespace}`, "ClusterQueue", { name: q.namespace, labels: { "mlops.platform/cohort": COHORT } }, { spec: q.spec }, [...flavors, ...checks]);
            kueue(`local-queue-${q.namespace}`, "LocalQueue", { name: LOCAL_QUEUE, namespace: q.namespace }, { spec: { clusterQueue: q.namespace } }, [cq, args.namespacesReady[q.namespace]]);
        }
        this.registerOutputs({ release: this.release, jobset: this.jobset });
    }
}
