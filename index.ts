// Wiring only: stack config -> components -> stack outputs. Each component documents its own settings.
import * as pulumi from "@pulumi/pulumi";
import { GkeCluster, GpuNodePool } from "./components/gke";
import { ModelTuning, TuningService, withOptunaStudy } from "./components/tuning";
import { MLFLOW_INGRESS_NAME, MLFLOW_PORT, MlflowServer, MlflowUsers, registeredModelName, trackingUri as mlflowUriIn } from "./components/mlflow";
import { MONITORING_SERVICES, MonitoringStack } from "./components/monitoring";
import { TeamNamespace } from "./components/namespaces";
import { PlatformNetwork } from "./components/network";
import { BatchScheduling, PriorityClasses } from "./components/scheduling";
import { internalGatewayIp, ModelGateways, ModelJobs, ModelService, ProgressiveDelivery } from "./components/serving";
import { ClusterTls } from "./components/tls";
import { MLFLOW_NAMESPACE, parsePlatformConfig, readStackConfig } from "./stack/platform";
import { serviceAccountId } from "./lib/naming";
import { StackOutputValues } from "./stackOutputs";

// Validate everything before the first resource: a bad key fails the run with one message listing all problems.
const cfg = parsePlatformConfig(readStackConfig(), pulumi.getStack());

const network = new PlatformNetwork("platform", {
    region: cfg.region,
    subnetCidr: cfg.network.subnetCidr,
    podsCidr: cfg.network.podsCidr,
    servicesCidr: cfg.network.servicesCidr,
    flowLogSampling: cfg.network.flowLogSampling,
    privateServicesCidr: cfg.network.privateServicesCidr,
    proxyOnlyCidr: cfg.network.proxyOnlyCidr,
});

const gke = new GkeCluster("mlops", {
    ...cfg.clusterOptions,
    project: cfg.project,
    region: cfg.region,
    network: network.network.id,
    subnetwork: network.subnet.id,
    nodeServiceAccountId: serviceAccountId("gke-nodes", cfg.stack),
    deletionProtection: cfg.protectData,
    dev: cfg.environment === "dev",
});

// Pod priorities first: a pod naming a PriorityClass that does not exist yet is rejected.
const priorities = new PriorityClasses("priorities", { k8sProvider: gke.provider });

const gpuPools = cfg.gpuNodePools.map((pool) => new GpuNodePool(pool.name, {
    ...pool,
    cluster: gke.cluster.name,
    location: gke.location,
    region: cfg.region,
    serviceAccount: gke.nodeServiceAccount.email,
}, { parent: gke }));

// Every team namespace may call the platform's services; nothing else leaves it but DNS and metadata.
// Models are called through the internal Gateway's VIP (a fixed address, see internalGatewayIp), on port 80.
const platformServices = [{ namespace: MLFLOW_NAMESPACE, port: MLFLOW_PORT }, { cidr: `${internalGatewayIp(cfg.network.subnetCidr)}/32`, port: 80 }];
const namespaces = cfg.namespaces.map((ns) => new TeamNamespace(ns.name, {
    ...ns,
    monitoringNamespace: cfg.monitoringNamespace,
    platformServices,
}, { provider: gke.provider }));

const tls = new ClusterTls("tls", {
    priorityClasses: priorities.classes,
    acmeEmail: cfg.tls.acmeEmail,
    acmeServer: cfg.tls.acmeServer,
    hosts: [
        ...(cfg.mlflow.hostname ? [{ hostname: cfg.mlflow.hostname, namespace: MLFLOW_NAMESPACE, ingressName: MLFLOW_INGRESS_NAME }] : []),
        ...(cfg.monitoring.grafanaHostname ? [{ hostname: cfg.monitoring.grafanaHostname, namespace: cfg.monitoringNamespace, ingressName: MONITORING_SERVICES.grafanaIngress }] : []),
    ],
    controlPlaneCidr: cfg.cluster.masterCidr,
    monitoringNamespace: cfg.monitoringNamespace,
}, { provider: gke.provider });

