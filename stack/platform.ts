// The one place stack configuration becomes a typed, validated object. Pure apart from `readStackConfig`.
import * as pulumi from "@pulumi/pulumi";
import { GkeClusterOptions, ResolvedCluster, resolveGkeCluster } from "../components/gke/gkeCluster";
import { GpuNodePoolOptions, ResolvedGpuPool, resolveGpuNodePool } from "../components/gke/gpuNodePool";
import { NETWORK_DEFAULTS, PlatformNetworkArgs } from "../components/network/platformNetwork";
import { NAMESPACE_DEFAULTS, ResolvedNamespace, TeamNamespaceOptions, resolveTeamNamespace } from "../components/namespaces/teamNamespace";
import { MlflowOptions, ResolvedMlflow, resolveMlflow } from "../components/mlflow/mlflowServer";
import { ConfigIssue, reporter, throwIfIssues } from "../lib/errors";
import { MonitoringOptions, ResolvedMonitoring, resolveMonitoring } from "../components/monitoring/monitoringStack";
import { NODE_METRICS_NAMESPACE } from "../components/monitoring/namespaces";
import { ModelOptions, ResolvedModel, resolveModel } from "../components/serving/modelConfig";
import { GATEWAY_NAMESPACE } from "../components/serving/routing";
import { TlsConfig, readMlflow, readModel, readMonitoring, readTls } from "./services";
import { BatchObjects } from "../components/scheduling/batchPlan";
import { checkModelCapacity, planBatch } from "./capacity";
import { PAGING_ENVIRONMENTS, POOL_CAP_ENVIRONMENTS, POOL_MAX_NODES } from "../lib/policyLimits";
import { checkNamespaces } from "./stackKeys";
import { checkRegion } from "../lib/zones";
import { Cidr, FieldReader, checkUniqueNames, cidrsOverlap, isDns1123Label, parseCidr } from "../lib/validate";

/** The Pulumi project name, and so the namespace of this program's config keys. */
export const PROJECT = "mlops-platform";
const K = (key: string) => `${PROJECT}:${key}`;

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * The stack file's keys under `mlops-platform:` (Pulumi.<stack>.yaml), as this program reads them. The
 * configuration reference (docs/configuration.md, `npm run docs`) is generated from this interface and the
 * option interfaces it names, so a documented key is a read key.
 */
export interface StackOptions {
    /** dev | staging | prod. Anything but dev gets deletion protection, Pulumi `protect` and production defaults. Defaults to prod. */
    environment?: Environment;
    /** The VPC's ranges (one subnet, its Pod and Service ranges, Private Service Access, the proxy-only subnet). */
    network?: Omit<PlatformNetworkArgs, "region">;
    /** The GKE cluster and its system pool. */
    cluster?: GkeClusterOptions;
    /** GPU node pools, each for serving or training. Defaults to none. */
    gpuNodePools?: GpuNodePoolOptions[];
    /** Team namespaces, with quotas, LimitRanges, Pod Security and default-deny NetworkPolicies. Defaults to none. */
    namespaces?: TeamNamespaceOptions[];
    /** Namespace of Prometheus, Alertmanager, Grafana and the Pushgateway. Defaults to monitoring. */
    monitoringNamespace?: string;
    /** kube-prometheus-stack, alert receivers, Grafana. */
    monitoring?: MonitoringOptions;
    /** MLflow: server, Cloud SQL database, artifact and dataset buckets. */
    mlflow?: MlflowOptions;
    /** Certificates for the platform's hostnames (Let's Encrypt through cert-manager). */
    tls?: TlsConfig;
    /** Served models, with their releases, retraining, drift checks and tuning. Defaults to none. */
    models?: (ModelOptions & {
        /** More namespaces allowed to call the model's Services directly (bypassing the route). Defaults to none. */
        allowFrom?: string[];
    })[];
}

/** Every config key this program reads, without the project prefix. Any other `mlops-platform:` key is an error. */
export const CONFIG_KEYS = ["environment", "network", "cluster", "gpuNodePools", "namespaces", "monitoringNamespace", "monitoring", "mlflow", "tls", "models"] as const;

