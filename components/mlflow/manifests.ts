// Pure builders for MLflow's Kubernetes objects, so they test (and validate) without the Pulumi runtime.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { GOOGLE_LB_RANGES, googleApisEgress } from "../namespaces/manifests";
import { ACME_HTTP01_SOLVER } from "../tls/acme";
import { RESTRICTED_CONTAINER, restrictedPod, spreadAcrossZones } from "../workloads/podSecurity";
import { PRIORITIES } from "../workloads/priorities";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/**
 * Cloud SQL Auth Proxy v2, pinned. Its image is distroless `nonroot`, `USER 65532`; the flags used below exist.
 * Checked: GoogleCloudPlatform/cloud-sql-proxy tag v2.25.3 (newest tag), Dockerfile, README.md
 * ("Container Images": gcr.io/cloud-sql-connectors/cloud-sql-proxy, tag without the "v"), cmd/root.go.
 */
export const CLOUD_SQL_PROXY_IMAGE = "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.25.3";
/** The proxy image's non-root user. */
export const CLOUD_SQL_PROXY_UID = 65532;
export const MLFLOW_PORT = 5000;
/** The Ingress's name; cert-manager answers the host's HTTP-01 challenge through it. */
export const MLFLOW_INGRESS_NAME = "mlflow";
const PROXY_HEALTH_PORT = 9090;
/**
 * The pods run the image as this non-root user; volumes are writable by its group. The image sets no USER
 * (root by default) and installs MLflow into the system site-packages, readable by any user; the only
 * writes are under HOME=/tmp (an emptyDir), so a read-only root filesystem works.
 * Checked: mlflow/mlflow docker/Dockerfile.full (python:3.11-slim base, `pip install mlflow[...]`, no USER).
 */
