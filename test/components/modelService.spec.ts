// ModelService built directly under mocks: the ingress NetworkPolicy it writes for a model with `allowFrom`
// (no checked-in stack sets it, so the stack plans cannot show it).
import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ModelContext, resolveModel } from "../../components/serving/modelConfig";
import { ModelService } from "../../components/serving/modelService";
import { resolveGpuNodePool } from "../../components/gke/gpuNodePool";
import { Any, serially } from "../plans";
import { waitForRPCs } from "../../scripts/harness/recorder";

const none = () => assert.fail("no issue expected");
const pools = [resolveGpuNodePool({ name: "l4-serving", machineType: "g2-standard-24", acceleratorType: "nvidia-l4", purpose: "serving", zones: ["us-central1-a"] }, "us-central1", none)];
const ctx: ModelContext = { dev: false, pools, namespaces: ["ml-serving"] };

/** The inputs of every resource the component registers, by type and name. */
function built(allowFrom: string[] | undefined): Promise<{ type: string; name: string; inputs: Any }[]> {
    return serially(async () => {
        const seen: { type: string; name: string; inputs: Any }[] = [];
        await pulumi.runtime.setMocks({
            newResource: (a) => { seen.push({ type: a.type, name: a.name, inputs: a.inputs }); return { id: `${a.name}-id`, state: { ...a.inputs, name: a.inputs.name ?? a.name } }; },
            call: (a) => a.inputs,
        }, "mlops-platform", "unit", false);
        const m = resolveModel({ name: "fraud-detector", image: "us-docker.pkg.dev/acme/models/fraud-detector:1.4.2", rollout: { strategy: "canary" } }, ctx, none);
        const svc = new ModelService("fraud-detector", {
            model: m, project: "acme-test", serviceAccountId: "fraud-detector-unit", artifactBucket: "artifacts", trackingUri: "http://mlflow",
            mlflowCredentials: "fraud-detector-mlflow-reader", prometheusUrl: "http://prometheus:9090", monitoringNamespace: "monitoring",
            allowFrom, crdsReady: [], k8sProvider: new k8s.Provider("k8s", {}),
            routing: { gatewayNamespace: "model-gateways", internalGateway: "models-internal", proxyOnlyCidr: "10.40.0.0/23", gatewaysReady: [] },
        });
        await new Promise<void>((ok) => pulumi.output(svc.urn).apply(() => ok()));
        await waitForRPCs();
        return seen;
    });
}

describe("ModelService (under mocks)", () => {
    const sources = async (allowFrom?: string[]) => {
        const policies = (await built(allowFrom)).filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "fraud-detector-ingress");
        assert.equal(policies.length, 1);
        assert.equal(policies[0].inputs.spec.ingress.length, 1);
        return policies[0].inputs.spec.ingress[0].from.map((f: Any) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] ?? f.ipBlock.cidr);
    };

    it("admits the monitoring namespace and Google's proxies by default", async () =>
        assert.deepEqual(await sources(), ["monitoring", "10.40.0.0/23", "35.191.0.0/16", "130.211.0.0/22"]));

    it("also admits each namespace the model allows", async () =>
        assert.deepEqual(await sources(["ml-batch", "analytics"]), ["monitoring", "ml-batch", "analytics", "10.40.0.0/23", "35.191.0.0/16", "130.211.0.0/22"]));
});