export const MLFLOW_NAMESPACE = "mlflow";
/** Namespaces the platform's own services own; team namespaces may not take these names. */
export const PLATFORM_NAMESPACES = [MLFLOW_NAMESPACE, "cert-manager", "argo-rollouts", "kueue-system", "jobset-system", NODE_METRICS_NAMESPACE, GATEWAY_NAMESPACE];

export interface NetworkConfig {
    subnetCidr: string;
    podsCidr: string;
    servicesCidr: string;
    privateServicesCidr: string;
    /** The proxy-only subnet of the internal Gateway's proxies (see PlatformNetworkArgs.proxyOnlyCidr). */
    proxyOnlyCidr: string;
    flowLogSampling: number;
}

export interface PlatformConfig {
    /** `gcp:project`. */
    project: string;
    /** `gcp:region`. */
    region: string;
    /** dev | staging | prod. Anything but dev gets deletion protection. */
    environment: Environment;
    stack: string;
    network: NetworkConfig;
    cluster: ResolvedCluster;
    /** The options as written, for the component (which resolves them again, identically). */
    clusterOptions: GkeClusterOptions;
    gpuNodePools: ResolvedGpuPool[];
    namespaces: ResolvedNamespace[];
    monitoringNamespace: string;
    /** True unless environment is dev: deletion protection and Pulumi `protect` on stateful resources. */
    protectData: boolean;
    mlflow: ResolvedMlflow;
    monitoring: ResolvedMonitoring;
    tls: TlsConfig;
    /** Served models, with the namespaces (besides monitoring) allowed to call each. */
    models: (ResolvedModel & { allowFrom: string[] })[];
    /** Kueue's flavors and per-team ClusterQueues, quotas split from the pools' capacity. */
    batch: BatchObjects;
}

/** Raw config as Pulumi passes it: full keys (`gcp:project`, `mlops-platform:cluster`) to parsed JSON/YAML values. */
export type RawConfig = Record<string, unknown>;

const PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/**
 * Validates and resolves the whole stack configuration, reporting every problem at once.
 * @throws ConfigError naming each key, the value given and what is allowed.
 */
