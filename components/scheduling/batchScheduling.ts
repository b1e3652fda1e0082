import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedGpuPool } from "../gke/gpuNodePool";
import { namespaceLabels } from "../namespaces/manifests";
import {
    COHORT, CPU_FLAVOR, DWS_CHECK, DWS_CONFIG, KUEUE_API, LOCAL_QUEUE, PRIORITY_CLASSES, TeamQuota,
    clusterQueueSpec, cpuFlavor, dwsAdmissionCheckSpec, gpuFlavor, provisioningRequestConfigSpec,
} from "./kueueObjects";

export const KUEUE_CHART = { chart: "oci://registry.k8s.io/kueue/charts/kueue", version: "0.19.2" };
export const JOBSET_CHART = { chart: "oci://registry.k8s.io/jobset/charts/jobset", version: "0.12.0" };

export interface BatchSchedulingArgs {
    /** GPU pools of the cluster: each becomes a ResourceFlavor; training pools get queue quota. Required. */
    pools: ResolvedGpuPool[];
    /** Team namespaces and their quotas; each gets a ClusterQueue and a LocalQueue. Required. */
    teams: TeamQuota[];
    /** ServiceMonitors need the Prometheus Operator's CRDs first. Required. */
    monitoringReady: pulumi.Resource[];
    /** Namespaces the LocalQueues go in must exist first. */
    namespacesReady: pulumi.Resource[];
    k8sProvider: k8s.Provider;
}

/**
 * Kueue (chart pinned, metrics scraped): ResourceFlavors for the training pools and CPU, a ClusterQueue per
 * team in one cohort (borrowing idle quota, reclaimed by preemption), a LocalQueue per namespace, workload
 * priority classes, and for flex-start pools the Dynamic Workload Scheduler admission check.
 */
export class BatchScheduling extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly jobset: k8s.helm.v3.Release;

    constructor(name: string, args: BatchSchedulingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:scheduling:BatchScheduling", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: "kueue-system", labels: namespaceLabels("kueue-system", "restricted") } }, k8sOpts);
        this.release = new k8s.helm.v3.Release(`${name}-kueue`, {
            name: "kueue",
            chart: KUEUE_CHART.chart,
            version: KUEUE_CHART.version,
            namespace: ns.metadata.name,
            values: {
                enablePrometheus: true,
                controllerManager: { manager: { resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } } } },
            },
        }, { ...k8sOpts, dependsOn: args.monitoringReady });
        const afterCrds = { ...k8sOpts, dependsOn: [this.release] };
        // JobSet: multi-node training as one unit; Kueue admits JobSets natively.
        const jobsetNs = new k8s.core.v1.Namespace(`${name}-jobset-ns`, { metadata: { name: "jobset-system", labels: namespaceLabels("jobset-system", "restricted") } }, k8sOpts);
        this.jobset = new k8s.helm.v3.Release(`${name}-jobset`, {
            name: "jobset",
            chart: JOBSET_CHART.chart,
            version: JOBSET_CHART.version,
            namespace: jobsetNs.metadata.name,
            values: { controller: { resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } } } },
        }, { ...k8sOpts, dependsOn: args.monitoringReady });
        const kueue = (res: string, kind: string, metadata: Record<string, unknown>, body: Record<string, unknown>, deps: pulumi.Resource[] = []) =>
            new k8s.apiextensions.CustomResource(`${name}-${res}`, { apiVersion: KUEUE_API, kind, metadata, ...body }, { ...afterCrds, dependsOn: [this.release, ...deps] });

        // A flavor per GPU pool; team queues offer quota on the training pools.
        const training = args.pools.filter((p) => p.purpose === "training");
        const flavors = [
            kueue("flavor-cpu", "ResourceFlavor", { name: CPU_FLAVOR }, { spec: cpuFlavor() }),
            ...args.pools.map((p) => kueue(`flavor-${p.name}`, "ResourceFlavor", { name: p.name }, { spec: gpuFlavor(p) })),
        ];
        for (const [pc, v] of Object.entries(PRIORITY_CLASSES)) kueue(`priority-${pc}`, "WorkloadPriorityClass", { name: pc }, { value: v.value, description: v.description });

        const checks: pulumi.Resource[] = [];
        if (training.some((p) => p.provisioning === "flex-start")) {
            const config = kueue("dws-config", "ProvisioningRequestConfig", { name: DWS_CONFIG }, { spec: provisioningRequestConfigSpec() });
            checks.push(kueue("dws-check", "AdmissionCheck", { name: DWS_CHECK }, { spec: dwsAdmissionCheckSpec() }, [config]));
        }
        const pools = training.map((p) => ({ name: p.name, flexStart: p.provisioning === "flex-start" }));
        for (const t of args.teams) {
            const cq = kueue(`queue-${t.namespace}`, "ClusterQueue", { name: t.namespace, labels: { "mlops.platform/cohort": COHORT } }, { spec: clusterQueueSpec(t, pools) }, [...flavors, ...checks]);
            kueue(`local-queue-${t.namespace}`, "LocalQueue", { name: LOCAL_QUEUE, namespace: t.namespace }, { spec: { clusterQueue: t.namespace } }, [cq, ...args.namespacesReady]);
        }
        this.registerOutputs({ release: this.release, jobset: this.jobset });
    }
}
