import * as assert from "node:assert/strict";
import {
    GOOGLE_LB_RANGES, NAMESPACE_NAME_LABEL, POD_SECURITY_LEVELS, gkeMetadataServerEgress, googleApisEgress, limitRangeSpec, namespaceLabels, networkPolicies,
    resourceQuotaSpec,
} from "../../components/namespaces/manifests";
import { platformNetworkPolicies } from "../../components/namespaces/platformPolicies";
import { NAMESPACE_DEFAULTS, resolveTeamNamespace } from "../../components/namespaces/teamNamespace";
import { validateObject } from "../../scripts/harness/kubernetesModels";

const meta = (name: string) => ({ name, namespace: "team-a" });

describe("namespace manifests (pure builders)", () => {
    it("every object is valid against the Kubernetes schemas", async () => {
        const objects = [
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", labels: namespaceLabels("team-a", "restricted", { team: "a" }) } },
            { apiVersion: "v1", kind: "ResourceQuota", metadata: meta("q"), spec: resourceQuotaSpec(NAMESPACE_DEFAULTS.quota) },
            { apiVersion: "v1", kind: "LimitRange", metadata: meta("l"), spec: limitRangeSpec(NAMESPACE_DEFAULTS.containerDefaults) },
            ...networkPolicies("monitoring").map((p) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta(p.name), spec: p.spec })),
        ];
        for (const o of objects) assert.deepEqual(await validateObject(JSON.parse(JSON.stringify(o))), [], `${o.kind} ${o.metadata.name}`);
    });

    it("the validator itself rejects a bad object (so the check above means something)", async () => {
        const bad = { apiVersion: "v1", kind: "ResourceQuota", metadata: meta("q"), spec: { hard: { "requests.storage": "10Gb" } } };
        assert.match((await validateObject(bad))[0], /requests\.storage must match format "quantity"/);
        assert.deepEqual(await validateObject({ apiVersion: "example.com/v1", kind: "Widget" }), ["no model for example.com/v1 Widget"]);
    });

    it("labels the namespace for Pod Security Admission: enforce the level, warn and audit at restricted", () => {
        const l = namespaceLabels("exp", "baseline");
        assert.equal(l["pod-security.kubernetes.io/enforce"], "baseline");
        assert.equal(l["pod-security.kubernetes.io/warn"], "restricted");
        assert.equal(l["pod-security.kubernetes.io/audit"], "restricted");
    });

    it("quotas GPUs by requests.nvidia.com/gpu", () => {
        assert.equal(resourceQuotaSpec({ ...NAMESPACE_DEFAULTS.quota, gpus: 4 }).hard["requests.nvidia.com/gpu"], "4");
    });

    it("allows DNS only to kube-dns, and Workload Identity's metadata server", () => {
        const [, , dns, metadata] = networkPolicies("monitoring");
        assert.deepEqual(dns.spec.egress, [{
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
        }]);
        assert.deepEqual(metadata.spec.egress, [
            { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
            { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
        ]);
    });

    it("rejects a default request above its default limit", () => {
        const issues: string[] = [];
        resolveTeamNamespace({ name: "a", containerDefaults: { requestCpu: "2", cpu: "1" } }, (f, m) => issues.push(`${f}: ${m}`));
        assert.deepEqual(issues, ["containerDefaults.requestCpu: must not exceed cpu (1)"]);
    });
});

