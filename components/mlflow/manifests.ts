// Pure builders for MLflow's Kubernetes objects, so they test (and validate) without the Pulumi runtime.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { googleApisEgress } from "../namespaces/manifests";
import { RESTRICTED_CONTAINER, restrictedPod, spreadAcrossZones } from "../workloads/podSecurity";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/** Cloud SQL Auth Proxy v2, pinned. */
export const CLOUD_SQL_PROXY_IMAGE = "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1";
export const MLFLOW_PORT = 5000;
/** The Ingress's name; cert-manager answers the host's HTTP-01 challenge through it. */
export const MLFLOW_INGRESS_NAME = "mlflow";
const PROXY_HEALTH_PORT = 9090;
/** The image runs as this non-root user; volumes are writable by its group. */
export const MLFLOW_UID = 1000;

/** Keys of the credentials Secret. */
export const SECRET_KEYS = {
    adminUser: "admin-username",
    adminPassword: "admin-password",
    databasePassword: "database-password",
    backendStoreUri: "backend-store-uri",
    authConfig: "basic_auth.ini",
} as const;

export function mlflowLabels(component: string): Record<string, string> {
    return { "app.kubernetes.io/name": "mlflow", "app.kubernetes.io/component": component, "app.kubernetes.io/part-of": "mlops-platform" };
}

/** MLflow's in-cluster tracking URI for a namespace (its Service is always `mlflow`). */
export function trackingUri(namespace: string): string {
    return `http://mlflow.${namespace}.svc.cluster.local:${MLFLOW_PORT}`;
}

/** Postgres URI through the Auth Proxy on localhost; the proxy carries the connection over mutual TLS. */
export function databaseUri(user: string, password: string, database: string): string {
    return `postgresql://${user}:${password}@127.0.0.1:5432/${database}`;
}

/**
 * MLflow's basic-auth configuration: users and permissions live in their own Postgres database, so every
 * replica sees the same users. The admin is created at first start with this password.
 */
export function basicAuthIni(authDatabaseUri: string, adminUser: string, adminPassword: string): string {
    return [
        "[mlflow]",
        "default_permission = READ",
        `database_uri = ${authDatabaseUri}`,
        `admin_username = ${adminUser}`,
        `admin_password = ${adminPassword}`,
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth",
        "",
    ].join("\n");
}

/**
 * The Cloud SQL Auth Proxy as a native sidecar (an init container that keeps running): it is up before
 * MLflow starts and outlives it, authenticates with the pod's Workload Identity, and reaches the instance's
 * private IP over mutual TLS. No database certificates or keys to manage, no public IP.
 */
export function cloudSqlProxySidecar(connectionName: pulumi.Input<string>): Container & { restartPolicy: string } {
    return {
        name: "cloud-sql-proxy",
        image: CLOUD_SQL_PROXY_IMAGE,
        restartPolicy: "Always",
        args: ["--private-ip", "--structured-logs", "--port=5432", "--health-check", `--http-port=${PROXY_HEALTH_PORT}`, "--http-address=0.0.0.0", "--exit-zero-on-sigterm", connectionName],
        ports: [{ name: "proxy-health", containerPort: PROXY_HEALTH_PORT }],
        startupProbe: { httpGet: { path: "/startup", port: PROXY_HEALTH_PORT }, periodSeconds: 1, failureThreshold: 60 },
        livenessProbe: { httpGet: { path: "/liveness", port: PROXY_HEALTH_PORT }, periodSeconds: 10, failureThreshold: 3 },
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        securityContext: { ...RESTRICTED_CONTAINER, runAsUser: 65532, runAsGroup: 65532 },
    };
}

export interface MlflowPodOptions {
    image: string;
    workers: number;
    resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
    connectionName: pulumi.Input<string>;
    artifactsDestination: pulumi.Input<string>;
    secretName: string;
    serviceAccountName: string;
    project: string;
}

const fromSecret = (secretName: string, key: string) => ({ secretKeyRef: { name: secretName, key } });

