// The real program, evaluated with the real Pulumi.dev.yaml and Pulumi.prod.yaml under the mock runtime.
import * as assert from "node:assert/strict";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { kubernetesObjects } from "../../scripts/harness/output";
import { Plan } from "../../scripts/harness/runPlan";
import { SECRET, UNKNOWN } from "../../scripts/harness/values";
import { TRUSTED_IMAGE_PREFIXES } from "../../lib/registries";
import { mockProjectNumber } from "../../scripts/harness/mocks";
import { Any, bothPlans, ofType, one, planOf, T } from "../plans";

const BINAUTHZ = "gcp:binaryauthorization/policy:Policy";
const KEY_RING = "gcp:kms/keyRing:KeyRing";
const CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey";
const KEY_IAM = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember";

describe("stack plans", () => {
    let dev: Plan;
    let prod: Plan;
    before(async () => ({ dev, prod } = await bothPlans()));

    describe("network", () => {
        it("is a custom-mode VPC with a subnet for pods and services, private Google access and flow logs", () => {
            assert.equal(one(prod, T.network, "platform-vpc").inputs.autoCreateSubnetworks, false);
            const subnet = one(prod, T.subnet, "platform-subnet").inputs;
            assert.equal(subnet.ipCidrRange, "10.10.0.0/20");
            assert.deepEqual(subnet.secondaryIpRanges, [
                { ipCidrRange: "10.16.0.0/14", rangeName: "pods" },
                { ipCidrRange: "10.20.0.0/20", rangeName: "services" },
            ]);
            assert.equal(subnet.privateIpGoogleAccess, true);
            assert.equal(subnet.logConfig.metadata, "INCLUDE_ALL_METADATA");
            assert.equal(subnet.region, "us-central1");
        });

        it("gives private nodes a way out through Cloud NAT on a Cloud Router", () => {
            const nat = one(prod, T.nat, "platform-nat").inputs;
            assert.match(nat.router, /^platform-router-[0-9a-f]{7}$/, "the router's autoname");
            assert.equal(nat.natIpAllocateOption, "AUTO_ONLY");
            assert.equal(nat.sourceSubnetworkIpRangesToNat, "LIST_OF_SUBNETWORKS");
            assert.deepEqual(nat.subnetworks[0].sourceIpRangesToNats, ["ALL_IP_RANGES"]);
            assert.equal(nat.logConfig.enable, true);
        });
    });

    describe("GKE cluster", () => {
        it("has private nodes, no public endpoint (the DNS endpoint, gated by IAM, instead), no client certificate or legacy ABAC", () => {
            const c = one(prod, T.cluster, "mlops-cluster").inputs;
            assert.equal(c.privateClusterConfig.enablePrivateNodes, true);
            assert.equal(c.privateClusterConfig.enablePrivateEndpoint, true, "no public IP endpoint");
            assert.equal(c.privateClusterConfig.masterIpv4CidrBlock, "172.16.0.0/28", "the private endpoint nodes and in-cluster controllers use");
            assert.deepEqual(c.controlPlaneEndpointsConfig, { dnsEndpointConfig: { allowExternalTraffic: true }, ipEndpointsConfig: { enabled: true } });
            assert.deepEqual(c.masterAuthorizedNetworksConfig, { cidrBlocks: [], gcpPublicCidrsAccessEnabled: false });
            assert.equal(c.masterAuth.clientCertificateConfig.issueClientCertificate, false);
            assert.equal(c.enableLegacyAbac, false);
            assert.equal(one(dev, T.cluster, "mlops-cluster").inputs.privateClusterConfig.enablePrivateEndpoint, true, "dev too: CI reaches it the same way");
        });

        it("enforces Binary Authorization in prod: only the trusted registries, Google's system images, nothing else", () => {
            const c = one(prod, T.cluster, "mlops-cluster");
            assert.deepEqual(c.inputs.binaryAuthorization, { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" });
            const policy = one(prod, BINAUTHZ, "mlops-binauthz");
            assert.equal(policy.inputs.project, "acme-mlops-prod");
            assert.equal(policy.inputs.globalPolicyEvaluationMode, "ENABLE");
            assert.deepEqual(policy.inputs.defaultAdmissionRule, { enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG", evaluationMode: "ALWAYS_DENY" });
            assert.deepEqual(policy.inputs.admissionWhitelistPatterns.map((p: Any) => p.namePattern), TRUSTED_IMAGE_PREFIXES.map((p) => `${p}**`));
            assert.ok(c.dependsOn.includes(policy.urn), "the first pods are judged by this policy, not by whatever the project had before");
            assert.deepEqual(one(dev, BINAUTHZ, "mlops-binauthz").inputs.defaultAdmissionRule, { enforcementMode: "DRYRUN_AUDIT_LOG_ONLY", evaluationMode: "ALWAYS_DENY" });
            assert.deepEqual(one(dev, T.cluster, "mlops-cluster").inputs.binaryAuthorization, { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" });
        });

        it("encrypts prod's Secrets with its own KMS key: in the region, rotated every 90 days, protected", () => {
            const ring = one(prod, KEY_RING, "mlops-keys");
            assert.deepEqual(ring.inputs, { location: "us-central1", project: "acme-mlops-prod" }, "no physical name: Pulumi autonames it");
            assert.equal(ring.protect, true);
            const key = one(prod, CRYPTO_KEY, "mlops-secrets");
            assert.equal(key.inputs.rotationPeriod, "7776000s");
            assert.equal(key.inputs.purpose, "ENCRYPT_DECRYPT");
            assert.equal(key.inputs.deletionPolicy, "PREVENT");
            assert.equal(key.inputs.name, undefined, "autonamed");
            assert.equal(key.protect, true);
            assert.deepEqual(key.dependsOn, [ring.urn]);
            const c = one(prod, T.cluster, "mlops-cluster");
            assert.deepEqual(c.inputs.databaseEncryption, { keyName: UNKNOWN, state: "ENCRYPTED" }, "the key's ID, known once it exists");
            assert.ok(c.dependsOn.includes(key.urn));
        });

        it("lets only the GKE service agent use the key, and only that key, before the cluster exists", () => {
            const grants = ofType(prod, KEY_IAM);
            assert.equal(grants.length, 1);
            const [grant] = grants;
            assert.deepEqual(grant.inputs, {
                cryptoKeyId: UNKNOWN, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                member: `serviceAccount:service-${mockProjectNumber("acme-mlops-prod")}@container-engine-robot.iam.gserviceaccount.com`,
            });
            assert.deepEqual(grant.dependsOn, [one(prod, CRYPTO_KEY, "mlops-secrets").urn]);
            assert.ok(one(prod, T.cluster, "mlops-cluster").dependsOn.includes(grant.urn), "GKE checks the key when it creates the cluster");
            assert.equal(ofType(prod, T.iamMember).filter((m) => /container-engine-robot/.test(JSON.stringify(m.inputs))).length, 0, "no project-wide grant");
        });

        it("dev keeps Google's default Secrets encryption: no key ring to leave behind", () => {
            assert.deepEqual([ofType(dev, KEY_RING).length, ofType(dev, CRYPTO_KEY).length, ofType(dev, KEY_IAM).length], [0, 0, 0]);
            assert.equal(one(dev, T.cluster, "mlops-cluster").inputs.databaseEncryption, undefined);
        });

        it("has Workload Identity, shielded nodes, Dataplane V2, a release channel and a maintenance window", () => {
            const c = one(prod, T.cluster, "mlops-cluster").inputs;
            assert.equal(c.workloadIdentityConfig.workloadPool, "acme-mlops-prod.svc.id.goog");
            assert.equal(c.enableShieldedNodes, true);
            assert.equal(c.datapathProvider, "ADVANCED_DATAPATH");
            assert.equal(c.networkingMode, "VPC_NATIVE");
            assert.deepEqual(c.ipAllocationPolicy, { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" });
            assert.equal(c.releaseChannel.channel, "STABLE");
            assert.equal(one(dev, T.cluster, "mlops-cluster").inputs.releaseChannel.channel, "REGULAR");
            assert.deepEqual(c.maintenancePolicy.recurringWindow, { startTime: "2025-01-04T01:00:00Z", endTime: "2025-01-04T07:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" });
        });

        it("removes the default pool, whose nodes never run as the Compute default service account", () => {
            const c = one(prod, T.cluster, "mlops-cluster");
            assert.equal(c.inputs.removeDefaultNodePool, true);
            assert.equal(c.inputs.nodeConfig.serviceAccount, UNKNOWN, "the node SA's email, known after it is created");
            assert.deepEqual(c.ignoreChanges, ["nodeConfig", "initialNodeCount"]);
        });

        it("logs system components and workloads and monitors the system", () => {
            const c = one(prod, T.cluster, "mlops-cluster").inputs;
            assert.deepEqual(c.loggingConfig.enableComponents, ["SYSTEM_COMPONENTS", "WORKLOADS"]);
            assert.deepEqual(c.monitoringConfig.enableComponents, ["SYSTEM_COMPONENTS"]);
        });

        it("is regional and protected in prod, zonal and unprotected in dev", () => {
            const p = one(prod, T.cluster, "mlops-cluster");
            assert.equal(p.inputs.location, "us-central1");
            assert.equal(p.inputs.deletionProtection, true);
            assert.equal(p.protect, true);
            const d = one(dev, T.cluster, "mlops-cluster");
            assert.equal(d.inputs.location, "us-central1-a");
            assert.equal(d.inputs.deletionProtection, false);
            assert.equal(d.protect, false);
        });

        it("runs nodes as a stack-specific service account with only node and image-pull roles", () => {
            assert.equal(one(prod, T.serviceAccount, "mlops-nodes").inputs.accountId, "gke-nodes-prod");
            assert.equal(one(dev, T.serviceAccount, "mlops-nodes").inputs.accountId, "gke-nodes-dev");
            const nodeRoles = ofType(prod, T.iamMember).filter((m) => m.parent?.endsWith("mlops:gke:GkeCluster::mlops"));
            assert.deepEqual(nodeRoles.map((m) => m.inputs.role).sort(), ["roles/artifactregistry.reader", "roles/container.defaultNodeServiceAccount"]);
            const cluster = one(prod, T.cluster, "mlops-cluster");
            for (const m of nodeRoles) assert.ok(cluster.dependsOn.includes(m.urn), "nodes boot only after their roles exist");
        });
    });

    describe("node pools", () => {
        it("the system pool autoscales within its bounds on hardened nodes", () => {
            const p = one(prod, T.nodePool, "mlops-system").inputs;
            assert.deepEqual(p.autoscaling, { locationPolicy: "BALANCED", totalMaxNodeCount: 9, totalMinNodeCount: 3 });
            assert.equal(p.nodeConfig.machineType, "e2-standard-8");
            assert.equal(p.nodeConfig.taints, undefined);
            assert.equal(p.nodeConfig.labels["mlops.platform/purpose"], "system");
        });

        for (const stack of ["dev", "prod"] as const) {
            it(`every ${stack} pool: metadata server, shielded, cloud-platform scope, node SA, auto-repair/upgrade, surge`, async () => {
                const plan = await planOf(stack);
                const pools = ofType(plan, T.nodePool);
                assert.equal(pools.length, stack === "dev" ? 3 : 5);
                for (const { inputs: p } of pools) {
                    assert.deepEqual(p.nodeConfig.workloadMetadataConfig, { mode: "GKE_METADATA" });
                    assert.deepEqual(p.nodeConfig.shieldedInstanceConfig, { enableIntegrityMonitoring: true, enableSecureBoot: true });
                    assert.deepEqual(p.nodeConfig.oauthScopes, ["https://www.googleapis.com/auth/cloud-platform"]);
                    assert.equal(p.nodeConfig.serviceAccount, UNKNOWN);
                    // Flex-start (queued provisioning) requires auto-repair off.
                    assert.deepEqual(p.management, { autoRepair: p.queuedProvisioning?.enabled !== true, autoUpgrade: true });
                    assert.equal(p.upgradeSettings.strategy, "SURGE");
                    assert.match(p.cluster, /^mlops-cluster-[0-9a-f]{7}$/);
                }
            });
        }

        it("the L4 serving pool: on-demand, scales from zero, GPU taint, drivers, serving label", () => {
            const p = one(prod, T.nodePool, "l4-serving").inputs;
            assert.deepEqual(p.autoscaling, { locationPolicy: "ANY", totalMaxNodeCount: 8, totalMinNodeCount: 0 });
            assert.equal(p.nodeConfig.spot, false);
            assert.equal(p.nodeConfig.machineType, "g2-standard-8");
            assert.deepEqual(p.nodeConfig.guestAccelerators, [{
                count: 1, gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" }, type: "nvidia-l4",
                gpuSharingConfig: { gpuSharingStrategy: "TIME_SHARING", maxSharedClientsPerGpu: 2 },
            }]);
            assert.deepEqual([p.nodeConfig.gcfsConfig, p.nodeConfig.gvnic], [{ enabled: true }, { enabled: true }], "image streaming and gVNIC");
            assert.deepEqual(p.nodeConfig.taints, [{ effect: "NO_SCHEDULE", key: "nvidia.com/gpu", value: "present" }]);
            assert.deepEqual(p.nodeConfig.labels, { "mlops.platform/pool": "l4-serving", "mlops.platform/purpose": "serving" });
            assert.deepEqual(p.nodeLocations, ["us-central1-a", "us-central1-b", "us-central1-c"]);
            assert.deepEqual(p.upgradeSettings, { maxSurge: 1, maxUnavailable: 0, strategy: "SURGE" });
        });

        it("the A100 training pool: spot, training label, gives a node back before surging", () => {
            const p = one(prod, T.nodePool, "a100-training").inputs;
            assert.equal(p.nodeConfig.spot, true);
            assert.equal(p.nodeConfig.machineType, "a2-highgpu-1g");
            assert.equal(p.nodeConfig.guestAccelerators[0].type, "nvidia-tesla-a100");
            assert.equal(p.nodeConfig.labels["mlops.platform/purpose"], "training");
            assert.deepEqual(p.upgradeSettings, { maxSurge: 0, maxUnavailable: 1, strategy: "SURGE" });
        });

        it("the A100 MIG pool is partitioned into 1g.5gb slices", () => {
            const p = one(prod, T.nodePool, "a100-mig").inputs;
            assert.equal(p.nodeConfig.guestAccelerators[0].gpuPartitionSize, "1g.5gb");
            assert.equal(p.nodeConfig.spot, false);
        });

        it("the H100 flex-start pool: queued provisioning, compact placement in one zone, no reservation, no auto-repair", () => {
            const p = one(prod, T.nodePool, "h100-flex").inputs;
            assert.deepEqual(p.queuedProvisioning, { enabled: true });
            assert.deepEqual(p.placementPolicy, { type: "COMPACT" });
            assert.deepEqual(p.nodeLocations, ["us-central1-a"]);
            assert.deepEqual(p.nodeConfig.reservationAffinity, { consumeReservationType: "NO_RESERVATION" });
            assert.deepEqual([p.autoscaling.totalMinNodeCount, p.autoscaling.locationPolicy, p.initialNodeCount, p.management.autoRepair], [0, "ANY", 0, false]);
            assert.deepEqual(p.nodeConfig.guestAccelerators[0].count, 8);
        });

        it("dev GPU pools are all spot", () => {
            for (const name of ["l4-dev", "t4-train"]) assert.equal(one(dev, T.nodePool, name).inputs.nodeConfig.spot, true);
        });
    });

    describe("namespaces", () => {
        it("each has a quota with CPU, memory, GPUs, PVCs and storage from config", () => {
            const q = prod.resources.find((r) => r.type === T.quota && r.name === "ml-serving-quota")!.inputs as Any;
            assert.equal(q.metadata.namespace, "ml-serving");
            assert.deepEqual(q.spec.hard, {
                "limits.cpu": "80", "limits.memory": "320Gi", persistentvolumeclaims: "20",
                "requests.cpu": "40", "requests.memory": "256Gi", "requests.nvidia.com/gpu": "8", "requests.storage": "1Ti",
            });
        });

        it("each has Pod Security labels, a LimitRange and NetworkPolicies starting from default deny", () => {
            const defaults = ["allow-dns", "allow-gke-metadata-server", "allow-monitoring-scrape", "allow-same-namespace", "default-deny-all"];
            for (const plan of [dev, prod]) {
                const namespaces = ofType(plan, T.namespace).filter((n) => n.parent?.includes("mlops:namespaces:TeamNamespace"));
                const teams = plan === dev ? ["ml-serving", "ml-training"] : ["ml-serving", "ml-training", "ml-experiments"];
                assert.deepEqual(namespaces.map((n) => n.inputs.metadata.name).sort(), [...teams, "mlflow"].sort());
                for (const ns of namespaces) {
                    const name = ns.inputs.metadata.name;
                    assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
                    assert.equal(ofType(plan, T.limitRange).filter((l) => l.inputs.metadata.namespace === name).length, 1);
                    const policies = ofType(plan, T.networkPolicy)
                        .filter((p) => p.inputs.metadata.namespace === name && !p.parent?.includes("ModelService") && !p.parent?.includes("ModelJobs") && !p.parent?.includes("ModelTuning"))
                        .map((p) => p.inputs);
                    const expected = name === "mlflow"
                        ? [...defaults, "allow-google-apis-and-cloud-sql", "allow-mlflow-clients", ...(plan === prod ? ["allow-acme-http01-solver"] : [])]
                        : [...defaults, "allow-platform-services"];
                    assert.deepEqual(policies.map((p) => p.metadata.name).sort(), expected.sort(), name);
                    const deny = policies.find((p) => p.metadata.name === "default-deny-all");
                    assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
                    const scrape = policies.find((p) => p.metadata.name === "allow-monitoring-scrape");
                    assert.deepEqual(scrape.spec.ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }] }]);
                    const services = policies.find((p) => p.metadata.name === "allow-platform-services");
                    if (services) {
                        assert.deepEqual(services.spec.egress, [
                            { ports: [{ port: 5000, protocol: "TCP" }], to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mlflow" } } }] },
                            // Models are called through the internal Gateway's VIP (near the end of the node subnet).
                            { ports: [{ port: 80, protocol: "TCP" }], to: [{ ipBlock: { cidr: "10.10.15.248/32" } }] },
                        ]);
                    }
                }
            }
        });

        it("every Kubernetes resource goes through the one explicit provider built from the cluster's kubeconfig", () => {
            for (const plan of [dev, prod]) {
                const providers = ofType(plan, T.k8sProvider);
                assert.equal(providers.length, 1);
                assert.equal(providers[0].inputs.kubeconfig, SECRET);
                const k8sObjects = plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
                assert.ok(k8sObjects.length >= 16);
                for (const r of k8sObjects) assert.equal(r.provider, providers[0].urn, r.urn);
            }
        });
    });

    it("every Kubernetes object and custom resource in both plans validates against its schema", async () => {
        for (const plan of [dev, prod]) {
            const objects = kubernetesObjects(plan.resources);
            assert.ok(objects.length >= 36);
            assert.ok(objects.some((o) => o.object.kind === "ClusterIssuer"), "custom resources are included");
            for (const { record, object } of objects) assert.deepEqual(await validateObject(object), [], record.urn);
        }
    });

    describe("stack outputs", () => {
        it("name the cluster, network, namespaces and GPU pools; the kubeconfig is secret", () => {
            const o = prod.outputs as Any;
            assert.match(o.clusterName, /^mlops-cluster-[0-9a-f]{7}$/);
            assert.equal(o.clusterEndpoint, UNKNOWN);
            assert.equal(o.kubeconfig, SECRET);
            assert.equal(o.region, "us-central1");
            assert.equal(o.clusterLocation, "us-central1");
            assert.match(o.networkName, /^platform-vpc-/);
            assert.match(o.subnetName, /^platform-subnet-/);
            assert.deepEqual(o.namespaceNames, ["ml-serving", "ml-training", "ml-experiments"]);
            assert.deepEqual(o.gpuNodePools.map((p: Any) => [p.name, p.acceleratorType, p.purpose, p.spot]), [
                ["l4-serving", "nvidia-l4", "serving", false],
                ["a100-training", "nvidia-tesla-a100", "training", true],
                ["a100-mig", "nvidia-tesla-a100", "serving", false],
                ["h100-flex", "nvidia-h100-80gb", "training", false],
            ]);
        });

        it("no kubeconfig content reaches the plan in the clear", () => {
            for (const plan of [dev, prod]) {
                const text = JSON.stringify(plan);
                assert.ok(!text.includes("gke-gcloud-auth-plugin"));
                assert.ok(!text.includes("certificate-authority-data"));
            }
        });
    });
});
