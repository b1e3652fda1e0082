import * as assert from "node:assert/strict";
import { ConfigError, resolveOrThrow } from "../../config/errors";
import { buildKubeconfig } from "../../components/gke/kubeconfig";
import { maintenanceHoursPer32Days, resolveGkeCluster } from "../../components/gke/gkeCluster";
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

    it("counts maintenance hours the way GKE's 48-hours-in-32-days rule does", () => {
        const w = (r: string) => ({ startTime: "2025-01-04T01:00:00Z", endTime: "2025-01-04T07:00:00Z", recurrence: r });
        assert.ok(Math.abs(maintenanceHoursPer32Days(w("FREQ=WEEKLY;BYDAY=SA,SU"))! - 54.86) < 0.01);
        assert.equal(maintenanceHoursPer32Days(w("FREQ=DAILY")), 192);
        assert.equal(maintenanceHoursPer32Days(w("FREQ=MONTHLY")), undefined);
    });

    it("resolves a zonal cluster to its zone and a regional one to its region", () => {
        const none = () => assert.fail("no issue expected");
        assert.equal(resolveGkeCluster({ regional: false, zone: "europe-west4-b" }, "europe-west4", none).location, "europe-west4-b");
        assert.equal(resolveGkeCluster({}, "europe-west4", none).location, "europe-west4");
    });

    it("rejects a control plane range that is not a /28", () => {
        assert.throws(() => resolveOrThrow("GkeCluster", (r) => resolveGkeCluster({ masterCidr: "172.16.0.0/24" }, "us-central1", r)),
            (e: unknown) => e instanceof ConfigError && /GkeCluster\.masterCidr: got "172\.16\.0\.0\/24"; must be a \/28 block/.test(e.message));
    });

    it("component arguments are checked like config, naming the component", () => {
        assert.throws(
            () => resolveOrThrow("GpuNodePool x", (r) => resolveGpuNodePool({ name: "x", machineType: "a3-highgpu-8g", acceleratorType: "nvidia-h100-80gb", purpose: "training", zones: ["us-east1-b"] }, "us-central1", r)),
            /Invalid arguments to GpuNodePool x \(1 problem\):\n {2}- GpuNodePool x\.zones\[0\]: got "us-east1-b"; must be a zone of the region us-central1/,
        );
    });

    it("rejects pool names GKE would refuse once Pulumi adds its suffix", () => {
        const issues: string[] = [];
        resolveGpuNodePool({ name: "a".repeat(33), machineType: "g2-standard-8", acceleratorType: "nvidia-l4", purpose: "serving" }, "us-central1", (f, m) => issues.push(`${f}: ${m}`));
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