const monitoring = new MonitoringStack("monitoring", {
    options: cfg.monitoring,
    priorityClasses: priorities.classes,
    namespace: cfg.monitoringNamespace,
    controlPlaneCidr: cfg.cluster.masterCidr,
    nodesCidr: cfg.network.subnetCidr,
    pushgatewayClients: cfg.namespaces.map((ns) => ns.name),
    prometheusClients: ["argo-rollouts"],
    clusterIssuer: tls.issuerName,
    // Each model's latency alert uses its analysis threshold; staleness, its retraining interval; drift, its threshold.
    modelAlerts: cfg.models.map((m) => ({
        model: m.name,
        p95LatencySeconds: m.rollout.analysis.p95LatencySeconds,
        retrainIntervalSeconds: m.retraining?.intervalSeconds,
        driftThreshold: m.drift?.threshold,
    })),
    k8sProvider: gke.provider,
});

const mlflowNamespace = new TeamNamespace(MLFLOW_NAMESPACE, {
    name: MLFLOW_NAMESPACE,
    quota: { requestsCpu: "8", limitsCpu: "24", requestsMemory: "16Gi", limitsMemory: "48Gi", gpus: 0, pvcs: 0, storage: "0" },
    monitoringNamespace: cfg.monitoringNamespace,
}, { provider: gke.provider });

const mlflow = new MlflowServer("mlflow", {
    options: cfg.mlflow,
    project: cfg.project,
    region: cfg.region,
    serviceAccountId: serviceAccountId("mlflow", cfg.stack),
    namespace: mlflowNamespace.name,
    network: network.network.id,
    privateServicesConnection: network.privateServicesConnection,
    privateServicesCidr: cfg.network.privateServicesCidr,
    clusterIssuer: tls.issuerName,
    protectData: cfg.protectData,
    k8sProvider: gke.provider,
    monitoring: { dependsOn: monitoring.ready },
});

// Each model's MLflow users (a reader for its server, a writer for its jobs), created by a Job as the admin.
const mlflowUsers = new MlflowUsers("mlflow-users", {
    models: cfg.models.map((m) => ({
        model: m.name,
        namespace: m.namespace,
        registeredModel: registeredModelName(m.modelUri, m.name),
        jobs: !!(m.retraining || m.drift),
    })),
    namespace: mlflowNamespace.name,
    image: cfg.mlflow.image,
    server: mlflow.deployment,
    namespacesReady: namespaces,
    k8sProvider: gke.provider,
});

const delivery = new ProgressiveDelivery("delivery", {
    replicas: cfg.protectData ? 2 : 1,
    monitoringReady: monitoring.ready,
    priorityClasses: priorities.classes,
    controlPlaneCidr: cfg.cluster.masterCidr,
    monitoringNamespace: cfg.monitoringNamespace,
    pluginBucket: mlflow.artifactBucket.name,
    fetchImage: cfg.mlflow.image,
    project: cfg.project,
    serviceAccountId: serviceAccountId("argo-rollouts", cfg.stack),
    // Gated Rollouts' aborts are recorded on the candidate version, as the model's writer (docs/lifecycle.md).
    releaseRecords: {
        recorders: cfg.models.filter((m) => m.quality && m.rollout.strategy !== "rolling" && mlflowUsers.writerLogins[m.name])
            .map((m) => ({ model: m.name, ...mlflowUsers.writerLogins[m.name] })),
        trackingUri: mlflowUriIn(MLFLOW_NAMESPACE),
        mlflowNamespace: MLFLOW_NAMESPACE,
        mlflowPort: MLFLOW_PORT,
    },
    k8sProvider: gke.provider,
});

