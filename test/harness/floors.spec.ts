// The bench's floors must register what the plan registers, or its ratios compare different work.
import * as assert from "node:assert/strict";
import { floor, inputsFloor, shapeOf } from "../../scripts/harness/floors";
import { startRecording } from "../../scripts/harness/recorder";
import { withPlanRuntime } from "../../scripts/harness/runPlan";
import { Any, planOf, serially } from "../plans";

describe("bench floors", function () {
    this.timeout(300_000);

    it("the floor registers as many resources of each type as the plan, with trivial inputs", async () => {
        const plan = await planOf("dev");
        const shape = shapeOf(plan.resources);
        assert.equal(Object.values(shape).reduce((a, b) => a + b, 0), plan.resources.length - 1, "every resource but the stack");
        const read = await serially(() => withPlanRuntime(async () => {
            const read = startRecording();
            assert.equal(await floor("dev", shape), plan.resources.length);
            return read;
        }));
        const recorded = [...read().resources.values()];
        // The floor's own Kubernetes provider stands for the plan's one.
        assert.deepEqual(shapeOf(recorded), shape);
        const policy = recorded.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")!;
        assert.deepEqual(Object.keys(policy.inputs as Any).sort(), ["apiVersion", "kind", "metadata"]);
    });

    it("the inputs floor registers each resource of the plan with the inputs the plan sent", async () => {
        const plan = await planOf("dev");
        const read = await serially(() => withPlanRuntime(async () => {
            const read = startRecording();
            await inputsFloor("dev", plan.resources);
            return read;
        }));
        const recorded = [...read().resources.values()];
        assert.equal(recorded.length, plan.resources.length);
        assert.deepEqual(shapeOf(recorded), shapeOf(plan.resources));
        // Flat: no parents but the stack, and the same inputs, type by type (the floor's own Kubernetes provider
        // stands for the plan's).
        assert.ok(recorded.every((r) => r.parent === null || r.parent.endsWith("::pulumi:pulumi:Stack::mlops-platform-dev")));
        const types = [...new Set(plan.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).map((r) => r.type))];
        assert.ok(types.length > 40, `${types.length} types`);
        const inputs = (rs: typeof recorded, type: string) => rs.filter((r) => r.type === type).map((r) => JSON.stringify(r.inputs)).sort();
        for (const type of types) assert.deepEqual(inputs(recorded, type), inputs(plan.resources, type), type);
    });
});