export const MLFLOW_UID = 1000;
/** The Secret with the admin user, the database password and the basic-auth configuration. */
export const MLFLOW_CREDENTIALS_SECRET = "mlflow-credentials";

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
 * What a user may do where nothing was granted. NO_PERMISSIONS: a user sees only what it was granted (the
 * platform grants each model's users their model alone; see MlflowUsers).
 * Checked: mlflow/mlflow mlflow/server/auth/permissions.py (READ, USE, EDIT, MANAGE, NO_PERMISSIONS), and
 * the 3.10.1 release notes (a fix for artifact listing under default_permission=NO_PERMISSIONS).
 */
export const DEFAULT_PERMISSION = "NO_PERMISSIONS";

/**
 * MLflow's basic-auth configuration: users and permissions live in their own Postgres database, so every
 * replica sees the same users. The admin is created at first start with this password.
 */
export function basicAuthIni(authDatabaseUri: string, adminUser: string, adminPassword: string): string {
    return [
        "[mlflow]",
        `default_permission = ${DEFAULT_PERMISSION}`,
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
        securityContext: { ...RESTRICTED_CONTAINER, runAsUser: CLOUD_SQL_PROXY_UID, runAsGroup: CLOUD_SQL_PROXY_UID },
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
        priorityClassName: PRIORITIES.platformCritical.name,
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
        priorityClassName: PRIORITIES.platformCritical.name,
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

// --- The platform's MLflow users -------------------------------------------------------------------------

/** A model whose MLflow users the platform creates: a reader for its server, a writer for its jobs. */
export interface ModelUser {
    /** The model's name; its MLflow experiment has the same name (jobs set MLFLOW_EXPERIMENT_NAME to it). */
    model: string;
    /** The model's namespace, where its credential Secrets go. */
    namespace: string;
    /** The registered model the server loads (see registeredModelName). */
    registeredModel: string;
    /** Whether the model has retraining or drift jobs; only then does it get a writer. */
    jobs: boolean;
}

/**
 * What each user may do, in MLflow's permission names. The reader loads `models:/<name>@<alias>`: READ on
 * the registered model resolves the alias, READ on the experiment lets it download the logged model's
 * artifacts through the server. The writer logs runs and artifacts (EDIT on the experiment: can_update),
 * registers versions and moves the alias (EDIT on the registered model: can_update). MANAGE (delete,
 * grant) is not needed by either.
 * Checked: mlflow/mlflow mlflow/server/auth/__init__.py (CreateRun: validate_can_update_experiment;
 * CreateModelVersion, SetRegisteredModelAlias: update on the registered model; GetModelVersionByAlias:
 * read; proxied artifact GET: read on the experiment, PUT/POST: update) and permissions.py (EDIT has
 * can_update, not can_delete or can_manage).
 */
export const MLFLOW_USER_PERMISSIONS = {
    reader: { experiment: "READ", registeredModel: "READ" },
    writer: { experiment: "EDIT", registeredModel: "EDIT" },
} as const;

/** Keys of each model's credential Secrets; the MLflow client reads them as MLFLOW_TRACKING_USERNAME/PASSWORD. */
export const CLIENT_SECRET_KEYS = { username: "username", password: "password" } as const;

/** MLflow user names of a model's reader and writer. */
export function modelUserNames(model: string) {
    return { reader: `${model}-reader`, writer: `${model}-writer` };
}

/** Names of the Secrets (in the model's namespace) with the reader's and the writer's credentials. */
export function modelCredentialSecrets(model: string) {
    return { reader: `${model}-mlflow-reader`, writer: `${model}-mlflow-writer` };
}

/** The registered model a `models:/<name>@<alias>` or `models:/<name>/<version>` URI names; else `fallback`. */
export function registeredModelName(modelUri: string, fallback: string): string {
    return /^models:\/([^/@]+)/.exec(modelUri)?.[1] ?? fallback;
}

/** One user's grants, as the users Job reads them (grants.json). No secrets. */
export interface MlflowGrant {
    username: string;
    experiment: string;
    experimentPermission: string;
    registeredModel: string;
    registeredModelPermission: string;
}

/** Every user's grants: a reader per model, a writer per model with jobs. Pure. */
export function modelGrants(users: ModelUser[]): MlflowGrant[] {
    return users.flatMap((u) => {
        const names = modelUserNames(u.model);
        const grant = (username: string, p: { experiment: string; registeredModel: string }): MlflowGrant => ({
            username, experiment: u.model, experimentPermission: p.experiment, registeredModel: u.registeredModel, registeredModelPermission: p.registeredModel,
        });
        return [grant(names.reader, MLFLOW_USER_PERMISSIONS.reader), ...(u.jobs ? [grant(names.writer, MLFLOW_USER_PERMISSIONS.writer)] : [])];
    });
}

/**
 * The users Job's script: for each grant, create the user (or reset its password), make sure the
 * experiment and the registered model exist (experiment grants are by ID), then create or update both
 * grants. Every step tolerates RESOURCE_ALREADY_EXISTS, so a re-run converges instead of failing.
 * Checked: mlflow/mlflow mlflow/server/auth/client.py (AuthServiceClient: create_user, update_user_password,
 * create/update_experiment_permission, create/update_registered_model_permission; create_* raise when the
 * user or grant exists) and sqlalchemy_store.py (RESOURCE_ALREADY_EXISTS).
 */
export const CREATE_USERS_SCRIPT = `"""Creates the platform's MLflow users and their grants, as MLflow's admin. Safe to run again."""
import json
import os

from mlflow.exceptions import MlflowException
from mlflow.server.auth.client import AuthServiceClient
from mlflow.tracking import MlflowClient

EXISTS = "RESOURCE_ALREADY_EXISTS"


def create_or_update(create, update, *args):
    """Create; when it already exists, update it to the wanted state instead."""
    try:
        create(*args)
    except MlflowException as e:
        if e.error_code != EXISTS:
            raise
        update(*args)


def experiment_id(tracking, name):
    """The experiment's ID, creating it (or restoring it) first: experiment grants are by ID."""
    exp = tracking.get_experiment_by_name(name)
    if exp is None:
        try:
            return tracking.create_experiment(name)
        except MlflowException as e:
            if e.error_code != EXISTS:
                raise
            exp = tracking.get_experiment_by_name(name)
    if exp.lifecycle_stage == "deleted":
        tracking.restore_experiment(exp.experiment_id)
    return exp.experiment_id


def ensure_registered_model(tracking, name):
    """Created by the admin, so a training run never creates it (and never becomes its manager)."""
    try:
        tracking.create_registered_model(name)
    except MlflowException as e:
        if e.error_code != EXISTS:
            raise


def main():
    uri = os.environ["MLFLOW_TRACKING_URI"]
    with open(os.environ["GRANTS_FILE"]) as f:
        grants = json.load(f)
    with open(os.environ["PASSWORDS_FILE"]) as f:
        passwords = json.load(f)
    auth = AuthServiceClient(uri)
    tracking = MlflowClient(uri)
    for g in grants:
        user = g["username"]
        create_or_update(auth.create_user, auth.update_user_password, user, passwords[user])
        exp = experiment_id(tracking, g["experiment"])
        ensure_registered_model(tracking, g["registeredModel"])
        create_or_update(auth.create_experiment_permission, auth.update_experiment_permission, exp, user, g["experimentPermission"])
        create_or_update(auth.create_registered_model_permission, auth.update_registered_model_permission, g["registeredModel"], user, g["registeredModelPermission"])
        print(f"{user}: {g['experimentPermission']} on experiment {g['experiment']} ({exp}), {g['registeredModelPermission']} on model {g['registeredModel']}", flush=True)


if __name__ == "__main__":
    main()
`;

/** Where the users Job finds its files. */
export const USERS_FILES = { dir: "/etc/mlflow-users", script: "create_users.py", grants: "grants.json", passwordsDir: "/etc/mlflow-users-passwords", passwords: "passwords.json" } as const;

export interface UsersJobOptions {
    image: string;
    /** In-cluster tracking URI of the server. */
    trackingUri: pulumi.Input<string>;
    /** ConfigMap with the script and grants.json; Secret with passwords.json. */
    configMap: string;
    passwordsSecret: string;
}

/**
 * The users Job's pod: MLflow's own client (from the server image) signs in as the admin, from the
 * credentials Secret. Restricted profile, no Kubernetes API token, platform-critical priority.
 */
export function usersJobPodSpec(o: UsersJobOptions): PodSpec {
    const f = USERS_FILES;
    return {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        priorityClassName: PRIORITIES.platformCritical.name,
        securityContext: restrictedPod(MLFLOW_UID),
        containers: [{
            name: "create-users",
            image: o.image,
            command: ["python", `${f.dir}/${f.script}`],
            env: [
                { name: "MLFLOW_TRACKING_URI", value: o.trackingUri },
                { name: "MLFLOW_TRACKING_USERNAME", valueFrom: fromSecret(MLFLOW_CREDENTIALS_SECRET, SECRET_KEYS.adminUser) },
                { name: "MLFLOW_TRACKING_PASSWORD", valueFrom: fromSecret(MLFLOW_CREDENTIALS_SECRET, SECRET_KEYS.adminPassword) },
                { name: "GRANTS_FILE", value: `${f.dir}/${f.grants}` },
                { name: "PASSWORDS_FILE", value: `${f.passwordsDir}/${f.passwords}` },
                { name: "HOME", value: "/tmp" },
            ],
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                { name: "script", mountPath: f.dir, readOnly: true },
                { name: "passwords", mountPath: f.passwordsDir, readOnly: true },
            ],
        }],
        volumes: [
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            { name: "script", configMap: { name: o.configMap } },
            { name: "passwords", secret: { secretName: o.passwordsSecret } },
        ],
    };
}


/**
 * What MLflow's namespace allows beyond the namespace defaults: the tracking port from every namespace
 * (training jobs, serving) and from Google's load balancers; out to Google APIs (GCS, Cloud SQL Admin) on
 * 443 and to Cloud SQL's private IPs on 3307; with a hostname, Google's load balancers to cert-manager's
 * HTTP-01 solver, or the certificate is never issued.
 */
export function mlflowNetworkPolicies(privateServicesCidr: string, ingress = false) {
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
        ...(ingress ? [{
            name: "allow-acme-http01-solver",
            spec: {
                podSelector: ACME_HTTP01_SOLVER.pods,
                policyTypes: ["Ingress"],
                ingress: [{ from: GOOGLE_LB_RANGES.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: ACME_HTTP01_SOLVER.port }] }],
            },
        }] : []),
    ];
}
