import * as assert from "node:assert/strict";
import { limitRangeSpec, namespaceLabels, networkPolicies, resourceQuotaSpec } from "../../components/namespaces/manifests";
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
