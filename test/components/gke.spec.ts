import * as assert from "node:assert/strict";
import { ConfigError, resolveOrThrow } from "../../lib/errors";
import { buildKubeconfig } from "../../components/gke/kubeconfig";
import { maintenanceHoursPer32Days, resolveGkeCluster } from "../../components/gke/gkeCluster";
import { apiServerTarget, binaryAuthorizationPolicy, controlPlaneSettings, gkeServiceAgent, isInternalRange } from "../../components/gke/hardening";
import { CHART_REGISTRIES, TRUSTED_IMAGE_PREFIXES, WORKLOAD_REGISTRIES } from "../../lib/registries";
import { Cidr, parseCidr } from "../../lib/validate";
import { workloadPolicies } from "../../policies/workloads";
import { resolveGpuNodePool } from "../../components/gke/gpuNodePool";
import { hardenedNodeConfig } from "../../components/gke/nodeConfig";

describe("GKE components (pure parts)", () => {
    it("builds a kubeconfig that authenticates with gke-gcloud-auth-plugin and holds no credential", () => {
        const kc = JSON.parse(buildKubeconfig("c1", "34.1.2.3", "Q0E="));
        assert.equal(kc.clusters[0].cluster.server, "https://34.1.2.3");
        assert.equal(kc.clusters[0].cluster["certificate-authority-data"], "Q0E=");
        assert.equal(kc["current-context"], "c1");
        assert.deepEqual(Object.keys(kc.users[0].user), ["exec"]);
        assert.equal(kc.users[0].user.exec.command, "gke-gcloud-auth-plugin");
        assert.equal(kc.users[0].user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
    });

    it("builds a kubeconfig for the DNS endpoint without the cluster CA, which does not sign its certificate", () => {
        const kc = JSON.parse(buildKubeconfig("c1", "gke-0a1b2c.us-central1.gke.goog"));
        assert.deepEqual(kc.clusters[0].cluster, { server: "https://gke-0a1b2c.us-central1.gke.goog" });
        assert.equal(kc.users[0].user.exec.command, "gke-gcloud-auth-plugin");
    });

    it("points the kubeconfig at the DNS endpoint with dns access, at the IP endpoint and its CA otherwise", () => {
        const cluster = { ipEndpoint: "172.16.0.2", dnsEndpoint: "gke-0a1b2c.us-central1.gke.goog", caCertificate: "Q0E=" };
        assert.deepEqual(apiServerTarget("dns", cluster), { host: "gke-0a1b2c.us-central1.gke.goog" });
        assert.deepEqual(apiServerTarget("private", cluster), { host: "172.16.0.2", caCertificate: "Q0E=" });
        assert.deepEqual(apiServerTarget("authorizedNetworks", cluster), { host: "172.16.0.2", caCertificate: "Q0E=" });
    });

    it("opens the DNS endpoint only with dns access, and the public IP endpoint only with authorizedNetworks", () => {
        assert.deepEqual(controlPlaneSettings("dns"), { enablePrivateEndpoint: true, controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: true }, ipEndpointsConfig: { enabled: true } } });
        assert.deepEqual(controlPlaneSettings("private"), { enablePrivateEndpoint: true, controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: false }, ipEndpointsConfig: { enabled: true } } });
        assert.deepEqual(controlPlaneSettings("authorizedNetworks"), { enablePrivateEndpoint: false, controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: false }, ipEndpointsConfig: { enabled: true } } });
    });

    it("denies every image outside the trusted registries, blocking when enforced and logging in dry run", () => {
        const enforce = binaryAuthorizationPolicy("enforce", ["us-docker.pkg.dev/", "ghcr.io/mlflow/"]);
        assert.deepEqual(enforce, {
            globalPolicyEvaluationMode: "ENABLE",
            admissionWhitelistPatterns: [{ namePattern: "us-docker.pkg.dev/**" }, { namePattern: "ghcr.io/mlflow/**" }],
            defaultAdmissionRule: { evaluationMode: "ALWAYS_DENY", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" },
        });
        assert.equal(binaryAuthorizationPolicy("dryRun", []).defaultAdmissionRule.enforcementMode, "DRYRUN_AUDIT_LOG_ONLY");
    });

    it("trusts the policy pack's registries and the pinned charts' registries, nothing else", () => {
        const rule = workloadPolicies.find((p) => p.name === "k8s-allowed-registries")!;
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        assert.deepEqual((rule.configSchema!.properties as any).allowedRegistries.default, [...WORKLOAD_REGISTRIES], "policies/workloads.ts and lib/registries.ts agree");
        assert.deepEqual(TRUSTED_IMAGE_PREFIXES, [...WORKLOAD_REGISTRIES, ...CHART_REGISTRIES.map((r) => r.prefix)]);
        assert.ok(TRUSTED_IMAGE_PREFIXES.includes("quay.io/jetstack/") && TRUSTED_IMAGE_PREFIXES.includes("docker.io/grafana/"));
    });

    it("names the GKE service agent from the project number", () =>
        assert.equal(gkeServiceAgent("123456789012"), "service-123456789012@container-engine-robot.iam.gserviceaccount.com"));

    it("tells internal ranges (which can reach a private endpoint) from public ones", () => {
        const c = (t: string) => parseCidr(t) as Cidr;
        assert.deepEqual(["10.8.0.0/16", "172.20.0.0/16", "192.168.1.0/24", "100.64.0.0/16"].map((t) => isInternalRange(c(t))), [true, true, true, true]);
        assert.deepEqual(["203.0.113.0/24", "172.32.0.0/16", "0.0.0.0/0", "8.0.0.0/7"].map((t) => isInternalRange(c(t))), [false, false, false, false]);
    });

    it("defaults: DNS endpoint, KMS, Binary Authorization enforced (dry run in dev)", () => {
        const none = () => assert.fail("no issue expected");
        const r = resolveGkeCluster({}, "us-central1", none, false);
        assert.deepEqual([r.controlPlaneAccess, r.binaryAuthorization, r.secretsEncryption], ["dns", "enforce", "kms"]);
        assert.equal(resolveGkeCluster({}, "us-central1", none, true).binaryAuthorization, "dryRun");
    });

    it("rejects unknown hardening modes, naming the key and what is allowed", () => {
        const issues: string[] = [];
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const bad: any = { controlPlaneAccess: "public", binaryAuthorization: "audit", secretsEncryption: "cmek", masterAuthorizedNetworks: [{ cidrBlock: "203.0.113.0/24" }] };
        resolveGkeCluster(bad, "us-central1", (f, m, ...v) => issues.push(`${f}: ${JSON.stringify(v[0])} ${m}`), false);
        assert.deepEqual(issues, [
            'controlPlaneAccess: "public" allowed: dns, private, authorizedNetworks',
            'binaryAuthorization: "audit" allowed: enforce, dryRun, off',
            'secretsEncryption: "cmek" allowed: kms, googleManaged',
        ], "an unknown access mode does not also flag the authorized networks");
        assert.throws(() => resolveOrThrow("GkeCluster", (r) => resolveGkeCluster({ controlPlaneAccess: "private", masterAuthorizedNetworks: [{ cidrBlock: "198.51.100.0/24" }] }, "us-central1", r, false)),
            /GkeCluster\.masterAuthorizedNetworks\[0\]\.cidrBlock: got "198\.51\.100\.0\/24"; must be an internal range .*controlPlaneAccess private/);
    });

    it("counts maintenance hours the way GKE's 48-hours-in-32-days rule does", () => {
        const w = (r: string) => ({ startTime: "2025-01-04T01:00:00Z", endTime: "2025-01-04T07:00:00Z", recurrence: r });
        assert.ok(Math.abs(maintenanceHoursPer32Days(w("FREQ=WEEKLY;BYDAY=SA,SU"))! - 54.86) < 0.01);
        assert.equal(maintenanceHoursPer32Days(w("FREQ=DAILY")), 192);
        assert.equal(maintenanceHoursPer32Days(w("FREQ=MONTHLY")), undefined);
    });

    it("resolves a zonal cluster to its zone and a regional one to its region", () => {
        const none = () => assert.fail("no issue expected");
        assert.equal(resolveGkeCluster({ regional: false, zone: "europe-west4-b" }, "europe-west4", none, false).location, "europe-west4-b");
        assert.equal(resolveGkeCluster({}, "europe-west4", none, false).location, "europe-west4");
    });

    it("rejects a control plane range that is not a /28", () => {
        assert.throws(() => resolveOrThrow("GkeCluster", (r) => resolveGkeCluster({ masterCidr: "172.16.0.0/24" }, "us-central1", r, false)),
            (e: unknown) => e instanceof ConfigError && /GkeCluster\.masterCidr: got "172\.16\.0\.0\/24"; must be a \/28 block/.test(e.message));
    });

    it("component arguments are checked like config, naming the component", () => {
        assert.throws(
            () => resolveOrThrow("GpuNodePool x", (r) => resolveGpuNodePool({ name: "x", machineType: "a3-highgpu-8g", acceleratorType: "nvidia-h100-80gb", purpose: "training", zones: ["us-east1-b"] }, "us-central1", r)),
            /Invalid arguments to GpuNodePool x \(1 problem\):\n {2}- GpuNodePool x\.zones\[0\]: got "us-east1-b"; is not a zone of us-central1; its zones: us-central1-a, us-central1-b, us-central1-c, us-central1-f$/,
        );
    });

    it("rejects pool names GKE would refuse once Pulumi adds its suffix", () => {
        const issues: string[] = [];
        resolveGpuNodePool({ name: "a".repeat(33), machineType: "g2-standard-8", acceleratorType: "nvidia-l4", purpose: "serving", zones: ["us-central1-a"] }, "us-central1", (f, m) => issues.push(`${f}: ${m}`));
        assert.deepEqual(issues, ["name: must be lowercase letters, digits and '-', start with a letter, end with a letter or digit, at most 32 chars"]);
    });

    it("hardens every node the same way", () => {
        const n = hardenedNodeConfig({ machineType: "g2-standard-8", serviceAccount: "sa@p.iam.gserviceaccount.com", diskSizeGb: 200, spot: true, purpose: "training", pool: "t" });
        assert.equal(n.imageType, "COS_CONTAINERD");
        assert.deepEqual(n.metadata, { "disable-legacy-endpoints": "true" });
        assert.deepEqual(n.labels, { "mlops.platform/purpose": "training", "mlops.platform/pool": "t" });
        assert.equal(n.workloadMetadataConfig.mode, "GKE_METADATA");
    });
});