// Requests reach models through Gateways (one per exposure class) and one HTTPRoute per model.
const gateways = new ModelGateways("models", {
    models: cfg.models,
    region: cfg.region,
    network: network.network.id,
    subnetwork: network.subnet.id,
    subnetCidr: cfg.network.subnetCidr,
    proxyOnlySubnet: network.proxyOnlySubnet,
    clusterReady: [gke.cluster],
    k8sProvider: gke.provider,
});

// Batch work (retraining, drift checks, experiments) queues in Kueue per team, in one cohort.
const batch = new BatchScheduling("batch", {
    batch: cfg.batch,
    flexStart: cfg.gpuNodePools.some((p) => p.purpose === "training" && p.provisioning === "flex-start"),
    priorityClasses: priorities.classes,
    controlPlaneCidr: cfg.cluster.masterCidr,
    monitoringNamespace: cfg.monitoringNamespace,
    monitoringReady: monitoring.ready,
    namespacesReady: Object.fromEntries(cfg.namespaces.map((ns, i) => [ns.name, namespaces[i]])),
    k8sProvider: gke.provider,
});

// Optuna studies (hyperparameter search): their own database and user on the platform's Cloud SQL, a storage
// Secret per model with a study, and optuna-dashboard (port-forward only).
const tunedModels = cfg.models.filter((m) => m.tuning).map((m) => ({ name: m.name, namespace: m.namespace }));
const tuning = tunedModels.length === 0 ? undefined : new TuningService("tuning", {
    models: tunedModels,
    project: cfg.project,
    instance: mlflow.database.instance.name,
    connectionName: mlflow.database.connectionName,
    privateServicesCidr: cfg.network.privateServicesCidr,
    serviceAccountId: serviceAccountId("optuna-dashboard", cfg.stack),
    namespacesReady: namespaces,
    k8sProvider: gke.provider,
});

// Models are served and retrained in their team namespaces, which must exist first, as must their MLflow users.
const namespaceByName = new Map(namespaces.map((n, i) => [cfg.namespaces[i].name, n]));
const trackingUri = mlflowUriIn(MLFLOW_NAMESPACE);
const servedModels = cfg.models.map((m) => {
    const opts = { provider: gke.provider, dependsOn: [namespaceByName.get(m.namespace)!, batch, mlflowUsers] };
    const credentials = mlflowUsers.credentials[m.name];
    const service = new ModelService(m.name, {
        model: m,
        project: cfg.project,
        serviceAccountId: serviceAccountId(`${m.name}-srv`, cfg.stack),
        artifactBucket: mlflow.artifactBucket.name,
        trackingUri,
        mlflowCredentials: credentials.reader,
        mlflowWriterCredentials: credentials.writer,
        mlflowImage: cfg.mlflow.image,
        prometheusUrl: monitoring.prometheusUrl,
        monitoringNamespace: cfg.monitoringNamespace,
        allowFrom: m.allowFrom,
        crdsReady: [...monitoring.ready, delivery.release],
        routing: {
            gatewayNamespace: gateways.namespace,
            internalGateway: gateways.internalGateway,
            externalGateway: gateways.externalGateway,
            proxyOnlyCidr: cfg.network.proxyOnlyCidr,
            gatewaysReady: gateways.ready,
        },
        k8sProvider: gke.provider,
    }, opts);
    const study = m.tuning && tuning && { secretName: tuning.secrets[m.name], studyName: m.tuning.studyName, connectionName: mlflow.database.connectionName };
    if (m.retraining || m.drift) {
        const jobs = new ModelJobs(m.name, {
            model: m,
            apiServerCidr: cfg.cluster.masterCidr,
            project: cfg.project,
            serviceAccountId: serviceAccountId(`${m.name}-job`, cfg.stack),
            env: { trackingUri, pushgatewayUrl: monitoring.pushgatewayUrl, datasetsBucket: mlflow.datasetsBucket.name, mlflowImage: cfg.mlflow.image },
            monitoringNamespace: cfg.monitoringNamespace,
            mlflowCredentials: credentials.writer!,
            scriptImage: cfg.mlflow.image,
            // Retraining reads the study's best parameters.
            ...(study ? { trainingPodHook: (p) => withOptunaStudy(p, study) } : {}),
            k8sProvider: gke.provider,
        }, opts);
        if (study) {
            new ModelTuning(m.name, {
                model: m,
                project: cfg.project,
                study,
                instance: mlflow.database.instance.name,
                privateServicesCidr: cfg.network.privateServicesCidr,
                jobsServiceAccount: { name: `${m.name}-jobs`, email: jobs.serviceAccount.email },
                env: { trackingUri, pushgatewayUrl: monitoring.pushgatewayUrl, datasetsBucket: mlflow.datasetsBucket.name, mlflowImage: cfg.mlflow.image },
                mlflowCredentials: credentials.writer!,
                monitoringNamespace: cfg.monitoringNamespace,
                k8sProvider: gke.provider,
            }, { ...opts, dependsOn: [...opts.dependsOn, tuning!] });
        }
    }
    return {
        name: m.name, namespace: m.namespace, url: service.url, exposure: m.endpoint.exposure,
        ...(service.vpcUrl ? { vpcUrl: service.vpcUrl } : {}),
        ...(service.externalUrl ? {
            externalUrl: service.externalUrl,
            externalAddress: gateways.externalAddress!,
            certificateDnsRecord: gateways.dnsAuthorizations[m.endpoint.hostname!],
        } : {}),
        strategy: m.rollout.strategy, routeName: service.routeName, workload: service.workload,
    };
});

