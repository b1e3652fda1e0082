// The egress of models' batch jobs (retraining and drift checks) in the prod plan: GCS over 443 and the
// Pushgateway, nothing else.
import * as assert from "node:assert/strict";
import { Plan } from "../../scripts/harness/runPlan";
import { Any, ofType, planOf } from "../plans";

const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

describe("model jobs' egress in the prod plan", () => {
    let prod: Plan;
    before(async () => { prod = await planOf("prod"); });

    it("every model with jobs has one egress policy: Google APIs on 443 and the Pushgateway on 9091", () => {
        const policies = ofType(prod, POLICY).filter((r) => r.name.endsWith("-jobs-egress"));
        // The models with retraining or a drift check.
        assert.deepEqual(policies.map((p) => p.name).sort(), ["churn-predictor-jobs-egress", "fraud-detector-jobs-egress", "ranker-jobs-egress"]);
        for (const p of policies) {
            const spec = p.inputs.spec as Any;
            assert.deepEqual(spec.policyTypes, ["Egress"], p.name);
            assert.deepEqual(spec.egress, [
                { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } }], ports: [{ protocol: "TCP", port: 443 }] },
                { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9091 }] },
            ], p.name);
            assert.deepEqual(spec.podSelector.matchExpressions.map((e: Any) => [e.key, e.values]), [
                ["app.kubernetes.io/name", [p.name.replace(/-jobs-egress$/, "")]], ["mlops.platform/workload", ["training", "drift"]],
            ], p.name);
        }
    });
});
