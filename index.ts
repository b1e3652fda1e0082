// Wiring only: stack config -> components -> stack outputs. Each component documents its own settings.
import * as pulumi from "@pulumi/pulumi";
import { GkeCluster, GpuNodePool } from "./components/gke";
import { TeamNamespace } from "./components/namespaces";
import { PlatformNetwork } from "./components/network";
import { parsePlatformConfig, readStackConfig } from "./config/platform";
import { serviceAccountId } from "./config/naming";

// Validate everything before the first resource: a bad key fails the run with one message listing all problems.
const cfg = parsePlatformConfig(readStackConfig(), pulumi.getStack());

const network = new PlatformNetwork("platform", {
    region: cfg.region,
    subnetCidr: cfg.network.subnetCidr,
    podsCidr: cfg.network.podsCidr,
    servicesCidr: cfg.network.servicesCidr,
    flowLogSampling: cfg.network.flowLogSampling,
});

const gke = new GkeCluster("mlops", {
    ...cfg.clusterOptions,
    project: cfg.project,
    region: cfg.region,
    network: network.network.id,
    subnetwork: network.subnet.id,
    nodeServiceAccountId: serviceAccountId("gke-nodes", cfg.stack),
    deletionProtection: cfg.protectData,
});

const gpuPools = cfg.gpuNodePools.map((pool) => new GpuNodePool(pool.name, {
    ...pool,
    cluster: gke.cluster.name,
    location: gke.location,
    region: cfg.region,
    serviceAccount: gke.nodeServiceAccount.email,
}, { parent: gke }));

const namespaces = cfg.namespaces.map((ns) => new TeamNamespace(ns.name, {
    ...ns,
    monitoringNamespace: cfg.monitoringNamespace,
}, { provider: gke.provider }));

export const environment = cfg.environment;
export const project = cfg.project;
export const region = cfg.region;
export const clusterName = gke.cluster.name;
export const clusterLocation = gke.location;
export const clusterEndpoint = gke.cluster.endpoint;
export const kubeconfig = gke.kubeconfig;
export const networkName = network.network.name;
export const subnetName = network.subnet.name;
export const nodeServiceAccount = gke.nodeServiceAccount.email;
export const namespaceNames = namespaces.map((ns) => ns.name);
export const gpuNodePools = gpuPools.map((p) => ({
    name: p.spec.name,
    nodePoolName: p.nodePool.name,
    acceleratorType: p.spec.acceleratorType,
    acceleratorCount: p.spec.acceleratorCount,
    purpose: p.spec.purpose,
    spot: p.spec.spot,
    minNodes: p.spec.minNodes,
    maxNodes: p.spec.maxNodes,
}));
