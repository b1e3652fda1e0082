import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Report } from "../../lib/errors";
import { imageIssue, isDnsName, parseQuantity, QUANTITY_RULE } from "../../lib/validate";
import { CloudSqlPostgres, DatabaseOptions, ResolvedDatabase, resolveDatabase } from "../database/cloudSqlPostgres";
import { BucketOptions, PlatformBucket, checkBucketOptions } from "../storage/platformBucket";
import {
    MLFLOW_CREDENTIALS_SECRET, MLFLOW_INGRESS_NAME, MLFLOW_PORT, SECRET_KEYS, trackingUri, basicAuthIni, databaseUri, dbUpgradePodSpec, mlflowLabels, mlflowNetworkPolicies,
    mlflowPodSpec,
} from "./manifests";

/**
 * The default MLflow image, pinned: the `-full` variant (MLflow with its extras: psycopg2 and psycopg, and
 * google-cloud-storage), published only from v3.9.0 on; 3.15.2 is the newest 3.x release found (2026-08-25).
 * Checked: mlflow/mlflow docker/README.md ("-full ... only available starting from MLflow v3.9.0"; "includes
 * both PostgreSQL drivers"; GCS), docker/Dockerfile.full (`mlflow[extras,...,db,...]`), mlflow.org/releases/3.15.2.
 * Not checked at the tag itself: the mlflow/mlflow snapshot is too large to fetch here.
 */
export const MLFLOW_IMAGE = "ghcr.io/mlflow/mlflow:v3.15.2-full";

export interface ContainerResources {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
}

/** The user-facing options (`mlops-platform:mlflow`). */
export interface MlflowOptions {
    /** Server image, pinned by tag or digest; needs psycopg2 and google-cloud-storage. Defaults to MLFLOW_IMAGE. */
    image?: string;
    /** Server replicas. Defaults to 1 in dev, 2 otherwise. */
    replicas?: number;
    /** Web workers per replica. Defaults to 2. */
    workers?: number;
    /** Per replica. Defaults to requests 500m/1Gi, limits 2/2Gi. */
    resources?: ContainerResources;
    /** Cloud SQL settings; see DatabaseOptions. */
    database?: DatabaseOptions;
    /** The artifact bucket; see BucketOptions. */
    artifactBucket?: BucketOptions;
    /** The training datasets bucket; see BucketOptions. */
    datasetsBucket?: BucketOptions;
    /** External DNS name; when set, an HTTPS Ingress with a cert-manager certificate. Defaults to none (in-cluster only). */
    hostname?: string;
    /** `{ type: basic, adminUser }`: MLflow's built-in basic auth. Defaults to basic with user `admin`. */
    auth?: { type?: "basic"; adminUser?: string };
    /** More databases on the same instance for platform services. Defaults to none. */
    extraDatabases?: string[];
}

export interface ResolvedMlflow {
    image: string;
    replicas: number;
    workers: number;
    resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
    database: ResolvedDatabase;
    artifactBucket: BucketOptions;
    datasetsBucket: BucketOptions;
    hostname?: string;
    adminUser: string;
    extraDatabases: string[];
}

export const MLFLOW_DEFAULTS = {
    image: MLFLOW_IMAGE,
    workers: 2,
    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
    adminUser: "admin",
    /** Databases MLflow itself uses: tracking and registry, and basic-auth users. */
    databases: ["mlflow", "mlflow_auth"],
};

const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const USER_NAME = /^[a-z][a-z0-9_.-]{0,31}$/;

