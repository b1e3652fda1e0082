import * as assert from "node:assert/strict";
import * as path from "node:path";
import { PlanError } from "../../scripts/harness/runPlan";
import { fromConfigMap, loadStackConfig } from "../../scripts/harness/stackConfig";
import { SECRET, UNKNOWN } from "../../scripts/harness/values";
import { Any, planSerially } from "../plans";

const FIXTURE = path.join(__dirname, "..", "fixtures", "optionsProgram.ts");
const STACK = "urn:pulumi:fixture::mlops-platform::";

describe("plan harness", () => {
    it("records parent, protect (inherited), ignoreChanges, retainOnDelete, deleteBeforeReplace and dependsOn", async () => {
        const plan = await planSerially("fixture", { values: {}, secretKeys: [] }, FIXTURE);
        assert.deepEqual(plan.resources.map((r) => r.urn), [
            `${STACK}pulumi:pulumi:Stack::mlops-platform-fixture`,
            `${STACK}test:fixture:Group$gcp:serviceaccount/account:Account::sa`,
            `${STACK}test:fixture:Group$gcp:storage/bucket:Bucket::bucket`,
            `${STACK}test:fixture:Group::group`,
        ], "URNs as the engine makes them: ancestors' types qualify a type, the stack's does not");
        const [stack, sa, bucket, group] = plan.resources as (typeof plan.resources[number] & { inputs: Any })[];
        assert.equal(stack.parent, null);
        assert.equal(group.parent, stack.urn);
        assert.equal(group.custom, false);
        assert.equal(sa.parent, group.urn);
        assert.equal(sa.protect, true, "protect is inherited from the parent component");
        assert.equal(sa.inputs.accountId, "fixture-sa");
        assert.equal(bucket.protect, true);
        assert.deepEqual(bucket.ignoreChanges, ["labels"]);
        assert.equal(bucket.retainOnDelete, true);
        assert.equal(bucket.deleteBeforeReplace, true);
        assert.deepEqual(bucket.dependsOn, [sa.urn]);
        assert.ok(bucket.additionalSecretOutputs.includes("location"), "ours, next to those the gcp SDK adds");
        assert.equal(bucket.provider, null, "default provider");
        assert.deepEqual(bucket.inputs.labels, { owner: SECRET }, "the secret leaf is masked");
    });

    it("masks secrets (including additionalSecretOutputs), marks unknowns, and autonames stably", async () => {
        const plan = await planSerially("fixture", { values: {}, secretKeys: [] }, FIXTURE);
        const again = await planSerially("fixture", { values: {}, secretKeys: [] }, FIXTURE);
        const { bucketName, ...rest } = plan.outputs;
        assert.deepEqual(rest, { bucketLocation: SECRET, email: UNKNOWN, token: SECRET });
        assert.match(String(bucketName), /^bucket-[0-9a-f]{7}$/, "Pulumi's autoname: logical name and a suffix");
        assert.deepEqual(again.resources, plan.resources, "the same program plans the same resources, byte for byte");
        assert.ok(!JSON.stringify(plan).includes("not-for-the-plan"));
        assert.ok(!JSON.stringify(plan).includes("alice"));
    });

    it("fails on bad configuration with the config message, after registering nothing but the stack", async () => {
        const config = loadStackConfig("dev");
        (config.values["mlops-platform:gpuNodePools"] as Any[])[0].maxNodes = 0;
        const err = await planSerially("dev", config).then(() => undefined, (e) => e);
        assert.ok(err instanceof PlanError);
        assert.match(err.message, /mlops-platform:gpuNodePools\[0\]\.maxNodes: got 0; must be an integer from 1 to 1000/);
        assert.deepEqual(err.resources.map((r) => r.type), ["pulumi:pulumi:Stack"]);
    });

    it("treats `secure:` config values as secret placeholders", async () => {
        const c = fromConfigMap({ "a:plain": 1, "a:nested": { hook: { secure: "v1:abc" }, channel: "#ml" } });
        assert.deepEqual(c.secretKeys, ["a:nested"]);
        assert.deepEqual(c.values["a:nested"], { hook: "offline-placeholder-for-a:nested", channel: "#ml" });
    });
});