describe("namespace manifests: whole objects", () => {
    const quota = { requestsCpu: "16", limitsCpu: "32", requestsMemory: "64Gi", limitsMemory: "128Gi", gpus: 2, pvcs: 10, storage: "500Gi" };
    // The guardrails every team namespace shares: deny by default, then its own namespace, DNS, Workload Identity and scraping.
    const baseline = (monitoring: string) => [
        { name: "default-deny-all", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        { name: "allow-same-namespace", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] } },
        {
            name: "allow-dns",
            spec: {
                podSelector: {}, policyTypes: ["Egress"],
                egress: [{
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
                }],
            },
        },
        {
            name: "allow-gke-metadata-server",
            spec: {
                podSelector: {}, policyTypes: ["Egress"],
                egress: [
                    { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
                    { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
                ],
            },
        },
        {
            name: "allow-monitoring-scrape",
            spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": monitoring } } }] }] },
        },
    ];

    it("team namespaces choose restricted or baseline; the name label is the one Kubernetes sets", () => {
        assert.deepEqual(POD_SECURITY_LEVELS, ["restricted", "baseline"]);
        assert.equal(NAMESPACE_NAME_LABEL, "kubernetes.io/metadata.name");
    });

    it("labels: extra labels first, then management, the namespace name and Pod Security at the given level", () => {
        const cases: [Parameters<typeof namespaceLabels>[1], Record<string, string>][] = [
            ["restricted", {}],
            ["baseline", { team: "vision" }],
            ["privileged", { "app.kubernetes.io/managed-by": "helm" }],
        ];
        assert.equal(cases.length, 3);
        for (const [level, extra] of cases) {
            assert.deepEqual(namespaceLabels("exp", level, extra), {
                ...extra,
                "app.kubernetes.io/managed-by": "pulumi",
                "mlops.platform/namespace": "exp",
                "pod-security.kubernetes.io/enforce": level,
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": "latest",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/audit-version": "latest",
            }, level);
        }
        // The platform's own labels win over an extra label of the same key.
        assert.equal(namespaceLabels("exp", "baseline", { "mlops.platform/namespace": "other" })["mlops.platform/namespace"], "exp");
    });

    it("the ResourceQuota holds every limit, counts as strings", () => {
        assert.deepEqual(resourceQuotaSpec(quota), {
            hard: {
                "requests.cpu": "16", "limits.cpu": "32", "requests.memory": "64Gi", "limits.memory": "128Gi",
                "requests.nvidia.com/gpu": "2", persistentvolumeclaims: "10", "requests.storage": "500Gi",
            },
        });
    });

    it("the LimitRange gives containers default limits and requests", () => {
        assert.deepEqual(limitRangeSpec({ cpu: "2", memory: "4Gi", requestCpu: "500m", requestMemory: "1Gi" }), {
            limits: [{ type: "Container", default: { cpu: "2", memory: "4Gi" }, defaultRequest: { cpu: "500m", memory: "1Gi" } }],
        });
    });

    it("egress to Google APIs on 443 at public addresses only, and to both metadata server addresses", () => {
        assert.deepEqual(googleApisEgress(), {
            to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } }],
            ports: [{ protocol: "TCP", port: 443 }],
        });
        assert.deepEqual(gkeMetadataServerEgress(), baseline("m")[3].spec.egress);
        assert.deepEqual(GOOGLE_LB_RANGES, ["35.191.0.0/16", "130.211.0.0/22"]);
    });

    it("without platform services: the five baseline policies, scraped from the given monitoring namespace", () => {
        assert.deepEqual(networkPolicies("observability"), baseline("observability"));
        assert.deepEqual(networkPolicies("monitoring", []), baseline("monitoring"));
    });

    it("platform services add one egress policy: by namespace name or by address, each on its port", () => {
        assert.deepEqual(networkPolicies("monitoring", [{ namespace: "mlflow", port: 5000 }, { cidr: "10.20.0.5/32", port: 80 }]), [
            ...baseline("monitoring"),
            {
                name: "allow-platform-services",
                spec: {
                    podSelector: {}, policyTypes: ["Egress"],
                    egress: [
                        { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mlflow" } } }], ports: [{ protocol: "TCP", port: 5000 }] },
                        { to: [{ ipBlock: { cidr: "10.20.0.5/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
                    ],
                },
            },
        ]);
    });
});

describe("platform namespace NetworkPolicies (pure builder)", () => {
    it("builds egress to CIDR blocks on ports, and to every namespace on any port", () => {
        const [, nodes, all] = platformNetworkPolicies({
            nodes: { kind: "toCidrs", cidrs: ["10.10.0.0/20"], ports: [9100] },
            all: { kind: "toAllNamespaces", pods: { matchLabels: { app: "p" } } },
        });
        assert.deepEqual(nodes, { name: "allow-nodes", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.10.0.0/20" } }], ports: [{ protocol: "TCP", port: 9100 }] }] } });
        assert.deepEqual(all, { name: "allow-all", spec: { podSelector: { matchLabels: { app: "p" } }, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }] }] } });
    });

    it("refuses a flow with no peers, which Kubernetes would read as every peer", () => {
        assert.throws(() => platformNetworkPolicies({ clients: { kind: "fromNamespaces", namespaces: [], ports: [9091] } }), /flow clients lists no peers/);
        assert.throws(() => platformNetworkPolicies({ out: { kind: "toCidrs", cidrs: [], ports: [443] } }), /flow out lists no peers/);
    });
});
