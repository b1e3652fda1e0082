import * as assert from "node:assert/strict";
import { diffPlans, diffValues, formatDiff } from "../../scripts/harness/diff";
import { loadStackConfig } from "../../scripts/harness/stackConfig";
import { Any, planOf, planSerially } from "../plans";

describe("offline plan diff", () => {
    it("reports leaf changes with their paths", () => {
        assert.deepEqual(diffValues({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 3] } }, "x"), [
            { path: "x.a.b", before: 1, after: 2 },
            { path: "x.a.c[1]", before: 2, after: 3 },
        ]);
        assert.deepEqual(diffValues({ a: 1 }, { a: 1 }, "x"), []);
    });

    it("two plans that differ in one GPU pool's maxNodes differ in exactly that", async () => {
        const before = await planOf("prod");
        const config = loadStackConfig("prod");
        (config.values["mlops-platform:gpuNodePools"] as Any[])[0].maxNodes = 12;
        const after = await planSerially("prod", config);
        const d = diffPlans(before, after);
        assert.deepEqual([d.added.length, d.removed.length], [0, 0]);
        assert.deepEqual(d.changed.map((c) => [c.record.type, c.record.name, c.changes]), [
            ["gcp:container/nodePool:NodePool", "l4-serving", [{ path: "inputs.autoscaling.totalMaxNodeCount", before: 8, after: 12 }]],
        ]);
        assert.deepEqual(d.outputs, [{ path: "outputs.gpuNodePools[0].maxNodes", before: 8, after: 12 }]);
        assert.equal(formatDiff(d, "base"), [
            "Changes against base: 0 to add, 1 to change, 0 to delete, 1 output change(s).",
            "  ~ gcp:container/nodePool:NodePool l4-serving",
            "      inputs.autoscaling.totalMaxNodeCount: 8 => 12",
            "  output gpuNodePools[0].maxNodes: 8 => 12",
        ].join("\n"));
    });

    it("lists added and removed resources, and warns when a removed one is protected", async () => {
        const plan = await planOf("prod");
        const bucket = plan.resources.find((r) => r.type === "gcp:storage/bucket:Bucket")!;
        const d = diffPlans(plan, { ...plan, resources: plan.resources.filter((r) => r !== bucket) });
        assert.deepEqual(d.removed.map((r) => r.urn), [bucket.urn]);
        assert.match(formatDiff(d, "b"), /- gcp:storage\/bucket:Bucket mlflow-\w+-bucket \(protected: the delete will fail until unprotected\)/);
        assert.deepEqual(diffPlans({ ...plan, resources: [] }, plan).added.length, plan.resources.length);
    });
});
