import * as assert from "node:assert/strict";
import { gpusPerNode } from "../../lib/accelerators";
import { serviceAccountId } from "../../lib/naming";
import { cidrsOverlap, isDns1123Label, parseCidr, parseQuantity } from "../../lib/validate";

describe("validators", () => {
    it("parses Kubernetes quantities to base units", () => {
        assert.equal(parseQuantity("500m"), 0.5);
        assert.equal(parseQuantity("20"), 20);
        assert.equal(parseQuantity("40Gi"), 40 * 2 ** 30);
        assert.equal(parseQuantity("1Ti"), 2 ** 40);
        assert.equal(parseQuantity("2G"), 2e9);
        assert.equal(parseQuantity("1e3"), 1000);
        assert.equal(parseQuantity("1.5"), 1.5);
    });

    it("rejects malformed quantities", () => {
        for (const bad of ["10Gb", "-1", "1.5 Gi", "Gi", "", "10gi", "0x10"]) assert.equal(parseQuantity(bad), undefined, bad);
    });

    it("parses CIDR blocks and explains what is wrong with bad ones", () => {
        assert.deepEqual(parseCidr("10.0.0.0/8"), { text: "10.0.0.0/8", base: 0x0a000000, prefix: 8 });
        assert.deepEqual(parseCidr("10.0.0.0"), { error: "must be an IPv4 CIDR block such as 10.0.0.0/8" });
        assert.deepEqual(parseCidr("256.0.0.0/8"), { error: "each address octet must be 0..255" });
        assert.deepEqual(parseCidr("10.0.0.0/33"), { error: "the prefix length must be 0..32" });
        assert.deepEqual(parseCidr("10.1.2.3/16"), { error: "host bits are set; the network address is 10.1.0.0/16" });
    });

    it("finds overlapping ranges", () => {
        const c = (s: string) => parseCidr(s) as Exclude<ReturnType<typeof parseCidr>, { error: string }>;
        assert.equal(cidrsOverlap(c("10.16.0.0/14"), c("10.17.0.0/20")), true);
        assert.equal(cidrsOverlap(c("10.16.0.0/14"), c("10.20.0.0/20")), false);
        assert.equal(cidrsOverlap(c("0.0.0.0/0"), c("172.16.0.0/28")), true);
    });

    it("accepts DNS-1123 labels only", () => {
        for (const ok of ["ml-serving", "a", "team1"]) assert.equal(isDns1123Label(ok), true, ok);
        for (const bad of ["ML", "-a", "a-", "a_b", "a.b", "x".repeat(64), ""]) assert.equal(isDns1123Label(bad), false, bad);
    });

    it("knows which machine carries which GPU, and how many", () => {
        assert.deepEqual(gpusPerNode("nvidia-l4", "g2-standard-48"), { count: 4 });
        assert.deepEqual(gpusPerNode("nvidia-a100-80gb", "a2-ultragpu-8g"), { count: 8 });
        assert.deepEqual(gpusPerNode("nvidia-h100-mega-80gb", "a3-megagpu-8g"), { count: 8 });
        assert.deepEqual(gpusPerNode("nvidia-tesla-t4", "n1-highmem-16", 4), { count: 4 });
        assert.match((gpusPerNode("nvidia-tesla-t4", "n1-standard-8", 3) as { error: string }).error, /counts of 1, 2, 4/);
        assert.match((gpusPerNode("nvidia-a100-80gb", "a2-highgpu-1g") as { error: string }).error, /a2-ultragpu-1g/);
    });

    it("derives service account IDs that fit IAM's 30 characters and stay unique per stack", () => {
        assert.equal(serviceAccountId("gke-nodes", "prod"), "gke-nodes-prod");
        assert.equal(serviceAccountId("gke-nodes", "Team_A/Prod"), "gke-nodes-team-a-prod");
        const long = serviceAccountId("gke-nodes", "a-very-long-stack-name-for-a-team");
        assert.ok(long.length <= 30 && /^[a-z][-a-z0-9]*[a-z0-9]$/.test(long), long);
        assert.notEqual(long, serviceAccountId("gke-nodes", "a-very-long-stack-name-for-b-team"));
    });
});
