// Every rule of the pack, served by run-policy-pack and called over the analyzer gRPC API as the engine does:
// one crafted resource that violates it and one that complies.
import * as assert from "node:assert/strict";
import { Analyzer, PolicyInfo, Violation, policyConfigFor } from "../../scripts/harness/policy";
import { ResourceRecord } from "../../scripts/harness/recorder";
import { Plain } from "../../scripts/harness/values";
import { Any } from "../plans";
import { sharedAnalyzer } from "./analyzer";
import { MUTANTS } from "./mutants";
// Traffic-release rules have their violating and complying cases in traffic.spec.ts.
import { trafficPolicies } from "../../policies/traffic";
import { TYPES } from "../../policies/util";

let n = 0;
function rec(type: string, inputs: Any, opts: Partial<ResourceRecord> = {}): ResourceRecord {
    const name = `r${n++}`;
    return {
        urn: `urn:pulumi:test::mlops-platform::${type}::${name}`, type, name, parent: null, provider: null, custom: true,
        inputs: inputs as Plain, protect: false, dependsOn: [], ignoreChanges: [], retainOnDelete: false, deleteBeforeReplace: false, additionalSecretOutputs: [], ...opts,
    };
}

const clone = <T>(x: T): T => structuredClone(x);

const CLUSTER = {
    location: "us-central1",
    privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: true },
    controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: true }, ipEndpointsConfig: { enabled: true } },
    binaryAuthorization: { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" },
    databaseEncryption: { state: "ENCRYPTED", keyName: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k" },
    masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "203.0.113.0/24" }], gcpPublicCidrsAccessEnabled: false },
    workloadIdentityConfig: { workloadPool: "p.svc.id.goog" },
    enableShieldedNodes: true,
    datapathProvider: "ADVANCED_DATAPATH",
    releaseChannel: { channel: "REGULAR" },
    enableLegacyAbac: false,
    masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
    removeDefaultNodePool: true,
    loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
    monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"] },
    deletionProtection: true,
};
const POOL = {
    autoscaling: { totalMinNodeCount: 0, totalMaxNodeCount: 4 },
    management: { autoRepair: true, autoUpgrade: true },
    nodeConfig: {
        machineType: "g2-standard-8", serviceAccount: "nodes@p.iam.gserviceaccount.com",
        oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        guestAccelerators: [{ type: "nvidia-l4", count: 1, gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" } }],
        taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
    },
};
const BINAUTHZ = {
    globalPolicyEvaluationMode: "ENABLE",
    admissionWhitelistPatterns: [{ namePattern: "us-docker.pkg.dev/**" }],
    defaultAdmissionRule: { evaluationMode: "ALWAYS_DENY", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" },
};
const KEY = { keyRing: "projects/p/locations/us-central1/keyRings/r", purpose: "ENCRYPT_DECRYPT", rotationPeriod: "7776000s" };
const BUCKET = { uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", versioning: { enabled: true } };
const SQL = {
    deletionProtection: true,
    settings: {
        availabilityType: "REGIONAL", deletionProtectionEnabled: true,
        ipConfiguration: { ipv4Enabled: false, sslMode: "ENCRYPTED_ONLY" },
        backupConfiguration: { enabled: true, pointInTimeRecoveryEnabled: true },
    },
};
const CONTAINER = {
    name: "model", image: "us-docker.pkg.dev/acme/models/m:1.0.0",
    resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "1Gi" } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    readinessProbe: { httpGet: { path: "/health", port: 8080 } },
    livenessProbe: { httpGet: { path: "/health", port: 8080 } },
};
const POD = { securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } }, containers: [CONTAINER] };
const DEPLOYMENT = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "m", namespace: "ml-serving" }, spec: { template: { metadata: { labels: { app: "m" } }, spec: POD } } };
const CRONJOB = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "m-retrain", namespace: "ml-serving" }, spec: { schedule: "0 2 * * 0", concurrencyPolicy: "Forbid", jobTemplate: { spec: { activeDeadlineSeconds: 3600, template: { spec: POD } } } } };

