import * as assert from "node:assert/strict";
import { ConfigError } from "../../lib/errors";
import { parsePlatformConfig } from "../../stack/platform";
import { assertRejected, configIssues, stackValues } from "../helpers";

const POOLS = "mlops-platform:gpuNodePools";
const NSS = "mlops-platform:namespaces";
const CLUSTER = "mlops-platform:cluster";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

function withPool(change: (pool: Any) => void, stack: "dev" | "prod" = "dev") {
    const raw = stackValues(stack);
    change((raw[POOLS] as Any[])[0]);
    return raw;
}

describe("stack configuration", () => {
    describe("the checked-in stacks", () => {
        it("resolves dev: zonal, spot GPUs, no data protection", () => {
            const cfg = parsePlatformConfig(stackValues("dev"), "dev");
            assert.equal(cfg.environment, "dev");
            assert.equal(cfg.cluster.regional, false);
            assert.equal(cfg.cluster.location, "us-central1-a");
            assert.equal(cfg.protectData, false);
            assert.deepEqual(cfg.gpuNodePools.map((p) => [p.name, p.acceleratorType, p.acceleratorCount, p.spot, p.purpose]), [
                ["l4-dev", "nvidia-l4", 1, true, "serving"],
                ["t4-train", "nvidia-tesla-t4", 1, true, "training"],
            ]);
        });

        it("resolves prod: regional, on-demand serving and spot training, protected", () => {
            const cfg = parsePlatformConfig(stackValues("prod"), "prod");
            assert.equal(cfg.cluster.regional, true);
            assert.equal(cfg.cluster.location, "us-central1");
            assert.equal(cfg.cluster.releaseChannel, "STABLE");
            assert.equal(cfg.protectData, true);
            const [serving, training] = cfg.gpuNodePools;
            assert.deepEqual([serving.name, serving.spot, serving.purpose, serving.minNodes, serving.maxNodes], ["l4-serving", false, "serving", 0, 8]);
            assert.deepEqual([training.name, training.spot, training.purpose, training.acceleratorType], ["a100-training", true, "training", "nvidia-tesla-a100"]);
            assert.deepEqual(cfg.namespaces.map((n) => n.name), ["ml-serving", "ml-training", "ml-experiments"]);
            assert.equal(cfg.namespaces[0].quota.gpus, 8);
        });

        it("fills documented defaults when optional keys are absent", () => {
            const raw = stackValues("dev");
            delete raw[CLUSTER];
            delete raw["mlops-platform:models"];
            (raw[POOLS] as Any[])[0] = { name: "p", machineType: "g2-standard-24", acceleratorType: "nvidia-l4", purpose: "serving", zones: ["us-central1-a"] };
            raw[NSS] = [{ name: "team-a" }];
            const cfg = parsePlatformConfig(raw, "dev");
            assert.equal(cfg.cluster.regional, true);
            assert.equal(cfg.cluster.releaseChannel, "REGULAR");
            assert.deepEqual(cfg.cluster.masterAuthorizedNetworks, []);
            assert.deepEqual(cfg.cluster.systemPool, { machineType: "e2-standard-4", minNodes: 1, maxNodes: 3, diskSizeGb: 100, spot: false });
            // g2-standard-24 carries two L4s: the count comes from the machine type.
            assert.deepEqual([cfg.gpuNodePools[0].acceleratorCount, cfg.gpuNodePools[0].minNodes, cfg.gpuNodePools[0].maxNodes], [2, 0, 2]);
            assert.equal(cfg.namespaces[0].podSecurity, "restricted");
            assert.equal(cfg.namespaces[0].quota.gpus, 0);
        });

        it("prod reaches its control plane through the DNS endpoint, enforces Binary Authorization and encrypts Secrets with KMS", () => {
            const prod = parsePlatformConfig(stackValues("prod"), "prod").cluster;
            assert.deepEqual([prod.controlPlaneAccess, prod.binaryAuthorization, prod.secretsEncryption, prod.masterAuthorizedNetworks], ["dns", "enforce", "kms", []]);
            const dev = parsePlatformConfig(stackValues("dev"), "dev").cluster;
            assert.deepEqual([dev.controlPlaneAccess, dev.binaryAuthorization, dev.secretsEncryption], ["dns", "dryRun", "googleManaged"]);
        });

        it("defaults to the DNS endpoint and KMS everywhere, Binary Authorization dry run in dev and enforced elsewhere", () => {
            for (const [environment, binauthz] of [["dev", "dryRun"], ["staging", "enforce"], ["prod", "enforce"]]) {
                const raw = stackValues("dev");
                raw["mlops-platform:environment"] = environment;
                (raw["mlops-platform:monitoring"] as Any).alerting = { webhookUrl: "https://events.pagerduty.com/x" };
                const c = raw[CLUSTER] as Any;
                for (const k of ["controlPlaneAccess", "binaryAuthorization", "secretsEncryption"]) delete c[k];
                const cluster = parsePlatformConfig(raw, environment).cluster;
                assert.deepEqual([cluster.controlPlaneAccess, cluster.binaryAuthorization, cluster.secretsEncryption], ["dns", binauthz, "kms"], environment);
            }
        });

        it("defaults the environment to prod, so a stack without the key is protected", () => {
            const raw = stackValues("dev");
            delete raw["mlops-platform:environment"];
            // Prod must page someone (test/config/cloudRules.spec.ts).
            (raw["mlops-platform:monitoring"] as Any).alerting = { webhookUrl: "https://events.pagerduty.com/x" };
            assert.equal(parsePlatformConfig(raw, "x").protectData, true);
        });
    });

    describe("rejects, naming key, value and what is allowed", () => {
        it("maxNodes below minNodes", () =>
            assertRejected(withPool((p) => { p.minNodes = 3; p.maxNodes = 2; }), `${POOLS}[0].maxNodes`, 2, /must be >= minNodes \(3\)/));

        it("a negative node count", () =>
            assertRejected(withPool((p) => { p.minNodes = -1; }), `${POOLS}[0].minNodes`, -1, /integer from 0 to 1000/));

        it("a negative system pool size", () => {
            const raw = stackValues("dev");
            (raw[CLUSTER] as Any).systemPool.minNodes = -2;
            assertRejected(raw, `${CLUSTER}.systemPool.minNodes`, -2, /integer from 0 to 1000/);
        });

        it("a negative GPU quota", () => {
            const raw = stackValues("dev");
            (raw[NSS] as Any[])[0].quota.gpus = -4;
            assertRejected(raw, `${NSS}[0].quota.gpus`, -4, /0 or more/);
        });

        it("an unknown acceleratorType", () =>
            assertRejected(withPool((p) => { p.acceleratorType = "nvidia-rtx-4090"; }), `${POOLS}[0].acceleratorType`, "nvidia-rtx-4090", /allowed: nvidia-l4, nvidia-tesla-t4/));

        const mismatches: [string, string, RegExp][] = [
            ["nvidia-l4", "n1-standard-8", /NVIDIA L4 needs g2/],
            ["nvidia-tesla-a100", "g2-standard-8", /A100 40GB needs a2/],
            ["nvidia-h100-80gb", "a2-highgpu-1g", /H100 80GB needs a3/],
            ["nvidia-tesla-t4", "g2-standard-8", /T4 needs n1/],
        ];
        for (const [gpu, machine, allowed] of mismatches) {
            it(`${gpu} on ${machine}`, () =>
                assertRejected(withPool((p) => { p.acceleratorType = gpu; p.machineType = machine; delete p.acceleratorCount; }), `${POOLS}[0].machineType`, machine, allowed));
        }

        it("an accelerator count the machine type does not have", () =>
            assertRejected(withPool((p) => { p.acceleratorCount = 2; }), `${POOLS}[0].acceleratorCount`, 2, /g2-standard-8 always has 1 nvidia-l4/));

        it("a zonal cluster without zone", () => {
            const raw = stackValues("dev");
            delete (raw[CLUSTER] as Any).zone;
            const issue = configIssues(raw).find((i) => i.key === `${CLUSTER}.zone`);
            assert.match(issue!.message, /required when regional is false.*us-central1-a/);
        });

        for (const [field, value, allowed] of [
            ["controlPlaneAccess", "public", /allowed: dns, private, authorizedNetworks/],
            ["binaryAuthorization", "audit", /allowed: enforce, dryRun, off/],
            ["secretsEncryption", "cmek", /allowed: kms, googleManaged/],
        ] as const) {
            it(`an unknown cluster.${field}`, () => {
                const raw = stackValues("prod");
                (raw[CLUSTER] as Any)[field] = value;
                assertRejected(raw, `${CLUSTER}.${field}`, value, allowed);
            });
        }

        it("a public authorized network when the control plane has no public endpoint", () => {
            const raw = stackValues("prod");
            (raw[CLUSTER] as Any).masterAuthorizedNetworks = [{ cidrBlock: "10.8.0.0/16", displayName: "vpn" }, { cidrBlock: "203.0.113.0/24", displayName: "office" }];
            assertRejected(raw, `${CLUSTER}.masterAuthorizedNetworks[1].cidrBlock`, "203.0.113.0/24", /must be an internal range \(RFC 1918 or 100\.64\.0\.0\/10\): with controlPlaneAccess dns there is no public endpoint/);
            (raw[CLUSTER] as Any).controlPlaneAccess = "authorizedNetworks";
            assert.deepEqual(parsePlatformConfig(raw, "prod").cluster.masterAuthorizedNetworks.map((n) => n.cidrBlock), ["10.8.0.0/16", "203.0.113.0/24"]);
        });

        it("a zone outside the region", () => {
            const raw = stackValues("dev");
            (raw[CLUSTER] as Any).zone = "europe-west4-a";
            assertRejected(raw, `${CLUSTER}.zone`, "europe-west4-a", /^is not a zone of us-central1; its zones: us-central1-a, us-central1-b, us-central1-c, us-central1-f$/);
        });

        it("a namespace name that is not DNS-1123", () => {
            const raw = stackValues("dev");
            (raw[NSS] as Any[])[0].name = "ML_Serving";
            assertRejected(raw, `${NSS}[0].name`, "ML_Serving", /DNS-1123 label/);
        });

        it("a system namespace", () => {
            const raw = stackValues("dev");
            (raw[NSS] as Any[])[0].name = "kube-system";
            assertRejected(raw, `${NSS}[0].name`, "kube-system", /system namespace/);
        });

        it("a namespace the platform itself uses", () => {
            const raw = stackValues("dev");
            (raw[NSS] as Any[])[0].name = "kueue-system";
            assertRejected(raw, `${NSS}[0].name`, "kueue-system", /platform service's namespace; taken: mlflow, cert-manager, argo-rollouts, kueue-system, jobset-system/);
        });

        it("a malformed quantity such as 10Gb", () => {
            const raw = stackValues("dev");
            (raw[NSS] as Any[])[0].quota.storage = "10Gb";
            assertRejected(raw, `${NSS}[0].quota.storage`, "10Gb", /Kubernetes quantity.*Gi/);
        });

        it("requests above limits", () => {
            const raw = stackValues("dev");
            (raw[NSS] as Any[])[0].quota.requestsMemory = "128Gi";
            assertRejected(raw, `${NSS}[0].quota.requestsMemory`, "128Gi", /must not exceed limitsMemory \(64Gi\)/);
        });

        it("a malformed CIDR", () => {
            const raw = stackValues("dev");
            (raw[CLUSTER] as Any).masterAuthorizedNetworks = [{ cidrBlock: "10.0.0.300/8" }];
            assertRejected(raw, `${CLUSTER}.masterAuthorizedNetworks[0].cidrBlock`, "10.0.0.300/8", /octet must be 0..255/);
        });

        it("a CIDR with host bits set", () => {
            const raw = stackValues("prod");
            (raw["mlops-platform:network"] as Any).subnetCidr = "10.10.1.0/20";
            assertRejected(raw, "mlops-platform:network.subnetCidr", "10.10.1.0/20", /network address is 10\.10\.0\.0\/20/);
        });

        it("overlapping network ranges", () => {
            const raw = stackValues("prod");
            (raw["mlops-platform:network"] as Any).servicesCidr = "10.17.0.0/20";
            assertRejected(raw, "mlops-platform:network.servicesCidr", "10.17.0.0/20", /overlaps mlops-platform:network.podsCidr \(10.16.0.0\/14\)/);
        });

        it("duplicate pool names", () => {
            const raw = stackValues("dev");
            (raw[POOLS] as Any[])[1].name = "l4-dev";
            assertRejected(raw, `${POOLS}[1].name`, "l4-dev", /duplicates mlops-platform:gpuNodePools\[0\]\.name/);
        });

        it("duplicate namespace names", () => {
            const raw = stackValues("dev");
            (raw[NSS] as Any[])[1].name = "ml-serving";
            assertRejected(raw, `${NSS}[1].name`, "ml-serving", /duplicates mlops-platform:namespaces\[0\]\.name/);
        });

        it("an unknown purpose", () =>
            assertRejected(withPool((p) => { p.purpose = "inference"; }), `${POOLS}[0].purpose`, "inference", /allowed: serving, training/));

        it("a misspelt key, at the top level and inside an entry", () => {
            const raw = stackValues("dev");
            raw["mlops-platform:gpuNodePool"] = [];
            (raw[POOLS] as Any[])[0].maxNode = 3;
            const keys = configIssues(raw).map((i) => i.key);
            assert.deepEqual(keys, ["mlops-platform:gpuNodePool", `${POOLS}[0].maxNode`]);
        });

        it("a maintenance window shorter than GKE's 48 hours per 32 days", () => {
            const raw = stackValues("prod");
            (raw[CLUSTER] as Any).maintenanceWindow.recurrence = "FREQ=WEEKLY;BYDAY=SU";
            const issue = configIssues(raw).find((i) => i.key === `${CLUSTER}.maintenanceWindow`);
            assert.match(issue!.message, /gives 27.4 hours per 32 days; GKE requires at least 48/);
        });

        it("a missing gcp:project", () => {
            const raw = stackValues("dev");
            delete raw["gcp:project"];
            const issue = configIssues(raw).find((i) => i.key === "gcp:project");
            assert.match(issue!.message, /required.*pulumi config set gcp:project/);
        });

        it("MIG on an accelerator without it", () =>
            assertRejected(withPool((p) => { p.partitionSize = "1g.5gb"; }), `${POOLS}[0].partitionSize`, "1g.5gb", /needs a GPU that supports Multi-Instance GPU .*nvidia-l4 does not/));

        it("an unknown MIG size", () =>
            assertRejected(withPool((p) => { p.machineType = "a2-highgpu-1g"; p.acceleratorType = "nvidia-tesla-a100"; p.partitionSize = "1g.10gb"; }), `${POOLS}[0].partitionSize`, "1g.10gb", /allowed for nvidia-tesla-a100: 1g\.5gb, 2g\.10gb/));

        it("flex-start on a serving pool", () =>
            assertRejected(withPool((p) => { delete p.spot; p.provisioning = "flex-start"; }), `${POOLS}[0].provisioning`, "flex-start", /flex-start is for training pools/));

        it("compact placement where GKE does not allow it", () => {
            const raw = stackValues("dev");
            const p = (raw[POOLS] as Any[])[1]; // n1 + T4
            p.placement = "compact";
            p.zones = ["us-central1-a"];
            assertRejected(raw, `${POOLS}[1].placement`, "compact", /not available for n1 machines/);
            const raw2 = stackValues("prod");
            delete (raw2[POOLS] as Any[])[3].zones;
            assertRejected(raw2, `${POOLS}[3].zones`, undefined, /compact placement needs exactly one zone/);
        });

        it("sharing with fewer than 2 clients", () =>
            assertRejected(withPool((p) => { p.sharing = { strategy: "time-sharing", maxClientsPerGpu: 1 }; }), `${POOLS}[0].sharing.maxClientsPerGpu`, 1, /from 2 to 48/));

        it("a model asking for 2 time-shared GPUs", () => {
            const raw = stackValues("prod");
            (raw["mlops-platform:models"] as Any[])[0].gpu.count = 2;
            assertRejected(raw, "mlops-platform:models[0].gpu.count", 2, /shared: one per pod/);
        });

        it("a top-level key of the wrong type, named as the user wrote it", () => {
            const raw = stackValues("dev");
            raw["mlops-platform:environment"] = 3;
            assertRejected(raw, "mlops-platform:environment", 3, /must be a non-empty string/);
        });

        it("a wrong type", () =>
            assertRejected(withPool((p) => { p.spot = "yes"; }), `${POOLS}[0].spot`, "yes", /true or false/));

        it("reports every problem at once, in one error", () => {
            const raw = withPool((p) => { p.maxNodes = -1; p.acceleratorType = "tpu"; });
            (raw[NSS] as Any[])[0].name = "Bad";
            delete raw["mlops-platform:models"];
            let err: unknown;
            try {
                parsePlatformConfig(raw, "dev");
            } catch (e) {
                err = e;
            }
            assert.ok(err instanceof ConfigError);
            assert.equal(err.issues.length, 3);
            assert.match(err.message, /^Invalid stack configuration \(3 problems\):\n {2}- /);
        });
    });
});
