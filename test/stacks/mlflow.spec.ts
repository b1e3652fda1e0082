// MLflow in the real dev and prod plans.
import * as assert from "node:assert/strict";
import { Plan } from "../../scripts/harness/runPlan";
import { SECRET, UNKNOWN } from "../../scripts/harness/values";
import { Any, bothPlans, ofType, one } from "../plans";

const T = {
    instance: "gcp:sql/databaseInstance:DatabaseInstance",
    database: "gcp:sql/database:Database",
    user: "gcp:sql/user:User",
    bucket: "gcp:storage/bucket:Bucket",
    bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember",
    projectIam: "gcp:projects/iAMMember:IAMMember",
    saIam: "gcp:serviceaccount/iAMMember:IAMMember",
    deployment: "kubernetes:apps/v1:Deployment",
    job: "kubernetes:batch/v1:Job",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    release: "kubernetes:helm.sh/v3:Release",
    quota: "kubernetes:core/v1:ResourceQuota",
    limitRange: "kubernetes:core/v1:LimitRange",
    policy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    password: "random:index/randomPassword:RandomPassword",
    certificate: "kubernetes:cert-manager.io/v1:Certificate",
    issuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
};

describe("MLflow in the stack plans", () => {
    let dev: Plan;
    let prod: Plan;
    before(async () => ({ dev, prod } = await bothPlans()));

    it("lets Let's Encrypt reach cert-manager's HTTP-01 solver in mlflow when MLflow has a hostname (prod), and not otherwise (dev)", () => {
        const solver = (plan: Plan) => ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
            .filter((p) => p.inputs.metadata.namespace === "mlflow" && p.inputs.metadata.name === "allow-acme-http01-solver").map((p) => p.inputs.spec);
        assert.deepEqual(solver(prod), [{
            podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ ipBlock: { cidr: "35.191.0.0/16" } }, { ipBlock: { cidr: "130.211.0.0/22" } }], ports: [{ protocol: "TCP", port: 8089 }] }],
        }]);
        assert.deepEqual(solver(dev), []);
    });

    describe("Cloud SQL", () => {
        it("has no public IP, a private IP on the platform VPC, and accepts only encrypted connections", () => {
            for (const plan of [dev, prod]) {
                const ip = one(plan, T.instance, "mlflow-db-postgres").inputs.settings.ipConfiguration;
                assert.deepEqual(ip, { ipv4Enabled: false, privateNetwork: UNKNOWN, sslMode: "ENCRYPTED_ONLY" });
            }
            const psa = one(prod, "gcp:servicenetworking/connection:Connection", "platform-private-services");
            assert.ok(one(prod, T.instance, "mlflow-db-postgres").dependsOn.includes(psa.urn), "waits for the Private Service Access peering");
            assert.deepEqual(one(prod, "gcp:compute/globalAddress:GlobalAddress", "platform-private-services").inputs.address, "10.30.0.0");
        });

        it("backs up daily with point-in-time recovery and the configured retention", () => {
            const b = one(prod, T.instance, "mlflow-db-postgres").inputs.settings.backupConfiguration;
            assert.deepEqual(b, { backupRetentionSettings: { retainedBackups: 30, retentionUnit: "COUNT" }, enabled: true, pointInTimeRecoveryEnabled: true, startTime: "02:00", transactionLogRetentionDays: 7 });
            assert.equal(one(dev, T.instance, "mlflow-db-postgres").inputs.settings.backupConfiguration.backupRetentionSettings.retainedBackups, 7);
        });

        it("is regional, deletion-protected and Pulumi-protected only in prod", () => {
            const p = one(prod, T.instance, "mlflow-db-postgres");
            assert.deepEqual([p.inputs.settings.availabilityType, p.inputs.deletionProtection, p.inputs.settings.deletionProtectionEnabled, p.protect], ["REGIONAL", true, true, true]);
            const d = one(dev, T.instance, "mlflow-db-postgres");
            assert.deepEqual([d.inputs.settings.availabilityType, d.inputs.deletionProtection, d.protect], ["ZONAL", false, false]);
        });

        it("has query insights, a maintenance window, the mlflow databases and a user with a secret password", () => {
            const s = one(prod, T.instance, "mlflow-db-postgres").inputs.settings;
            assert.equal(s.insightsConfig.queryInsightsEnabled, true);
            assert.deepEqual(s.maintenanceWindow, { day: 7, hour: 3, updateTrack: "stable" });
            // optuna: the tuning studies' own database on the same instance (TuningService).
            assert.deepEqual(ofType(prod, T.database).map((d) => d.inputs.name).sort(), ["feature_registry", "mlflow", "mlflow_auth", "optuna"]);
            const user = one(prod, T.user, "mlflow-db-mlflow").inputs;
            assert.equal(user.name, "mlflow");
            assert.equal(user.password, SECRET);
        });
    });

    describe("buckets", () => {
        it("artifacts and datasets: uniform access, public access prevented, versioned, soft delete, no forceDestroy, protected in prod", () => {
            for (const name of ["mlflow-artifacts-bucket", "mlflow-datasets-bucket"]) {
                const b = one(prod, T.bucket, name);
                assert.equal(b.inputs.uniformBucketLevelAccess, true);
                assert.equal(b.inputs.publicAccessPrevention, "enforced");
                assert.deepEqual(b.inputs.versioning, { enabled: true });
                assert.equal(b.inputs.softDeletePolicy.retentionDurationSeconds, 7 * 86400);
                assert.equal(b.inputs.forceDestroy, false);
                assert.equal(b.protect, true);
                assert.equal(one(dev, T.bucket, name).protect, false);
            }
            assert.deepEqual(one(prod, T.bucket, "mlflow-artifacts-bucket").inputs.lifecycleRules, [{ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } }]);
        });
    });

    describe("identity", () => {
        it("grants object access on the artifact bucket only, and Cloud SQL client on this instance only", () => {
            const grants = ofType(prod, T.bucketIam).filter((g) => g.parent?.includes("MlflowServer"));
            assert.equal(grants.length, 1);
            // Everyone else (model servers, jobs) only reads.
            for (const g of ofType(prod, T.bucketIam).filter((x) => !x.parent?.includes("MlflowServer"))) assert.equal(g.inputs.role, "roles/storage.objectViewer");
            assert.equal(grants[0].inputs.role, "roles/storage.objectAdmin");
            assert.equal(grants[0].inputs.bucket, (prod.outputs as Any).artifactBucket);
            assert.match(grants[0].inputs.bucket, /^mlflow-artifacts-bucket-[0-9a-f]{7}$/);
            const sql = one(prod, T.projectIam, "mlflow-cloudsql-client").inputs;
            assert.equal(sql.role, "roles/cloudsql.client");
            assert.match(sql.condition.expression, /^resource\.name == "projects\/acme-mlops-prod\/instances\/mlflow-db-postgres-[0-9a-f]{7}" && resource\.type == "sqladmin\.googleapis\.com\/Instance"$/);
            for (const r of ofType(prod, T.projectIam)) assert.doesNotMatch(r.inputs.role, /^roles\/(owner|editor|storage\.admin)$/);
        });

        it("binds the Kubernetes service account mlflow/mlflow by Workload Identity; no keys exist", () => {
            const wi = one(prod, T.saIam, "mlflow-workload-identity").inputs;
            assert.equal(wi.role, "roles/iam.workloadIdentityUser");
            assert.equal(wi.member, "serviceAccount:acme-mlops-prod.svc.id.goog[mlflow/mlflow]");
            const ksa = one(prod, "kubernetes:core/v1:ServiceAccount", "mlflow-ksa").inputs;
            assert.deepEqual(ksa.metadata.annotations, { "iam.gke.io/gcp-service-account": UNKNOWN });
            assert.equal(ofType(prod, "gcp:serviceaccount/key:Key").length, 0);
            assert.equal(one(prod, "gcp:serviceaccount/account:Account", "mlflow-gsa").inputs.accountId, "mlflow-prod");
        });
    });

    describe("server", () => {
        it("runs 2 replicas in prod and 1 in dev, after the schema upgrade Job", () => {
            const p = one(prod, T.deployment, "mlflow-server");
            assert.equal(p.inputs.spec.replicas, 2);
            assert.equal(one(dev, T.deployment, "mlflow-server").inputs.spec.replicas, 1);
            const job = one(prod, T.job, "mlflow-db-upgrade");
            assert.ok(p.dependsOn.includes(job.urn));
            assert.deepEqual(job.inputs.spec.template.spec.containers[0].args, ["db", "upgrade", "$(MLFLOW_BACKEND_STORE_URI)"]);
            assert.equal(job.inputs.spec.template.spec.initContainers[0].name, "cloud-sql-proxy");
        });

        it("has probes, requests and limits, and the restricted profile on every container", () => {
            const spec = one(prod, T.deployment, "mlflow-server").inputs.spec.template.spec;
            for (const c of [...spec.initContainers, ...spec.containers] as Any[]) {
                assert.ok(c.resources.requests.cpu && c.resources.limits.memory, c.name);
                assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
                assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
                assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] }, c.name);
                assert.ok(c.livenessProbe && (c.readinessProbe || c.startupProbe), c.name);
            }
            const server = spec.containers[0];
            assert.deepEqual(server.resources, { limits: { cpu: "2", memory: "4Gi" }, requests: { cpu: "1", memory: "2Gi" } });
            assert.equal(server.args[server.args.indexOf("--artifacts-destination") + 1], `gs://${(prod.outputs as Any).artifactBucket}/artifacts`);
        });

        it("is a ClusterIP Service with a PodDisruptionBudget over the same pods", () => {
            const svc = one(prod, "kubernetes:core/v1:Service", "mlflow-service").inputs;
            assert.equal(svc.spec.type, "ClusterIP");
            assert.deepEqual(svc.spec.ports, [{ name: "http", port: 5000, protocol: "TCP", targetPort: "http" }]);
            const pdb = one(prod, "kubernetes:policy/v1:PodDisruptionBudget", "mlflow-pdb").inputs;
            assert.deepEqual(pdb.spec.selector.matchLabels, svc.spec.selector);
            assert.equal(pdb.spec.maxUnavailable, 1);
        });

        it("runs the pinned -full image (3.9+), the proxy 2.25.3, and the server and schema Job as platform-critical", () => {
            for (const plan of [dev, prod]) {
                const server = one(plan, T.deployment, "mlflow-server").inputs.spec.template.spec;
                const upgrade = one(plan, T.job, "mlflow-db-upgrade").inputs.spec.template.spec;
                assert.equal(server.containers[0].image, "ghcr.io/mlflow/mlflow:v3.15.2-full");
                assert.equal(upgrade.containers[0].image, "ghcr.io/mlflow/mlflow:v3.15.2-full");
                for (const spec of [server, upgrade]) {
                    assert.equal(spec.priorityClassName, "mlops-platform-critical");
                    assert.equal(spec.initContainers[0].image, "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.25.3");
                    assert.equal(spec.initContainers[0].securityContext.runAsUser, 65532);
                }
            }
        });

        it("keeps every credential secret", () => {
            const secret = one(prod, "kubernetes:core/v1:Secret", "mlflow-credentials").inputs;
            assert.equal(secret.stringData, SECRET);
            const text = JSON.stringify(prod);
            assert.doesNotMatch(text, /postgresql:\/\//);
            assert.doesNotMatch(text, /admin_password/);
        });
    });

    describe("TLS and external access", () => {
        it("prod: a GKE Ingress on a static IP with a cert-manager certificate from Let's Encrypt production", () => {
            const ingress = one(prod, T.ingress, "mlflow-ingress").inputs;
            assert.equal(ingress.metadata.annotations["kubernetes.io/ingress.class"], "gce");
            assert.match(ingress.metadata.annotations["kubernetes.io/ingress.global-static-ip-name"], /^mlflow-ingress-ip-[0-9a-f]{7}$/);
            assert.deepEqual(ingress.spec.tls, [{ hosts: ["mlflow.ml.acme.example.com"], secretName: "mlflow-tls" }]);
            const cert = one(prod, T.certificate, "mlflow-certificate").inputs;
            assert.deepEqual(cert.spec, { dnsNames: ["mlflow.ml.acme.example.com"], issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-production" }, secretName: "mlflow-tls" });
            const issuer = one(prod, T.issuer, "tls-issuer").inputs;
            assert.equal(issuer.spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
            assert.equal(issuer.spec.acme.email, "platform-team@acme.example.com");
        });

        it("dev: in-cluster only, with a staging issuer", () => {
            assert.equal(ofType(dev, T.ingress).length, 0);
            assert.equal(ofType(dev, T.certificate).length, 0);
            const acme = one(dev, T.issuer, "tls-issuer").inputs.spec.acme;
            assert.equal(acme.server, "https://acme-staging-v02.api.letsencrypt.org/directory");
            assert.equal(acme.email, undefined, "no empty contact when none is configured");
        });

        it("installs cert-manager v1.21.1 from the jetstack chart, CRDs installed and kept, pods platform-critical", () => {
            for (const plan of [dev, prod]) {
                const cm = one(plan, T.release, "tls-cert-manager");
                assert.deepEqual([cm.inputs.chart, cm.inputs.version, cm.inputs.repositoryOpts.repo, cm.inputs.name, cm.inputs.namespace],
                    ["cert-manager", "v1.21.1", "https://charts.jetstack.io", "cert-manager", "cert-manager"]);
                assert.deepEqual(cm.inputs.values.crds, { enabled: true, keep: true });
                assert.equal("installCRDs" in cm.inputs.values, false, "the deprecated installCRDs is gone");
                assert.deepEqual(cm.inputs.values.global, { priorityClassName: "mlops-platform-critical" });
                assert.equal(cm.inputs.values.webhook.securePort, 10250);
                assert.ok(one(plan, T.issuer, "tls-issuer").dependsOn.includes(cm.urn));
                assert.equal(ofType(plan, "kubernetes-cert-manager:index:CertManager").length, 0);
            }
        });

        it("cert-manager's namespace: a quota, container defaults, and default deny plus exactly its flows", () => {
            const inNs = (type: string) => ofType(prod, type).filter((r) => r.inputs.metadata.namespace === "cert-manager").map((r) => r.inputs);
            assert.equal(inNs(T.quota).length, 1);
            assert.equal(inNs(T.quota)[0].spec.hard["requests.nvidia.com/gpu"], "0");
            assert.equal(inNs(T.limitRange).length, 1);
            const policies = Object.fromEntries(inNs(T.policy).map((p) => [p.metadata.name, p.spec]));
            const cp = [{ ipBlock: { cidr: "172.16.0.0/28" } }];
            const webhook = { matchLabels: { "app.kubernetes.io/component": "webhook", "app.kubernetes.io/instance": "cert-manager" } };
            const controller = { matchLabels: { "app.kubernetes.io/component": "controller", "app.kubernetes.io/instance": "cert-manager" } };
            assert.deepEqual(policies, {
                "default-deny-all": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
                "allow-dns": { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] }] },
                "allow-api-server": { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: cp, ports: [{ port: 443, protocol: "TCP" }] }] },
                "allow-webhook-from-control-plane": { podSelector: webhook, policyTypes: ["Ingress"], ingress: [{ from: cp, ports: [{ port: 10250, protocol: "TCP" }] }] },
                "allow-metrics-scrape": { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ port: 9402, protocol: "TCP" }] }] },
                "allow-acme": { podSelector: controller, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } }], ports: [{ port: 443, protocol: "TCP" }, { port: 80, protocol: "TCP" }] }] },
            });
            const release = one(prod, T.release, "tls-cert-manager");
            for (const p of ofType(prod, T.policy).filter((x) => x.inputs.metadata.namespace === "cert-manager")) assert.ok(release.dependsOn.includes(p.urn), p.name);
        });
    });

    describe("the platform's MLflow users", () => {
        const GRANTS = [
            ["fraud-detector-reader", "fraud-detector", "READ", "fraud-detector", "READ"],
            ["fraud-detector-writer", "fraud-detector", "EDIT", "fraud-detector", "EDIT"],
            ["churn-predictor-reader", "churn-predictor", "READ", "churn-predictor", "READ"],
            ["churn-predictor-writer", "churn-predictor", "EDIT", "churn-predictor", "EDIT"],
            ["ranker-reader", "ranker", "READ", "ranker", "READ"],
            ["ranker-writer", "ranker", "EDIT", "ranker", "EDIT"],
            // The A/B and shadow models are served only (no jobs): readers alone.
            ["price-elasticity-reader", "price-elasticity", "READ", "price-elasticity", "READ"],
            ["recommender-reader", "recommender", "READ", "recommender", "READ"],
        ];

        it("prod: grants READ to each model's reader and EDIT to its writer, on its experiment and registered model", () => {
            const cm = one(prod, T.configMap, "mlflow-users-script").inputs;
            assert.equal(cm.metadata.namespace, "mlflow");
            const grants = JSON.parse(cm.data["grants.json"]);
            assert.deepEqual(grants.map((g: Any) => [g.username, g.experiment, g.experimentPermission, g.registeredModel, g.registeredModelPermission]), GRANTS);
            assert.match(cm.data["create_users.py"], /AuthServiceClient/);
        });

        it("passwords are random and secret: per user, in the model's Secrets and the Job's passwords Secret", () => {
            for (const plan of [dev, prod]) {
                // dev's churn-predictor has no jobs, so no writer.
                const users = plan === prod ? GRANTS.map((g) => g[0]) : ["fraud-detector-reader", "fraud-detector-writer", "churn-predictor-reader"];
                const passwords = ofType(plan, T.password).filter((p) => p.parent?.includes("MlflowUsers"));
                assert.deepEqual(passwords.map((p) => p.name).sort(), users.map((u) => `mlflow-users-${u}-password`).sort());
                for (const p of passwords) assert.ok(p.inputs.length >= 32, p.name);
                const passwordsSecret = one(plan, T.secret, "mlflow-users-passwords").inputs;
                assert.deepEqual([passwordsSecret.metadata.namespace, passwordsSecret.stringData], ["mlflow", SECRET]);
                for (const s of ofType(plan, T.secret).filter((x) => x.parent?.includes("MlflowUsers"))) assert.equal(s.inputs.stringData, SECRET, s.name);
            }
            assert.doesNotMatch(JSON.stringify(one(prod, T.configMap, "mlflow-users-script").inputs), /password"\s*:/);
        });

        it("a Job creates them after the server is up, as the admin, re-run when anything changes", () => {
            const job = one(prod, T.job, "mlflow-users-job");
            assert.ok(job.dependsOn.includes(one(prod, T.deployment, "mlflow-server").urn), "after the MLflow Deployment");
            assert.equal(job.inputs.metadata.namespace, "mlflow");
            const template = job.inputs.spec.template;
            assert.equal(template.metadata.annotations["mlops.platform/users-checksum"], SECRET, "derived from the passwords: secret");
            const spec = template.spec;
            assert.deepEqual([spec.priorityClassName, spec.automountServiceAccountToken, spec.restartPolicy], ["mlops-platform-critical", false, "Never"]);
            assert.deepEqual(spec.securityContext, { fsGroup: 1000, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
            const [c] = spec.containers;
            assert.equal(c.image, "ghcr.io/mlflow/mlflow:v3.15.2-full");
            assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory);
            const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
            assert.equal(env.HOME, "/tmp");
            assert.equal(env.MLFLOW_TRACKING_URI, "http://mlflow.mlflow.svc.cluster.local:5000");
            assert.deepEqual(env.MLFLOW_TRACKING_USERNAME, { secretKeyRef: { key: "admin-username", name: "mlflow-credentials" } });
            assert.deepEqual(env.MLFLOW_TRACKING_PASSWORD, { secretKeyRef: { key: "admin-password", name: "mlflow-credentials" } });
            assert.deepEqual(spec.volumes.find((v: Any) => v.name === "tmp"), { name: "tmp", emptyDir: { sizeLimit: "256Mi" } });
            // The Job reaches the server inside MLflow's namespace, which allows its own pods both ways.
            const same = ofType(prod, T.policy).find((p) => p.inputs.metadata.namespace === "mlflow" && p.inputs.metadata.name === "allow-same-namespace")!.inputs.spec;
            assert.deepEqual([same.podSelector, same.ingress, same.egress], [{}, [{ from: [{ podSelector: {} }] }], [{ to: [{ podSelector: {} }] }]]);
        });
    });

    it("outputs the tracking URI, URL, buckets, connection name and credentials secret", () => {
        const o = prod.outputs as Any;
        assert.equal(o.mlflowTrackingUri, "http://mlflow.mlflow.svc.cluster.local:5000");
        assert.equal(o.mlflowUrl, "https://mlflow.ml.acme.example.com");
        assert.equal(o.mlflowCredentialsSecret, "mlflow/mlflow-credentials");
        assert.match(o.artifactBucket, /^mlflow-artifacts-bucket-/);
        assert.match(o.datasetsBucket, /^mlflow-datasets-bucket-/);
        assert.equal(o.cloudSqlConnectionName, UNKNOWN);
        assert.equal((dev.outputs as Any).mlflowUrl, undefined);
    });
});