interface Case {
    rule: string;
    type: string;
    ok: Any;
    bad: (p: Any) => void;
    message: RegExp;
    okOpts?: Partial<ResourceRecord>;
}

const T = {
    cluster: "gcp:container/cluster:Cluster", pool: "gcp:container/nodePool:NodePool", bucket: "gcp:storage/bucket:Bucket",
    sql: "gcp:sql/databaseInstance:DatabaseInstance", deployment: "kubernetes:apps/v1:Deployment", cron: "kubernetes:batch/v1:CronJob",
    service: "kubernetes:core/v1:Service", binauthz: "gcp:binaryauthorization/policy:Policy", cryptoKey: "gcp:kms/cryptoKey:CryptoKey", projectIam: "gcp:projects/iAMMember:IAMMember", bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember",
};
const protect = { protect: true };
const onContainer = (f: (c: Any) => void) => (p: Any) => f(p.spec.template.spec.containers[0]);
const onPod = (f: (pod: Any) => void) => (p: Any) => f(p.spec.template.spec);

const CASES: Case[] = [
    { rule: "gke-private-nodes", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.privateClusterConfig.enablePrivateNodes = false; }, message: /must have private nodes/ },
    { rule: "gke-master-authorized-networks", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { delete p.masterAuthorizedNetworksConfig; }, message: /masterAuthorizedNetworksConfig/ },
    { rule: "gke-workload-identity", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { delete p.workloadIdentityConfig; }, message: /Workload Identity/ },
    { rule: "gke-shielded-nodes", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.enableShieldedNodes = false; }, message: /shielded nodes/ },
    { rule: "gke-network-policy", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.datapathProvider = "LEGACY_DATAPATH"; }, message: /enforce NetworkPolicy.*LEGACY_DATAPATH/ },
    { rule: "gke-release-channel", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.releaseChannel.channel = "UNSPECIFIED"; }, message: /release channel/ },
    { rule: "gke-no-legacy-abac", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.enableLegacyAbac = true; }, message: /legacy ABAC/ },
    { rule: "gke-no-client-certificate-or-basic-auth", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.masterAuth.clientCertificateConfig.issueClientCertificate = true; }, message: /client certificate/ },
    { rule: "gke-default-pool-removed", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.removeDefaultNodePool = false; }, message: /remove the default node pool/ },
    { rule: "gke-logging-and-monitoring", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.loggingConfig.enableComponents = []; }, message: /system component logs/ },
    { rule: "gke-deletion-protection", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.deletionProtection = false; }, message: /deletionProtection: true and Pulumi protect/ },
    { rule: "gke-regional-control-plane", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.location = "us-central1-a"; }, message: /must be regional; location "us-central1-a" is a zone/ },
    { rule: "gke-no-public-endpoint", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.privateClusterConfig.enablePrivateEndpoint = false; }, message: /must not have a public control plane endpoint/ },
    { rule: "gke-binary-authorization", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { p.binaryAuthorization.evaluationMode = "DISABLED"; }, message: /PROJECT_SINGLETON_POLICY_ENFORCE, got "DISABLED"/ },
    { rule: "gke-binary-authorization", type: T.binauthz, ok: BINAUTHZ, bad: (p) => { p.defaultAdmissionRule.enforcementMode = "DRYRUN_AUDIT_LOG_ONLY"; }, message: /must block untrusted images \(enforcementMode ENFORCED_BLOCK_AND_AUDIT_LOG, got "DRYRUN_AUDIT_LOG_ONLY"\)/ },
    { rule: "gke-binary-authorization", type: T.binauthz, ok: BINAUTHZ, bad: (p) => { p.defaultAdmissionRule.evaluationMode = "ALWAYS_ALLOW"; }, message: /must not be ALWAYS_ALLOW/ },
    { rule: "gke-secrets-encryption", type: T.cluster, ok: CLUSTER, okOpts: protect, bad: (p) => { delete p.databaseEncryption; }, message: /encrypt Secrets with a Cloud KMS key \(databaseEncryption\.state ENCRYPTED, got undefined\)/ },
    { rule: "gke-secrets-encryption", type: T.cryptoKey, ok: KEY, okOpts: protect, bad: (p) => { p.rotationPeriod = "31536000s"; }, message: /rotate at least every 90 days \(rotationPeriod "31536000s"\)/ },
    { rule: "nodepool-no-default-service-account", type: T.pool, ok: POOL, bad: (p) => { p.nodeConfig.serviceAccount = "123456-compute@developer.gserviceaccount.com"; }, message: /not the Compute default \("123456-compute@developer/ },
    { rule: "nodepool-cloud-platform-scope-only", type: T.pool, ok: POOL, bad: (p) => { p.nodeConfig.oauthScopes.push("https://www.googleapis.com/auth/devstorage.read_only"); }, message: /only the cloud-platform scope/ },
    { rule: "nodepool-gke-metadata-server", type: T.pool, ok: POOL, bad: (p) => { p.nodeConfig.workloadMetadataConfig.mode = "GCE_METADATA"; }, message: /GKE_METADATA/ },
    { rule: "nodepool-secure-boot-and-integrity", type: T.pool, ok: POOL, bad: (p) => { p.nodeConfig.shieldedInstanceConfig.enableSecureBoot = false; }, message: /secure boot/ },
    { rule: "nodepool-auto-repair-and-upgrade", type: T.pool, ok: POOL, bad: (p) => { p.management.autoUpgrade = false; }, message: /auto-repair and auto-upgrade/ },
    { rule: "nodepool-gpu-taint-and-drivers", type: T.pool, ok: POOL, bad: (p) => { p.nodeConfig.taints = []; }, message: /nvidia\.com\/gpu=present:NoSchedule/ },
    { rule: "nodepool-gpu-sharing-supported", type: T.pool, ok: POOL, bad: (p) => { p.nodeConfig.guestAccelerators[0].gpuPartitionSize = "1g.5gb"; }, message: /need a Multi-Instance GPU accelerator .*not nvidia-l4/ },
    { rule: "nodepool-allowed-machine-types", type: T.pool, ok: POOL, bad: (p) => { p.nodeConfig.machineType = "m3-ultramem-128"; }, message: /"m3-ultramem-128" must start with one of e2-standard-/ },
    { rule: "nodepool-allowed-accelerators", type: T.pool, ok: POOL, bad: (p) => { p.nodeConfig.guestAccelerators[0].type = "nvidia-h200-141gb"; }, message: /"nvidia-h200-141gb" must be one of nvidia-l4/ },
    { rule: "nodepool-max-nodes-cap", type: T.pool, ok: POOL, bad: (p) => { p.autoscaling.totalMaxNodeCount = 50; }, message: /at most 20 nodes \(got 50\)/ },
    { rule: "gcs-uniform-bucket-level-access", type: T.bucket, ok: BUCKET, bad: (p) => { p.uniformBucketLevelAccess = false; }, message: /uniform bucket-level access/ },
    { rule: "gcs-public-access-prevention", type: T.bucket, ok: BUCKET, bad: (p) => { p.publicAccessPrevention = "inherited"; }, message: /enforce public access prevention \(got "inherited"\)/ },
    { rule: "gcs-versioning", type: T.bucket, ok: BUCKET, bad: (p) => { p.versioning.enabled = false; }, message: /enable versioning/ },
    { rule: "sql-no-public-ip", type: T.sql, ok: SQL, okOpts: protect, bad: (p) => { p.settings.ipConfiguration.ipv4Enabled = true; }, message: /must not have a public IP/ },
    { rule: "sql-tls-required", type: T.sql, ok: SQL, okOpts: protect, bad: (p) => { p.settings.ipConfiguration.sslMode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"; }, message: /require TLS/ },
    { rule: "sql-backups-and-pitr", type: T.sql, ok: SQL, okOpts: protect, bad: (p) => { p.settings.backupConfiguration.pointInTimeRecoveryEnabled = false; }, message: /point-in-time recovery/ },
    { rule: "sql-deletion-protection", type: T.sql, ok: SQL, okOpts: protect, bad: (p) => { p.settings.deletionProtectionEnabled = false; }, message: /deletionProtection/ },
    { rule: "sql-regional-availability", type: T.sql, ok: SQL, okOpts: protect, bad: (p) => { p.settings.availabilityType = "ZONAL"; }, message: /must be REGIONAL \(got "ZONAL"\)/ },
    { rule: "iam-no-primitive-roles", type: T.projectIam, ok: { project: "p", role: "roles/storage.objectViewer", member: "serviceAccount:a@p.iam.gserviceaccount.com" }, bad: (p) => { p.role = "roles/editor"; }, message: /primitive role roles\/editor/ },
    { rule: "iam-no-public-members", type: T.bucketIam, ok: { bucket: "b", role: "roles/storage.objectViewer", member: "serviceAccount:a@p.iam.gserviceaccount.com" }, bad: (p) => { p.member = "allUsers"; }, message: /must not name allUsers/ },
    { rule: "k8s-resources-required", type: T.deployment, ok: DEPLOYMENT, bad: onContainer((c) => { delete c.resources.limits.memory; }), message: /container model of m must set resources\.limits\.memory/ },
    { rule: "k8s-image-pinned", type: T.deployment, ok: DEPLOYMENT, bad: onContainer((c) => { c.image = "us-docker.pkg.dev/acme/models/m:latest"; }), message: /pin its image by tag \(not latest\) or digest/ },
    { rule: "k8s-allowed-registries", type: T.deployment, ok: DEPLOYMENT, bad: onContainer((c) => { c.image = "docker.io/someone/m:1.0"; }), message: /"docker\.io\/someone\/m:1\.0" must come from us-docker\.pkg\.dev\// },
    { rule: "k8s-run-as-non-root", type: T.deployment, ok: DEPLOYMENT, bad: onPod((p) => { delete p.securityContext.runAsNonRoot; }), message: /runAsNonRoot: true/ },
    { rule: "k8s-no-privilege-escalation", type: T.deployment, ok: DEPLOYMENT, bad: onContainer((c) => { c.securityContext.allowPrivilegeEscalation = true; }), message: /allowPrivilegeEscalation: false/ },
    { rule: "k8s-drop-all-capabilities", type: T.deployment, ok: DEPLOYMENT, bad: onContainer((c) => { c.securityContext.capabilities = { add: ["NET_ADMIN"] }; }), message: /drop ALL capabilities/ },
    { rule: "k8s-read-only-root-filesystem", type: T.deployment, ok: DEPLOYMENT, bad: onContainer((c) => { c.securityContext.readOnlyRootFilesystem = false; }), message: /readOnlyRootFilesystem: true/ },
    { rule: "k8s-seccomp-runtime-default", type: T.deployment, ok: DEPLOYMENT, bad: onPod((p) => { p.securityContext.seccompProfile.type = "Unconfined"; }), message: /RuntimeDefault seccomp profile \(got "Unconfined"\)/ },
    { rule: "k8s-no-privileged", type: T.deployment, ok: DEPLOYMENT, bad: onContainer((c) => { c.securityContext.privileged = true; }), message: /must not be privileged/ },
    { rule: "k8s-no-host-path", type: T.deployment, ok: DEPLOYMENT, bad: onPod((p) => { p.volumes = [{ name: "root", hostPath: { path: "/" } }]; }), message: /Volume root must not be a hostPath/ },
    { rule: "k8s-no-host-namespaces", type: T.deployment, ok: DEPLOYMENT, bad: onPod((p) => { p.hostNetwork = true; }), message: /hostNetwork: true/ },
    { rule: "k8s-probes-on-long-running", type: T.deployment, ok: DEPLOYMENT, bad: onContainer((c) => { delete c.readinessProbe; }), message: /must have a readinessProbe/ },
    {
        rule: "k8s-gpu-scheduling", type: T.deployment,
        ok: (() => { const d = clone(DEPLOYMENT) as Any; const p = d.spec.template.spec; p.containers[0].resources.limits["nvidia.com/gpu"] = "1"; p.tolerations = [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]; p.nodeSelector = { "cloud.google.com/gke-accelerator": "nvidia-l4" }; return d; })(),
        bad: onPod((p) => { delete p.tolerations; }), message: /must tolerate the nvidia\.com\/gpu taint/,
    },
    { rule: "k8s-cronjob-forbid-and-deadline", type: T.cron, ok: CRONJOB, bad: (p) => { p.spec.concurrencyPolicy = "Allow"; }, message: /concurrencyPolicy: Forbid/ },
    { rule: "k8s-no-loadbalancer-services", type: T.service, ok: { metadata: { name: "s", namespace: "ml-serving" }, spec: { type: "ClusterIP" } }, bad: (p) => { p.spec.type = "LoadBalancer"; }, message: /ml-serving\/s must not be a LoadBalancer/ },
    { rule: "k8s-no-nodeport-services", type: T.service, ok: { metadata: { name: "s", namespace: "ml-serving" }, spec: { type: "ClusterIP" } }, bad: (p) => { p.spec.type = "NodePort"; }, message: /must not be a NodePort/ },
];

const only = (vs: Violation[], rule: string) => vs.filter((v) => v.policy === rule);

describe("policy pack rules (over the analyzer gRPC API)", () => {
    let analyzer: Analyzer;
    let info: PolicyInfo[];
    before(async () => {
        analyzer = await sharedAnalyzer();
        info = await analyzer.info();
        await analyzer.configure({ all: "mandatory" });
    });

    it("serves at least 40 rules, each with a description and a default level", () => {
        assert.ok(info.length >= 40, `${info.length} rules`);
        for (const p of info) {
            assert.ok(p.description.length > 10, p.name);
            assert.ok(["mandatory", "advisory"].includes(p.enforcementLevel), p.name);
            assert.match(p.name, /^(gke|nodepool|net|gcs|sql|iam|k8s|kueue|rollout|alerting|helm|secrets|stack)-[a-z0-9-]+$/);
        }
    });

    it("a rule for one resource type is skipped for every other type before @pulumi/policy decodes the resource", async () => {
        const configMap = rec("kubernetes:core/v1:ConfigMap", { metadata: { name: "c", namespace: "n" }, data: { a: "b" } });
        const bucket = rec(TYPES.bucket, { name: "b", location: "US" });
        const skippedForConfigMap = await analyzer.notApplicable(configMap);
        assert.equal(skippedForConfigMap.get("gcs-no-force-destroy"), `Policy only applies to resources of type '${TYPES.bucket}'`);
        assert.equal(skippedForConfigMap.has("secrets-not-in-configmaps"), false);
        assert.equal((await analyzer.notApplicable(bucket)).get("secrets-not-in-configmaps"), "Policy only applies to resources of type 'kubernetes:core/v1:ConfigMap'");
        // A rule over several types runs for every resource and checks the type itself.
        assert.equal(skippedForConfigMap.has("k8s-run-as-non-root"), false);
    });

    it("every rule has a violating and a complying case, here or in the mutation suite (the real prod plan and a weakening of it)", () => {
        const tested = new Set([...CASES.map((c) => c.rule), ...STACK_AND_SPECIAL, ...MUTANTS.map((mu) => mu.rule), ...trafficPolicies.map((p) => p.name)]);
        assert.deepEqual(info.map((p) => p.name).filter((name) => !tested.has(name)), []);
    });

    for (const c of CASES) {
        it(`${c.rule}`, async () => {
            const ok = await analyzer.analyze(rec(c.type, clone(c.ok), c.okOpts));
            assert.deepEqual(only(ok, c.rule), [], "the complying resource passes");
            const bad = clone(c.ok);
            c.bad(bad);
            const found = only(await analyzer.analyze(rec(c.type, bad, c.okOpts)), c.rule);
            assert.ok(found.length >= 1, "the violating resource is reported");
            assert.match(found[0].message, c.message);
            assert.equal(found[0].level, "mandatory");
        });
    }

    it("iam-no-service-account-keys", async () => {
        const found = only(await analyzer.analyze(rec("gcp:serviceaccount/key:Key", { serviceAccountId: "a" })), "iam-no-service-account-keys");
        assert.match(found[0].message, /Service account keys must not be created/);
        assert.deepEqual(only(await analyzer.analyze(rec("gcp:serviceaccount/account:Account", { accountId: "a" })), "iam-no-service-account-keys"), []);
    });

    it("gke-binary-authorization: a dry-run policy passes where the stack's config allows it (dev)", async () => {
        const dryRun = clone(BINAUTHZ) as Any;
        dryRun.defaultAdmissionRule.enforcementMode = "DRYRUN_AUDIT_LOG_ONLY";
        try {
            await analyzer.configure({ all: "mandatory", "gke-binary-authorization": { allowDryRun: true } });
            assert.deepEqual(only(await analyzer.analyze(rec(T.binauthz, dryRun)), "gke-binary-authorization"), []);
        } finally {
            await analyzer.configure({ all: "mandatory" });
        }
    });

    it("gke-secrets-encryption: an unprotected key, whose loss would make every Secret unreadable", async () => {
        const [v] = only(await analyzer.analyze(rec(T.cryptoKey, clone(KEY))), "gke-secrets-encryption");
        assert.match(v.message, /Cloud KMS keys must be protected/);
    });

    it("a workload named in a rule's exemptWorkloads (the stack config) is exempt from that rule only; no other workload is", async () => {
        const daemon = (namespace: string, name: string) => {
            const d = clone(DEPLOYMENT) as Any;
            d.metadata = { name, namespace };
            d.spec.template.spec.containers[0].securityContext.privileged = true;
            d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
            return rec("kubernetes:apps/v1:DaemonSet", d);
        };
        await analyzer.configure(policyConfigFor("prod").config);
        try {
            const dcgm = await analyzer.analyze(daemon("node-metrics", "dcgm-exporter"));
            assert.deepEqual(only(dcgm, "k8s-no-privileged"), []);
            assert.equal(only(dcgm, "k8s-read-only-root-filesystem").length, 1, "exempt from the rules named, not from the others");
            assert.equal(only(await analyzer.analyze(daemon("monitoring", "dcgm-exporter")), "k8s-no-privileged").length, 1, "by namespace and name");
            assert.equal(only(await analyzer.analyze(daemon("node-metrics", "node-debugger")), "k8s-no-privileged").length, 1);
        } finally {
            await analyzer.configure({ all: "mandatory" });
        }
        // With no config, nothing is exempt.
        assert.equal(only(await analyzer.analyze(daemon("node-metrics", "dcgm-exporter")), "k8s-no-privileged").length, 1);
    });

    it("net-subnet-flow-logs: a proxy-only subnet (which cannot carry flow logs) is not asked for them; an ordinary one is", async () => {
        const subnet = { ipCidrRange: "10.40.0.0/23", region: "us-central1", network: "n" };
        assert.deepEqual(only(await analyzer.analyze(rec("gcp:compute/subnetwork:Subnetwork", { ...subnet, purpose: "REGIONAL_MANAGED_PROXY", role: "ACTIVE" })), "net-subnet-flow-logs"), []);
        const [v] = only(await analyzer.analyze(rec("gcp:compute/subnetwork:Subnetwork", subnet)), "net-subnet-flow-logs");
        assert.match(v.message, /must enable VPC flow logs \(logConfig is absent\)/);
    });

    it("rollout-canary-gated: an A/B test (a header route, then analysis) is gated without weights; a header route with no analysis is not", async () => {
        const ab = (analysed: boolean) => ({
            metadata: { name: "ab", namespace: "ml-serving" },
            spec: { strategy: { canary: { canaryService: "ab-canary", stableService: "ab-stable", steps: [
                { setHeaderRoute: { name: "ab-test", match: [{ headerName: "X-Variant", headerValue: { exact: "b" } }] } },
                ...(analysed ? [{ analysis: { templates: [{ templateName: "ab-analysis" }] } }] : [{ pause: { duration: "1h" } }]),
                { setHeaderRoute: { name: "ab-test" } },
            ] } } },
        });
        const T_ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout";
        assert.deepEqual(only(await analyzer.analyze(rec(T_ROLLOUT, ab(true))), "rollout-canary-gated"), []);
        const found = only(await analyzer.analyze(rec(T_ROLLOUT, ab(false))), "rollout-canary-gated").map((v) => v.message);
        assert.ok(found.some((m) => /must shift traffic in steps .*or route a header to it/.test(m)), JSON.stringify(found));
    });

    it("a value only known after deployment cannot be judged, as in a real preview", async () => {
        const pool = clone(POOL) as Any;
        pool.nodeConfig.serviceAccount = "[unknown]";
        const [v] = only(await analyzer.analyze(rec(T.pool, pool)), "nodepool-no-default-service-account");
        assert.equal(v.notCheckable, true);
        assert.match(v.message, /can't be known during preview/);
    });

    describe("stack-wide rules (AnalyzeStack)", () => {
        const labels = { "app.kubernetes.io/name": "m", "mlops.platform/workload": "serving" };
        const stack = () => {
            const serving = clone(DEPLOYMENT) as Any;
            serving.spec.template.metadata.labels = labels;
            return {
                ns: rec("kubernetes:core/v1:Namespace", { metadata: { name: "ml-serving" } }),
                quota: rec("kubernetes:core/v1:ResourceQuota", { metadata: { name: "q", namespace: "ml-serving" }, spec: {} }),
                limits: rec("kubernetes:core/v1:LimitRange", { metadata: { name: "l", namespace: "ml-serving" }, spec: {} }),
                deny: rec("kubernetes:networking.k8s.io/v1:NetworkPolicy", { metadata: { name: "default-deny-all", namespace: "ml-serving" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }),
                workload: rec(T.deployment, serving),
                hpa: rec("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", { metadata: { name: "m", namespace: "ml-serving" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "m" }, minReplicas: 2, maxReplicas: 5 } }),
                pdb: rec("kubernetes:policy/v1:PodDisruptionBudget", { metadata: { name: "m", namespace: "ml-serving" }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } }),
                release: rec("kubernetes:helm.sh/v3:Release", { chart: "argo-rollouts", version: "2.41.0" }),
                sql: rec(T.sql, SQL, { protect: true }),
                bucket: rec(T.bucket, BUCKET, { protect: true }),
            };
        };
        const run = async (change: (s: ReturnType<typeof stack>) => ResourceRecord[] | void) => {
            const s = stack();
            const list = change(s) ?? Object.values(s);
            return analyzer.analyzeStack(list);
        };

        it("a complete stack passes every stack rule", async () => {
            assert.deepEqual((await run(() => undefined)).filter((v) => v.policy.startsWith("stack-")), []);
        });
        it("stack-serving-hpa-and-pdb: a serving workload without a PDB", async () => {
            const [v] = only(await run((s) => Object.values(s).filter((r) => r !== s.pdb)), "stack-serving-hpa-and-pdb");
            assert.match(v.message, /Deployment ml-serving\/m must have a PodDisruptionBudget whose selector matches its pods/);
        });
        it("stack-serving-hpa-and-pdb: an HPA below the minimum replicas", async () => {
            const [v] = only(await run((s) => { (s.hpa.inputs as Any).spec.minReplicas = 1; }), "stack-serving-hpa-and-pdb");
            assert.match(v.message, /must keep at least 2 replicas \(minReplicas 1\)/);
        });
        it("stack-namespace-guardrails: a namespace without a default-deny policy", async () => {
            const [v] = only(await run((s) => Object.values(s).filter((r) => r !== s.deny)), "stack-namespace-guardrails");
            assert.match(v.message, /Namespace ml-serving must have a default-deny NetworkPolicy/);
        });
        it("stack-namespace-guardrails: the platform's own namespaces are not exempt", async () => {
            const vs = only(await run((s) => [...Object.values(s), rec("kubernetes:core/v1:Namespace", { metadata: { name: "monitoring" } })]), "stack-namespace-guardrails");
            assert.deepEqual(vs.map((v) => v.message), [
                "Namespace monitoring must have a ResourceQuota.",
                "Namespace monitoring must have a LimitRange.",
                "Namespace monitoring must have a default-deny NetworkPolicy (all pods, Ingress and Egress, no rules).",
            ]);
        });
        it("stack-batch-through-kueue: a CronJob in a queued namespace without a queue", async () => {
            const lq = rec("kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue", { metadata: { name: "batch", namespace: "ml-serving" }, spec: { clusterQueue: "ml-serving" } });
            const job = clone(CRONJOB) as Any;
            const [v] = only(await run((s) => [...Object.values(s), lq, rec(T.cron, job)]), "stack-batch-through-kueue");
            assert.match(v.message, /CronJob ml-serving\/m-retrain must name a LocalQueue/);
            job.spec.jobTemplate.metadata = { labels: { "kueue.x-k8s.io/queue-name": "batch" } };
            assert.deepEqual(only(await run((s) => [...Object.values(s), lq, rec(T.cron, job)]), "stack-batch-through-kueue"), []);
        });
        it("stack-flex-start-through-kueue: a job on a flex-start pool without a Kueue queue", async () => {
            const flex = rec(T.pool, { ...clone(POOL), queuedProvisioning: { enabled: true }, nodeConfig: { ...clone(POOL).nodeConfig, labels: { "mlops.platform/pool": "h100-flex" } } });
            const job = clone(CRONJOB) as Any;
            job.spec.jobTemplate.spec.template.spec.nodeSelector = { "mlops.platform/pool": "h100-flex" };
            const [v] = only(await run((s) => [...Object.values(s), flex, rec(T.cron, job)]), "stack-flex-start-through-kueue");
            assert.match(v.message, /ml-serving\/m-retrain runs on the flex-start pool h100-flex and must be submitted through Kueue/);
            job.spec.jobTemplate.metadata = { labels: { "kueue.x-k8s.io/queue-name": "team" } };
            assert.deepEqual(only(await run((s) => [...Object.values(s), flex, rec(T.cron, job)]), "stack-flex-start-through-kueue"), []);
        });
        it("stack-helm-chart-pinned: a release without a version", async () => {
            const [v] = only(await run((s) => { delete (s.release.inputs as Any).version; }), "stack-helm-chart-pinned");
            assert.match(v.message, /must be pinned to an exact version/);
        });
        it("stack-stateful-resources-protected: an unprotected bucket", async () => {
            const [v] = only(await run((s) => { s.bucket.protect = false; }), "stack-stateful-resources-protected");
            assert.match(v.message, /Bucket r\d+ must be protected/);
        });
    });
});

const STACK_AND_SPECIAL = ["iam-no-service-account-keys", "stack-serving-hpa-and-pdb", "stack-namespace-guardrails", "stack-flex-start-through-kueue", "stack-batch-through-kueue", "stack-helm-chart-pinned", "stack-stateful-resources-protected"];