/** Pure: fills defaults (dev or not) and reports every bad option. */
export function resolveMlflow(o: MlflowOptions, dev: boolean, report: Report): ResolvedMlflow {
    const d = MLFLOW_DEFAULTS;
    const image = o.image ?? d.image;
    const bad = imageIssue(image);
    if (bad) report("image", bad, image);
    const replicas = o.replicas ?? (dev ? 1 : 2);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 20) report("replicas", "must be a whole number from 1 to 20", replicas);
    const workers = o.workers ?? d.workers;
    if (!Number.isInteger(workers) || workers < 1 || workers > 16) report("workers", "must be a whole number from 1 to 16", workers);
    const resources = {
        requests: { ...d.resources.requests, ...o.resources?.requests },
        limits: { ...d.resources.limits, ...o.resources?.limits },
    };
    for (const r of ["cpu", "memory"] as const) {
        const rq = parseQuantity(resources.requests[r]);
        const lm = parseQuantity(resources.limits[r]);
        if (rq === undefined) report(`resources.requests.${r}`, QUANTITY_RULE, resources.requests[r]);
        if (lm === undefined) report(`resources.limits.${r}`, QUANTITY_RULE, resources.limits[r]);
        if (rq !== undefined && lm !== undefined && rq > lm) report(`resources.requests.${r}`, `must not exceed resources.limits.${r} (${resources.limits[r]})`, resources.requests[r]);
    }
    const database = resolveDatabase(o.database ?? {}, dev, (f, m, ...v) => report(`database.${f}`, m, ...v));
    checkBucketOptions(o.artifactBucket ?? {}, (f, m, ...v) => report(`artifactBucket.${f}`, m, ...v));
    checkBucketOptions(o.datasetsBucket ?? {}, (f, m, ...v) => report(`datasetsBucket.${f}`, m, ...v));
    if (o.hostname !== undefined && !isDnsName(o.hostname)) report("hostname", "must be a fully qualified DNS name such as mlflow.ml.example.com (lowercase)", o.hostname);
    if (o.auth?.type !== undefined && o.auth.type !== "basic") report("auth.type", "allowed: basic (MLflow's built-in authentication)", o.auth.type);
    const adminUser = o.auth?.adminUser ?? d.adminUser;
    if (!USER_NAME.test(adminUser)) report("auth.adminUser", "must be a user name: lowercase letters, digits, '_', '.', '-', starting with a letter, at most 32 chars", adminUser);
    const extraDatabases = o.extraDatabases ?? [];
    const seen = new Set<string>(d.databases);
    extraDatabases.forEach((db, i) => {
        if (!PG_IDENTIFIER.test(db) || db === "postgres" || db.startsWith("cloudsql")) report(`extraDatabases[${i}]`, "must be a Postgres database name: lowercase letters, digits and '_', not postgres or cloudsql*", db);
        else if (seen.has(db)) report(`extraDatabases[${i}]`, `is listed twice or is one MLflow uses (${d.databases.join(", ")})`, db);
        seen.add(db);
    });
    return {
        image, replicas, workers, resources, database,
        artifactBucket: o.artifactBucket ?? {}, datasetsBucket: o.datasetsBucket ?? {},
        hostname: o.hostname, adminUser, extraDatabases,
    };
}

export interface MlflowServerArgs {
    /** Resolved options (see resolveMlflow). Required. */
    options: ResolvedMlflow;
    project: string;
    region: string;
    /** The stack's service-account suffix source: IDs are `<prefix>-<stack>`. Required. */
    serviceAccountId: string;
    /** The namespace MLflow runs in (a TeamNamespace). Required. */
    namespace: pulumi.Input<string>;
    /** The platform VPC and its Private Service Access peering and range. Required. */
    network: pulumi.Input<string>;
    privateServicesConnection: pulumi.Resource;
    privateServicesCidr: string;
    /** The ClusterIssuer to issue the Ingress certificate (when `hostname` is set). */
    clusterIssuer?: string;
    /** Protect stateful resources (database, buckets). Required. */
    protectData: boolean;
    /** The Kubernetes provider; every Kubernetes object uses it. Required. */
    k8sProvider: k8s.Provider;
    /**
     * When set, a ServiceMonitor scrapes `/metrics` (created after these resources, which bring the
     * Prometheus Operator's CRDs). Defaults to no ServiceMonitor.
     */
    monitoring?: { dependsOn: pulumi.Resource[] };
}

/**
 * MLflow tracking server and model registry: Cloud SQL Postgres (private IP, reached through the Cloud SQL
 * Auth Proxy sidecar), a GCS artifact bucket and a datasets bucket, a Google service account bound to the
 * Kubernetes one by Workload Identity, the schema upgraded by a Job before the server rolls out, basic auth,
 * and, when a hostname is set, an HTTPS Ingress on a static IP with a cert-manager certificate.
 */
export class MlflowServer extends pulumi.ComponentResource {
    public readonly database: CloudSqlPostgres;
    public readonly artifactBucket: PlatformBucket;
    public readonly datasetsBucket: PlatformBucket;
    public readonly serviceAccount: gcp.serviceaccount.Account;
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    /** In-cluster tracking URI: `http://mlflow.<namespace>.svc.cluster.local:5000`. */
    public readonly trackingUri: pulumi.Output<string>;
    /** `https://<hostname>` when a hostname is set. */
    public readonly externalUrl?: string;
    /** The static IP the hostname's DNS record must point to, when a hostname is set. */
    public readonly ingressAddress?: pulumi.Output<string>;
    /** `<namespace>/<name>` of the Secret with the admin user and password. */
    public readonly credentialsSecret: pulumi.Output<string>;

