import * as assert from "node:assert/strict";
import { resolveDatabase } from "../../components/database/cloudSqlPostgres";
import {
    CLOUD_SQL_PROXY_IMAGE, basicAuthIni, databaseUri, dbUpgradePodSpec, mlflowLabels, mlflowNetworkPolicies, mlflowPodSpec,
} from "../../components/mlflow/manifests";
import { MLFLOW_IMAGE, resolveMlflow } from "../../components/mlflow/mlflowServer";
import { clusterIssuerSpec } from "../../components/tls/clusterTls";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { assertRejected, configIssues, stackValues } from "../helpers";
import { Any } from "../plans";

const none = () => assert.fail("no issue expected");
const pod = {
    image: MLFLOW_IMAGE, workers: 2, resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
    connectionName: "p:us-central1:db", artifactsDestination: "gs://b/artifacts", secretName: "mlflow-credentials", serviceAccountName: "mlflow", project: "p",
};
const MLFLOW = "mlops-platform:mlflow";

function withMlflow(change: (m: Any) => void) {
    const raw = stackValues("prod");
    change(raw[MLFLOW] as Any);
    return raw;
}

describe("MLflow (pure parts)", () => {
    it("defaults: one replica and a zonal database in dev, two and regional elsewhere", () => {
        const dev = resolveMlflow({}, true, none);
        const prod = resolveMlflow({}, false, none);
        assert.deepEqual([dev.replicas, dev.database.highAvailability, dev.database.tier], [1, false, "db-custom-1-3840"]);
        assert.deepEqual([prod.replicas, prod.database.highAvailability, prod.database.tier], [2, true, "db-custom-2-7680"]);
        assert.equal(prod.image, "ghcr.io/mlflow/mlflow:v3.15.2-full");
        assert.equal(prod.adminUser, "admin");
        assert.equal(prod.database.pointInTimeRecovery, true);
    });

    describe("rejects bad config, naming the key", () => {
        it("an unknown tier format", () =>
            assertRejected(withMlflow((m) => { m.database.tier = "n1-standard-2"; }), `${MLFLOW}.database.tier`, "n1-standard-2", /db-custom-<vCPUs>-<memory MB>/));
        it("a custom tier with impossible memory", () =>
            assertRejected(withMlflow((m) => { m.database.tier = "db-custom-2-1000"; }), `${MLFLOW}.database.tier`, "db-custom-2-1000", /multiple of 256 MB, from 0.9 to 6.5 GB per vCPU \(2048\.\.13312 MB here\)/));
        it("backup retention below 1", () =>
            assertRejected(withMlflow((m) => { m.database.backupRetentionDays = 0; }), `${MLFLOW}.database.backupRetentionDays`, 0, /from 1 to 365/));
        it("a hostname that is not a DNS name", () =>
            assertRejected(withMlflow((m) => { m.hostname = "https://mlflow.example.com"; }), `${MLFLOW}.hostname`, "https://mlflow.example.com", /fully qualified DNS name/));
        it("duplicate extra databases", () =>
            assertRejected(withMlflow((m) => { m.extraDatabases = ["features", "features"]; }), `${MLFLOW}.extraDatabases[1]`, "features", /listed twice/));
        it("an extra database MLflow already uses", () =>
            assertRejected(withMlflow((m) => { m.extraDatabases = ["mlflow_auth"]; }), `${MLFLOW}.extraDatabases[0]`, "mlflow_auth", /one MLflow uses/));
        it("an unpinned image", () =>
            assertRejected(withMlflow((m) => { m.image = "ghcr.io/mlflow/mlflow:latest"; }), `${MLFLOW}.image`, "ghcr.io/mlflow/mlflow:latest", /must not use the tag `latest`/));
        it("an image without tag or digest", () =>
            assertRejected(withMlflow((m) => { m.image = "ghcr.io/mlflow/mlflow"; }), `${MLFLOW}.image`, "ghcr.io/mlflow/mlflow", /pinned by tag or digest/));
        it("requests above limits", () =>
            assertRejected(withMlflow((m) => { m.resources.requests.memory = "8Gi"; }), `${MLFLOW}.resources.requests.memory`, "8Gi", /must not exceed resources.limits.memory \(4Gi\)/));
        it("a hostname without an ACME email", () => {
            const raw = stackValues("prod");
            delete (raw["mlops-platform:tls"] as Any).acmeEmail;
            const issue = configIssues(raw).find((i) => i.key === "mlops-platform:tls.acmeEmail");
            assert.match(issue!.message, /required when a service has a hostname/);
        });
        it("an unknown maintenance day", () => {
            const issues: string[] = [];
            resolveDatabase({ maintenanceWindow: { day: 8, hour: 3 } }, false, (f, m) => issues.push(`${f}: ${m}`));
            assert.deepEqual(issues, ["maintenanceWindow.day: must be 1 (Monday) to 7 (Sunday)"]);
        });
    });

    it("runs the server under the restricted profile with probes, and the proxy as a native sidecar", () => {
        const spec = mlflowPodSpec(pod) as Any;
        const [server] = spec.containers;
        assert.deepEqual(server.securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepEqual(spec.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) assert.deepEqual(server[probe].httpGet, { path: "/health", port: "http" }, probe);
        assert.deepEqual(server.args.slice(-7), ["--serve-artifacts", "--artifacts-destination", "gs://b/artifacts", "--app-name", "basic-auth", "--expose-prometheus", "/tmp/prometheus"]);
        assert.ok(server.args.includes("$(MLFLOW_BACKEND_STORE_URI)"), "the URI (with the password) comes from the Secret via env");
        const [proxy] = spec.initContainers;
        assert.equal(proxy.restartPolicy, "Always");
        assert.equal(proxy.image, CLOUD_SQL_PROXY_IMAGE);
        assert.deepEqual(proxy.args.slice(0, 2), ["--private-ip", "--structured-logs"]);
        assert.equal(proxy.args.at(-1), "p:us-central1:db");
        assert.equal(spec.automountServiceAccountToken, false);
        assert.deepEqual(spec.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
    });

    it("every object validates against the Kubernetes and cert-manager schemas", async () => {
        const meta = { name: "mlflow", namespace: "mlflow", labels: mlflowLabels("server") };
        const objects = [
            { apiVersion: "apps/v1", kind: "Deployment", metadata: meta, spec: { replicas: 2, selector: { matchLabels: mlflowLabels("server") }, template: { metadata: { labels: mlflowLabels("server") }, spec: mlflowPodSpec(pod) } } },
            { apiVersion: "batch/v1", kind: "Job", metadata: meta, spec: { backoffLimit: 4, template: { spec: dbUpgradePodSpec(pod) } } },
            ...mlflowNetworkPolicies("10.30.0.0/16").map((p) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { ...meta, name: p.name }, spec: p.spec })),
            { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "letsencrypt-staging" }, spec: clusterIssuerSpec("a@b.example", "staging", [{ hostname: "m.example.com", namespace: "mlflow", ingressName: "mlflow" }], "k") },
            { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: meta, spec: { secretName: "mlflow-tls", dnsNames: ["m.example.com"], issuerRef: { name: "letsencrypt-staging", kind: "ClusterIssuer", group: "cert-manager.io" } } },
        ];
        for (const o of objects) assert.deepEqual(await validateObject(JSON.parse(JSON.stringify(o))), [], `${o.kind} ${o.metadata.name}`);
    });

    it("the ClusterIssuer answers each host's challenge through that host's own Ingress", () => {
        const spec = clusterIssuerSpec("a@b.example", "production", [{ hostname: "m.example.com", namespace: "mlflow", ingressName: "mlflow" }], "acct");
        assert.equal(spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
        assert.deepEqual(spec.acme.solvers, [{ selector: { dnsNames: ["m.example.com"] }, http01: { ingress: { name: "mlflow" } } }]);
    });

    it("keeps users in Postgres, reached through the proxy on localhost", () => {
        assert.equal(databaseUri("mlflow", "pw", "mlflow_auth"), "postgresql://mlflow:pw@127.0.0.1:5432/mlflow_auth");
        const ini = basicAuthIni("postgresql://u:p@127.0.0.1:5432/mlflow_auth", "admin", "s3cret");
        assert.match(ini, /^\[mlflow\]\n/);
        assert.match(ini, /\ndatabase_uri = postgresql:\/\/u:p@127\.0\.0\.1:5432\/mlflow_auth\n/);
        assert.match(ini, /\nadmin_username = admin\nadmin_password = s3cret\n/);
    });

    it("gives a user nothing it was not granted (default_permission NO_PERMISSIONS)", () => {
        const ini = basicAuthIni("postgresql://u:p@127.0.0.1:5432/mlflow_auth", "admin", "s3cret");
        assert.match(ini, /\ndefault_permission = NO_PERMISSIONS\n/);
        assert.doesNotMatch(ini, /default_permission = (READ|EDIT|MANAGE)/);
    });

    it("runs the server and the schema Job before models and batch work (platform-critical priority)", () => {
        for (const spec of [mlflowPodSpec(pod), dbUpgradePodSpec(pod)]) assert.equal(spec.priorityClassName, "mlops-platform-critical");
        assert.equal(CLOUD_SQL_PROXY_IMAGE, "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.25.3");
    });
});
