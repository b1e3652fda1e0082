// cert-manager's chart values and its namespace's NetworkPolicies (pure parts).
import * as assert from "node:assert/strict";
import { CERT_MANAGER_CHART, certManagerNetworkPolicies, certManagerValues } from "../../components/tls/clusterTls";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { Any } from "../plans";

describe("cert-manager (pure parts)", () => {
    it("pins a supported chart and installs CRDs the current way, kept on uninstall", () => {
        assert.deepEqual(CERT_MANAGER_CHART, { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" });
        const v = certManagerValues() as Any;
        assert.deepEqual(v.crds, { enabled: true, keep: true });
        assert.equal(v.installCRDs, undefined);
        assert.equal(v.global.priorityClassName, "mlops-platform-critical");
        for (const c of [v, v.cainjector, v.webhook, v.startupapicheck]) {
            assert.equal(c.containerSecurityContext.readOnlyRootFilesystem, true);
            assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
        }
    });

    it("allows DNS, the API server, the control plane to the webhook, scraping, and ACME from the controller only", async () => {
        const policies = certManagerNetworkPolicies("172.16.0.0/28", "monitoring");
        assert.deepEqual(policies.map((p) => p.name), ["default-deny-all", "allow-dns", "allow-api-server", "allow-webhook-from-control-plane", "allow-metrics-scrape", "allow-acme"]);
        const by = Object.fromEntries(policies.map((p) => [p.name, p.spec as Any]));
        assert.deepEqual(by["allow-webhook-from-control-plane"].ingress[0].ports, [{ protocol: "TCP", port: 10250 }]);
        assert.equal(by["allow-webhook-from-control-plane"].podSelector.matchLabels["app.kubernetes.io/component"], "webhook");
        assert.deepEqual(by["allow-metrics-scrape"].ingress[0].ports, [{ protocol: "TCP", port: 9402 }]);
        assert.deepEqual(by["allow-acme"].egress[0].ports, [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 80 }]);
        assert.equal(by["allow-acme"].podSelector.matchLabels["app.kubernetes.io/component"], "controller");
        for (const p of policies) {
            const o = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: p.name, namespace: "cert-manager" }, spec: p.spec };
            assert.deepEqual(await validateObject(JSON.parse(JSON.stringify(o))), [], p.name);
        }
    });
});