const outputs: StackOutputValues = {
    environment: cfg.environment,
    project: cfg.project,
    region: cfg.region,
    clusterName: gke.cluster.name,
    clusterLocation: gke.location,
    clusterEndpoint: gke.apiServerHost,
    kubeconfig: gke.kubeconfig,
    networkName: network.network.name,
    subnetName: network.subnet.name,
    nodeServiceAccount: gke.nodeServiceAccount.email,
    namespaceNames: namespaces.map((ns) => ns.name),
    gpuNodePools: gpuPools.map((p) => ({
        name: p.spec.name,
        nodePoolName: p.nodePool.name,
        acceleratorType: p.spec.acceleratorType,
        acceleratorCount: p.spec.acceleratorCount,
        purpose: p.spec.purpose,
        spot: p.spec.spot,
        minNodes: p.spec.minNodes,
        maxNodes: p.spec.maxNodes,
    })),
    mlflowTrackingUri: mlflow.trackingUri,
    mlflowUrl: mlflow.externalUrl,
    mlflowIngressAddress: mlflow.ingressAddress,
    mlflowCredentialsSecret: mlflow.credentialsSecret,
    artifactBucket: mlflow.artifactBucket.name,
    datasetsBucket: mlflow.datasetsBucket.name,
    cloudSqlConnectionName: mlflow.database.connectionName,
    prometheusUrl: monitoring.prometheusUrl,
    pushgatewayUrl: monitoring.pushgatewayUrl,
    grafanaUrl: monitoring.grafanaUrl,
    grafanaIngressAddress: monitoring.grafanaIngressAddress,
    grafanaAdminSecret: monitoring.grafanaAdminSecret,
    models: servedModels,
};

// The stack outputs (see stackOutputs.ts for the contract).
export const {
    environment, project, region, clusterName, clusterLocation, clusterEndpoint, kubeconfig, networkName, subnetName,
    nodeServiceAccount, namespaceNames, gpuNodePools, mlflowTrackingUri, mlflowUrl, mlflowIngressAddress,
    mlflowCredentialsSecret, artifactBucket, datasetsBucket, cloudSqlConnectionName, prometheusUrl, pushgatewayUrl,
    grafanaUrl, grafanaIngressAddress, grafanaAdminSecret, models,
} = outputs;
export type { StackOutputs } from "./stackOutputs";