/** The MLflow server pod: tracking server and registry with basic auth, proxied artifacts, Prometheus metrics. */
export function mlflowPodSpec(o: MlflowPodOptions): PodSpec {
    return {
        serviceAccountName: o.serviceAccountName,
        // Workload Identity works through the GKE metadata server; no Kubernetes API token is needed.
        automountServiceAccountToken: false,
        securityContext: restrictedPod(MLFLOW_UID),
        initContainers: [cloudSqlProxySidecar(o.connectionName)],
        containers: [{
            name: "mlflow",
            image: o.image,
            command: ["mlflow"],
            args: [
                "server", "--host", "0.0.0.0", "--port", String(MLFLOW_PORT), "--workers", String(o.workers),
                "--backend-store-uri", "$(MLFLOW_BACKEND_STORE_URI)",
                // Clients upload and download through the server: they need no Google credentials.
                "--serve-artifacts", "--artifacts-destination", o.artifactsDestination,
                "--app-name", "basic-auth",
                "--expose-prometheus", "/tmp/prometheus",
            ],
            env: [
                { name: "MLFLOW_BACKEND_STORE_URI", valueFrom: fromSecret(o.secretName, SECRET_KEYS.backendStoreUri) },
                { name: "MLFLOW_AUTH_CONFIG_PATH", value: `/etc/mlflow/auth/${SECRET_KEYS.authConfig}` },
                { name: "GOOGLE_CLOUD_PROJECT", value: o.project },
                { name: "HOME", value: "/tmp" },
            ],
            ports: [{ name: "http", containerPort: MLFLOW_PORT }],
            startupProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 5, failureThreshold: 36 },
            readinessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
            livenessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
            resources: o.resources,
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                { name: "auth-config", mountPath: "/etc/mlflow/auth", readOnly: true },
            ],
        }],
        volumes: [
            { name: "tmp", emptyDir: { sizeLimit: "2Gi" } },
            { name: "auth-config", secret: { secretName: o.secretName, items: [{ key: SECRET_KEYS.authConfig, path: SECRET_KEYS.authConfig }] } },
        ],
        topologySpreadConstraints: spreadAcrossZones(mlflowLabels("server")),
        terminationGracePeriodSeconds: 30,
    };
}

/** A pod that upgrades the tracking database schema (`mlflow db upgrade`) and exits; the sidecar then stops. */
export function dbUpgradePodSpec(o: MlflowPodOptions): PodSpec {
    const server = mlflowPodSpec(o);
    return {
        serviceAccountName: o.serviceAccountName,
        automountServiceAccountToken: false,
        securityContext: server.securityContext,
        restartPolicy: "Never",
        initContainers: server.initContainers,
        containers: [{
            name: "db-upgrade",
            image: o.image,
            command: ["mlflow"],
            args: ["db", "upgrade", "$(MLFLOW_BACKEND_STORE_URI)"],
            env: [
                { name: "MLFLOW_BACKEND_STORE_URI", valueFrom: fromSecret(o.secretName, SECRET_KEYS.backendStoreUri) },
                { name: "HOME", value: "/tmp" },
            ],
            resources: o.resources,
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        }],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }],
    };
}

/** Google front ends and health checkers, where a GKE Ingress's load balancer traffic comes from. */
export const GOOGLE_LB_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];

/**
 * What MLflow's namespace allows beyond the namespace defaults: the tracking port from every namespace
 * (training jobs, serving) and from Google's load balancers; out to Google APIs (GCS, Cloud SQL Admin) on
 * 443 and to Cloud SQL's private IPs on 3307.
 */
export function mlflowNetworkPolicies(privateServicesCidr: string) {
    const server = { matchLabels: mlflowLabels("server") };
    return [
        {
            name: "allow-mlflow-clients",
            spec: {
                podSelector: server,
                policyTypes: ["Ingress"],
                ingress: [{
                    from: [{ namespaceSelector: {} }, ...GOOGLE_LB_RANGES.map((cidr) => ({ ipBlock: { cidr } }))],
                    ports: [{ protocol: "TCP", port: MLFLOW_PORT }],
                }],
            },
        },
        {
            name: "allow-google-apis-and-cloud-sql",
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    googleApisEgress(),
                    { to: [{ ipBlock: { cidr: privateServicesCidr } }], ports: [{ protocol: "TCP", port: 3307 }] },
                ],
            },
        },
    ];
}