export function parsePlatformConfig(raw: RawConfig, stack: string): PlatformConfig {
    const r = new FieldReader();
    const top = raw;
    for (const key of Object.keys(top)) {
        if (key.startsWith(`${PROJECT}:`) && !(CONFIG_KEYS as readonly string[]).includes(key.slice(PROJECT.length + 1))) {
            r.add(key, `is not a known key; allowed: ${CONFIG_KEYS.map(K).join(", ")}`, top[key]);
        }
    }
    r.issues.push(...checkNamespaces(Object.keys(top), PROJECT));

    const project = r.string(top, "gcp:project", "", "the Google Cloud project ID (pulumi config set gcp:project <id>)");
    if (project !== undefined && !PROJECT_ID.test(project)) r.add("gcp:project", "must be a Google Cloud project ID: 6-30 lowercase letters, digits or '-', starting with a letter", project);
    const region = r.string(top, "gcp:region", "", "a Google Cloud region such as us-central1 (pulumi config set gcp:region <region>)");
    const regionCheck = region === undefined ? undefined : checkRegion(region);
    if (regionCheck && !regionCheck.ok) r.add("gcp:region", regionCheck.message, region);
    const regionOr = region ?? "us-central1";

    const envRaw = r.string(top, K("environment"), "");
    const environment = (envRaw ?? "prod") as Environment;
    if (!ENVIRONMENTS.includes(environment)) r.add(K("environment"), `allowed: ${ENVIRONMENTS.join(", ")}`, envRaw);

    const monitoringNamespace = r.string(top, K("monitoringNamespace"), "") ?? NAMESPACE_DEFAULTS.monitoringNamespace;
    if (!isDns1123Label(monitoringNamespace)) r.add(K("monitoringNamespace"), "must be a DNS-1123 label", monitoringNamespace);

    const dev = environment === "dev";
    const network = readNetwork(r, top[K("network")]);
    const clusterOptions = readCluster(r, top[K("cluster")]);
    const cluster = resolveGkeCluster(clusterOptions, regionOr, reporter(r.issues, K("cluster")), dev);
    checkNoOverlap(r, network, cluster.masterCidr);

    const pools = (r.list(top[K("gpuNodePools")], K("gpuNodePools")) ?? []).map((entry, i) => readGpuPool(r, entry, `${K("gpuNodePools")}[${i}]`));
    checkUniqueNames(pools.map((p) => p?.name), K("gpuNodePools"), r);
    const gpuNodePools = pools.flatMap((p, i) => (p ? [resolveGpuNodePool(p, regionOr, reporter(r.issues, `${K("gpuNodePools")}[${i}]`), cluster.regional ? undefined : cluster.zone)] : []));

    const nss = (r.list(top[K("namespaces")], K("namespaces")) ?? []).map((entry, i) => readNamespace(r, entry, `${K("namespaces")}[${i}]`));
    checkUniqueNames(nss.map((n) => n?.name), K("namespaces"), r);
    const namespaces = nss.flatMap((n, i) => (n ? [resolveTeamNamespace(n, reporter(r.issues, `${K("namespaces")}[${i}]`))] : []));
    nss.forEach((n, i) => {
        if (n?.name === monitoringNamespace) r.add(`${K("namespaces")}[${i}].name`, `is the monitoring namespace (${K("monitoringNamespace")}), which the monitoring stack owns`, n.name);
        if (n && PLATFORM_NAMESPACES.includes(n.name)) r.add(`${K("namespaces")}[${i}].name`, `is a platform service's namespace; taken: ${PLATFORM_NAMESPACES.join(", ")}`, n.name);
    });

    const mlflowOptions = readMlflow(r, top[K("mlflow")], K("mlflow"));
    const mlflow = resolveMlflow(mlflowOptions, dev, reporter(r.issues, K("mlflow")));
    const monitoring = resolveMonitoring(readMonitoring(r, top[K("monitoring")], K("monitoring")), dev, reporter(r.issues, K("monitoring")));
    // Policy limits config already decides (lib/policyLimits.ts): the same numbers as the policy pack.
    if (POOL_CAP_ENVIRONMENTS.includes(environment)) {
        const capped: [string, number][] = [[`${K("cluster")}.systemPool.maxNodes`, cluster.systemPool.maxNodes], ...gpuNodePools.map((p, i): [string, number] => [`${K("gpuNodePools")}[${i}].maxNodes`, p.maxNodes])];
        for (const [key, max] of capped) {
            if (Number.isInteger(max) && max > POOL_MAX_NODES) r.add(key, `must be at most ${POOL_MAX_NODES} in ${environment} (policy nodepool-max-nodes-cap)`, max);
        }
    }
    // Prod must page someone: with no receiver, critical alerts only reach Alertmanager's UI.
    const a = monitoring.alerting;
    if (PAGING_ENVIRONMENTS.includes(environment) && !a.email && !a.slackWebhookUrl && !a.webhookUrl) {
        r.add(`${K("monitoring")}.alerting`, `must name at least one receiver in ${environment} (alerting.email, alerting.slackWebhookUrl or alerting.webhookUrl): critical alerts must reach someone (policy alerting-critical-reaches-someone)`);
    }
    const tls = readTls(r, top[K("tls")], K("tls"), dev, mlflow.hostname !== undefined || monitoring.grafanaHostname !== undefined);

    const modelKey = K("models");
    const modelOptions = (r.list(top[modelKey], modelKey) ?? []).map((entry, i) => readModel(r, entry, `${modelKey}[${i}]`));
    checkUniqueNames(modelOptions.map((m) => m?.name), modelKey, r);
    const ctx = { dev, pools: gpuNodePools, namespaces: namespaces.map((n) => n.name) };
    const models = modelOptions.flatMap((m, i) => {
        if (!m) return [];
        const report = reporter(r.issues, `${modelKey}[${i}]`);
        const resolved = resolveModel(m, ctx, report);
        // A pod asking for more GPUs than its namespace's quota would never start.
        const quota = namespaces.find((n) => n.name === resolved.namespace)?.quota.gpus ?? 0;
        for (const [field, gpu] of [["gpu", resolved.gpu], ["retraining.gpu", resolved.retraining?.gpu]] as const) {
            if (gpu && gpu.count > quota) report(`${field}.count`, `exceeds the GPU quota of namespace ${resolved.namespace} (${quota}); raise mlops-platform:namespaces[].quota.gpus`, gpu.count);
        }
        const t = resolved.retraining;
        if (t && t.nodes > 1 && t.nodes * t.gpusPerNode > quota) {
            report("retraining.nodes", `times gpusPerNode (${t.nodes} x ${t.gpusPerNode}) exceeds the GPU quota of namespace ${resolved.namespace} (${quota}): Kueue would never admit it`, t.nodes);
        }
        const allowFrom = m.allowFrom ?? [];
        allowFrom.forEach((n, j) => {
            if (!isDns1123Label(n)) report(`allowFrom[${j}]`, "must be a namespace name (DNS-1123 label)", n);
        });
        return [{ ...resolved, allowFrom }];
    });

    // Capacity last: it needs every part valid. Kueue's queues are split from what the pools can reach; each
    // model's pods must then fit a pool, their namespace's quota and their queue.
    let batch: BatchObjects = { flavors: [], queues: [] };
    if (r.issues.length === 0) {
        const input = { system: { machineType: cluster.systemPool.machineType, maxNodes: cluster.systemPool.maxNodes, spot: cluster.systemPool.spot }, pools: gpuNodePools, namespaces, models, mlflow, monitoringReplicas: monitoring.replicas };
        batch = planBatch(input, (field, message, ...value) => r.add(`${K("cluster")}.${field.replace(/^cluster\./, "")}`, message, ...value));
        checkModelCapacity(input, batch, (i, field, message) => r.add(`${modelKey}[${i}].${field}`, message));
    }

    throwIfIssues("stack configuration", r.issues);
    return {
        project: project!, region: region!, environment, stack, network, cluster, clusterOptions,
        gpuNodePools, namespaces, monitoringNamespace, protectData: !dev, mlflow, monitoring, tls, models, batch,
    };
}