    constructor(name: string, args: MlflowServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:mlflow:MlflowServer", name, {}, opts);
        const o = args.options;
        const gcpOpts = { parent: this };
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const ns = args.namespace;

        this.database = new CloudSqlPostgres(`${name}-db`, {
            options: o.database, region: args.region, network: args.network,
            privateServicesConnection: args.privateServicesConnection,
            databases: [...MLFLOW_DEFAULTS.databases, ...o.extraDatabases], userName: "mlflow",
            deletionProtection: args.protectData,
        }, gcpOpts);
        const labels = { "mlops-platform": pulumi.getStack(), "mlops-component": "mlflow" };
        this.artifactBucket = new PlatformBucket(`${name}-artifacts`, { ...o.artifactBucket, region: args.region, labels, protect: args.protectData }, gcpOpts);
        this.datasetsBucket = new PlatformBucket(`${name}-datasets`, { ...o.datasetsBucket, region: args.region, labels, protect: args.protectData }, gcpOpts);

        // Identity: a Google service account with object access on the artifact bucket only and Cloud SQL
        // client on this instance only, used by the Kubernetes service account through Workload Identity.
        this.serviceAccount = new gcp.serviceaccount.Account(`${name}-gsa`, {
            accountId: args.serviceAccountId,
            displayName: "MLflow tracking server (Workload Identity)",
        }, gcpOpts);
        const member = pulumi.interpolate`serviceAccount:${this.serviceAccount.email}`;
        new gcp.storage.BucketIAMMember(`${name}-artifacts-object-admin`, {
            bucket: this.artifactBucket.name, role: "roles/storage.objectAdmin", member,
        }, gcpOpts);
        new gcp.projects.IAMMember(`${name}-cloudsql-client`, {
            project: args.project, role: "roles/cloudsql.client", member,
            condition: {
                title: "mlflow-instance-only",
                description: "Cloud SQL client on the MLflow instance only",
                expression: pulumi.interpolate`resource.name == "projects/${args.project}/instances/${this.database.instance.name}" && resource.type == "sqladmin.googleapis.com/Instance"`,
            },
        }, gcpOpts);
        const ksaName = "mlflow";
        new gcp.serviceaccount.IAMMember(`${name}-workload-identity`, {
            serviceAccountId: this.serviceAccount.name,
            role: "roles/iam.workloadIdentityUser",
            member: pulumi.interpolate`serviceAccount:${args.project}.svc.id.goog[${ns}/${ksaName}]`,
        }, gcpOpts);

        const ksa = new k8s.core.v1.ServiceAccount(`${name}-ksa`, {
            metadata: { name: ksaName, namespace: ns, labels: mlflowLabels("server"), annotations: { "iam.gke.io/gcp-service-account": this.serviceAccount.email } },
            automountServiceAccountToken: false,
        }, k8sOpts);

        const adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, { parent: this });
        const dbPassword = this.database.password;
        const secretName = MLFLOW_CREDENTIALS_SECRET;
        const secret = new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: { name: secretName, namespace: ns, labels: mlflowLabels("server") },
            type: "Opaque",
            stringData: {
                [SECRET_KEYS.adminUser]: o.adminUser,
                [SECRET_KEYS.adminPassword]: adminPassword.result,
                [SECRET_KEYS.databasePassword]: dbPassword,
                [SECRET_KEYS.backendStoreUri]: pulumi.secret(dbPassword.apply((p) => databaseUri("mlflow", p, "mlflow"))),
                [SECRET_KEYS.authConfig]: pulumi.secret(pulumi.all([dbPassword, adminPassword.result])
                    .apply(([p, admin]) => basicAuthIni(databaseUri("mlflow", p, "mlflow_auth"), o.adminUser, admin))),
            },
        }, k8sOpts);

        const pod = {
            image: o.image, workers: o.workers, resources: o.resources, connectionName: this.database.connectionName,
            artifactsDestination: pulumi.interpolate`gs://${this.artifactBucket.name}/artifacts`,
            secretName, serviceAccountName: ksaName, project: args.project,
        };
        // Upgrades the schema before any server of a new image starts. Jobs are immutable: a new image
        // replaces the Job, and the Deployment waits for it to complete.
        const upgrade = new k8s.batch.v1.Job(`${name}-db-upgrade`, {
            metadata: { namespace: ns, labels: mlflowLabels("db-upgrade") },
            spec: {
                backoffLimit: 4,
                activeDeadlineSeconds: 900,
                template: { metadata: { labels: mlflowLabels("db-upgrade") }, spec: dbUpgradePodSpec(pod) },
            },
        }, { ...k8sOpts, dependsOn: [secret, ksa, this.database.user, ...this.database.databases] });

        const selector = mlflowLabels("server");
        this.deployment = new k8s.apps.v1.Deployment(`${name}-server`, {
            metadata: { name: "mlflow", namespace: ns, labels: selector },
            spec: {
                replicas: o.replicas,
                selector: { matchLabels: selector },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                template: { metadata: { labels: selector }, spec: mlflowPodSpec(pod) },
            },
        }, { ...k8sOpts, dependsOn: [upgrade] });

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: {
                name: "mlflow", namespace: ns, labels: selector,
                // Container-native load balancing: the Ingress's load balancer sends to pods directly.
                annotations: { "cloud.google.com/neg": JSON.stringify({ ingress: true }) },
            },
            spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: MLFLOW_PORT, targetPort: "http", protocol: "TCP" }] },
        }, k8sOpts);

        // One replica may always be drained; with two or more, one keeps serving.
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: { name: "mlflow", namespace: ns, labels: selector },
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, k8sOpts);

        if (args.monitoring) {
            // MLflow's basic auth covers /metrics too: Prometheus signs in with the credentials Secret.
            new k8s.apiextensions.CustomResource(`${name}-service-monitor`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: "mlflow", namespace: ns, labels: selector },
                spec: {
                    selector: { matchLabels: selector },
                    endpoints: [{
                        port: "http", path: "/metrics", interval: "30s",
                        basicAuth: {
                            username: { name: secretName, key: SECRET_KEYS.adminUser },
                            password: { name: secretName, key: SECRET_KEYS.adminPassword },
                        },
                    }],
                },
            }, { ...k8sOpts, dependsOn: args.monitoring.dependsOn });
        }

        mlflowNetworkPolicies(args.privateServicesCidr, o.hostname !== undefined).forEach((p) => new k8s.networking.v1.NetworkPolicy(`${name}-${p.name}`, {
            metadata: { name: p.name, namespace: ns },
            spec: p.spec,
        }, k8sOpts));

        if (o.hostname) {
            const address = new gcp.compute.GlobalAddress(`${name}-ingress-ip`, {
                addressType: "EXTERNAL", description: `MLflow (${o.hostname})`,
            }, gcpOpts);
            this.ingressAddress = address.address;
            this.externalUrl = `https://${o.hostname}`;
            const tlsSecret = `${MLFLOW_INGRESS_NAME}-tls`;
            new k8s.apiextensions.CustomResource(`${name}-certificate`, {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: "mlflow", namespace: ns, labels: selector },
                spec: { secretName: tlsSecret, dnsNames: [o.hostname], issuerRef: { name: args.clusterIssuer!, kind: "ClusterIssuer", group: "cert-manager.io" } },
            }, k8sOpts);
            new k8s.networking.v1.Ingress(`${name}-ingress`, {
                metadata: {
                    name: MLFLOW_INGRESS_NAME, namespace: ns, labels: selector,
                    annotations: {
                        "kubernetes.io/ingress.class": "gce",
                        "kubernetes.io/ingress.global-static-ip-name": address.name,
                    },
                },
                spec: {
                    tls: [{ hosts: [o.hostname], secretName: tlsSecret }],
                    rules: [{ host: o.hostname, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "mlflow", port: { name: "http" } } } }] } }],
                },
            }, { ...k8sOpts, dependsOn: [this.service] });
        }

        this.trackingUri = pulumi.output(ns).apply(trackingUri);
        this.credentialsSecret = pulumi.interpolate`${ns}/${secretName}`;
        this.registerOutputs({
            database: this.database, artifactBucket: this.artifactBucket, datasetsBucket: this.datasetsBucket,
            serviceAccount: this.serviceAccount, deployment: this.deployment, service: this.service,
            trackingUri: this.trackingUri, externalUrl: this.externalUrl, ingressAddress: this.ingressAddress, credentialsSecret: this.credentialsSecret,
        });
    }
}