function readNetwork(r: FieldReader, raw: unknown): NetworkConfig {
    const key = K("network");
    const o = r.object(raw, key, ["subnetCidr", "podsCidr", "servicesCidr", "privateServicesCidr", "proxyOnlyCidr", "flowLogSampling"]);
    const flowLogSampling = r.number(o, "flowLogSampling", key) ?? NETWORK_DEFAULTS.flowLogSampling;
    if (flowLogSampling < 0 || flowLogSampling > 1) r.add(`${key}.flowLogSampling`, "must be from 0 to 1", flowLogSampling);
    return {
        subnetCidr: r.string(o, "subnetCidr", key) ?? NETWORK_DEFAULTS.subnetCidr,
        podsCidr: r.string(o, "podsCidr", key) ?? NETWORK_DEFAULTS.podsCidr,
        servicesCidr: r.string(o, "servicesCidr", key) ?? NETWORK_DEFAULTS.servicesCidr,
        privateServicesCidr: r.string(o, "privateServicesCidr", key) ?? NETWORK_DEFAULTS.privateServicesCidr,
        proxyOnlyCidr: r.string(o, "proxyOnlyCidr", key) ?? NETWORK_DEFAULTS.proxyOnlyCidr,
        flowLogSampling,
    };
}

/** The subnet, Pod, Service, private services and control plane ranges must be valid and must not overlap. */
function checkNoOverlap(r: FieldReader, n: NetworkConfig, masterCidr: string): void {
    const ranges: [string, Cidr][] = [];
    const fields = [["subnetCidr", n.subnetCidr], ["podsCidr", n.podsCidr], ["servicesCidr", n.servicesCidr], ["privateServicesCidr", n.privateServicesCidr], ["proxyOnlyCidr", n.proxyOnlyCidr]] as const;
    for (const [field, text] of fields) {
        const c = parseCidr(text);
        if ("error" in c) r.add(`${K("network")}.${field}`, c.error, text);
        else if (field === "privateServicesCidr" && (c.prefix < 8 || c.prefix > 24)) r.add(`${K("network")}.${field}`, "must be a /8 to /24 block (Private Service Access)", text);
        else ranges.push([`${K("network")}.${field}`, c]);
    }
    const m = parseCidr(masterCidr);
    if (!("error" in m)) ranges.push([`${K("cluster")}.masterCidr`, m]);
    for (let i = 0; i < ranges.length; i++) {
        for (let j = i + 1; j < ranges.length; j++) {
            if (cidrsOverlap(ranges[i][1], ranges[j][1])) r.add(ranges[j][0], `overlaps ${ranges[i][0]} (${ranges[i][1].text}); ranges must be disjoint`, ranges[j][1].text);
        }
    }
}

function readCluster(r: FieldReader, raw: unknown): GkeClusterOptions {
    const key = K("cluster");
    const o = r.object(raw, key, [
        "regional", "zone", "releaseChannel", "controlPlaneAccess", "masterAuthorizedNetworks", "masterCidr", "maintenanceWindow", "systemPool",
        "binaryAuthorization", "secretsEncryption",
    ]);
    const nets = r.list(o?.masterAuthorizedNetworks, `${key}.masterAuthorizedNetworks`)?.map((n, i) => {
            const k = `${key}.masterAuthorizedNetworks[${i}]`;
            const e = r.object(n, k, ["cidrBlock", "displayName"]);
            const cidrBlock = r.string(e, "cidrBlock", k, "an IPv4 CIDR block such as 10.0.0.0/8");
            return cidrBlock === undefined ? undefined : { cidrBlock, displayName: r.string(e, "displayName", k) };
        }).filter((n) => n !== undefined);
    const mwKey = `${key}.maintenanceWindow`;
    const mw = r.object(o?.maintenanceWindow, mwKey, ["startTime", "endTime", "recurrence"]);
    const mwFields = mw && {
        startTime: r.string(mw, "startTime", mwKey, "an RFC 3339 time"),
        endTime: r.string(mw, "endTime", mwKey, "an RFC 3339 time"),
        recurrence: r.string(mw, "recurrence", mwKey, "an RRULE such as FREQ=WEEKLY;BYDAY=SA,SU"),
    };
    const spKey = `${key}.systemPool`;
    const sp = r.object(o?.systemPool, spKey, ["machineType", "minNodes", "maxNodes", "diskSizeGb", "spot"]);
    return {
        regional: r.boolean(o, "regional", key),
        zone: r.string(o, "zone", key),
        releaseChannel: r.string(o, "releaseChannel", key) as GkeClusterOptions["releaseChannel"],
        controlPlaneAccess: r.string(o, "controlPlaneAccess", key) as GkeClusterOptions["controlPlaneAccess"],
        masterCidr: r.string(o, "masterCidr", key),
        masterAuthorizedNetworks: nets,
        maintenanceWindow: mwFields?.startTime && mwFields.endTime && mwFields.recurrence
            ? { startTime: mwFields.startTime, endTime: mwFields.endTime, recurrence: mwFields.recurrence } : undefined,
        systemPool: sp && {
            machineType: r.string(sp, "machineType", spKey),
            minNodes: r.integer(sp, "minNodes", spKey),
            maxNodes: r.integer(sp, "maxNodes", spKey),
            diskSizeGb: r.integer(sp, "diskSizeGb", spKey),
            spot: r.boolean(sp, "spot", spKey),
        },
        binaryAuthorization: r.string(o, "binaryAuthorization", key) as GkeClusterOptions["binaryAuthorization"],
        secretsEncryption: r.string(o, "secretsEncryption", key) as GkeClusterOptions["secretsEncryption"],
    };
}

const GPU_POOL_KEYS = ["name", "machineType", "acceleratorType", "acceleratorCount", "minNodes", "maxNodes", "spot", "purpose", "zones", "diskSizeGb", "driverVersion", "provisioning", "sharing", "partitionSize", "placement", "reservation"];

function readGpuPool(r: FieldReader, raw: unknown, key: string): GpuNodePoolOptions | undefined {
    const o = r.object(raw, key, GPU_POOL_KEYS);
    if (!o) {
        if (raw === undefined || raw === null) r.add(key, "must be an object with name, machineType, acceleratorType and purpose", raw);
        return undefined;
    }
    const name = r.string(o, "name", key, "the pool name");
    const machineType = r.string(o, "machineType", key, "a GPU machine type such as g2-standard-8");
    const acceleratorType = r.string(o, "acceleratorType", key, "a GPU type such as nvidia-l4");
    const purpose = r.string(o, "purpose", key, "serving or training");
    const rest = {
        acceleratorCount: r.integer(o, "acceleratorCount", key),
        minNodes: r.integer(o, "minNodes", key),
        maxNodes: r.integer(o, "maxNodes", key),
        spot: r.boolean(o, "spot", key),
        zones: r.stringList(o, "zones", key),
        diskSizeGb: r.integer(o, "diskSizeGb", key),
        driverVersion: r.string(o, "driverVersion", key) as GpuNodePoolOptions["driverVersion"],
        provisioning: r.string(o, "provisioning", key) as GpuNodePoolOptions["provisioning"],
        sharing: readSharing(r, o.sharing, `${key}.sharing`),
        partitionSize: r.string(o, "partitionSize", key),
        placement: r.string(o, "placement", key) as GpuNodePoolOptions["placement"],
        reservation: r.string(o, "reservation", key),
    };
    if (!name || !machineType || !acceleratorType || !purpose) return undefined;
    return { name, machineType, acceleratorType, purpose: purpose as GpuNodePoolOptions["purpose"], ...rest };
}

function readSharing(r: FieldReader, raw: unknown, key: string): GpuNodePoolOptions["sharing"] {
    const o = r.object(raw, key, ["strategy", "maxClientsPerGpu"]);
    if (!o) return undefined;
    const strategy = r.string(o, "strategy", key, "time-sharing or mps");
    const maxClientsPerGpu = r.integer(o, "maxClientsPerGpu", key, "pods per GPU, 2 to 48");
    return strategy && maxClientsPerGpu !== undefined ? { strategy: strategy as "time-sharing", maxClientsPerGpu } : undefined;
}

function readNamespace(r: FieldReader, raw: unknown, key: string): TeamNamespaceOptions | undefined {
    const o = r.object(raw, key, ["name", "quota", "containerDefaults", "podSecurity", "labels"]);
    if (!o) {
        if (raw === undefined || raw === null) r.add(key, "must be an object with at least a name", raw);
        return undefined;
    }
    const name = r.string(o, "name", key, "a DNS-1123 namespace name");
    const qKey = `${key}.quota`;
    const q = r.object(o.quota, qKey, ["requestsCpu", "limitsCpu", "requestsMemory", "limitsMemory", "gpus", "pvcs", "storage"]);
    const cKey = `${key}.containerDefaults`;
    const c = r.object(o.containerDefaults, cKey, ["cpu", "memory", "requestCpu", "requestMemory"]);
    const options: TeamNamespaceOptions = {
        name: name ?? "",
        quota: q && {
            requestsCpu: r.quantity(q, "requestsCpu", qKey), limitsCpu: r.quantity(q, "limitsCpu", qKey),
            requestsMemory: r.quantity(q, "requestsMemory", qKey), limitsMemory: r.quantity(q, "limitsMemory", qKey),
            gpus: r.integer(q, "gpus", qKey), pvcs: r.integer(q, "pvcs", qKey), storage: r.quantity(q, "storage", qKey),
        },
        containerDefaults: c && {
            cpu: r.quantity(c, "cpu", cKey), memory: r.quantity(c, "memory", cKey),
            requestCpu: r.quantity(c, "requestCpu", cKey), requestMemory: r.quantity(c, "requestMemory", cKey),
        },
        podSecurity: r.string(o, "podSecurity", key) as TeamNamespaceOptions["podSecurity"],
        labels: r.stringMap(o, "labels", key),
    };
    return name === undefined ? undefined : options;
}

/**
 * Reads every key of the stack's config from the Pulumi runtime (as the CLI passes it: structured values as
 * JSON), so parsePlatformConfig can reject keys no reader looks at. Keys that are not JSON are kept as strings.
 */
export function readStackConfig(): RawConfig {
    const all = pulumi.runtime.allConfig();
    const raw: RawConfig = {};
    for (const [key, text] of Object.entries(all)) {
        try {
            raw[key] = JSON.parse(text);
        } catch {
            raw[key] = text;
        }
    }
    return raw;
}

export type { ConfigIssue };
