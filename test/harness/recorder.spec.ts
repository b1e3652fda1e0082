import * as assert from "node:assert/strict";
import * as path from "node:path";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ResourceRecord, wireStruct, withInProcessStructs } from "../../scripts/harness/recorder";
import { echoAllMocks, mockState } from "../../scripts/harness/mocks";
import { PlanError, runPlan } from "../../scripts/harness/runPlan";
import { fromConfigMap, loadStackConfig } from "../../scripts/harness/stackConfig";
import { SECRET, UNKNOWN, WIRE_UNKNOWN as UNKNOWN_WIRE } from "../../scripts/harness/values";
import { Any, planOf, planSerially, serially } from "../plans";

const FIXTURE = path.join(__dirname, "..", "fixtures", "optionsProgram.ts");
const THROWING = path.join(__dirname, "..", "fixtures", "throwingProgram.ts");
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

    describe("how plans run", () => {
        it("hands each record over as the resource registers, equal to the plan's record of it", async () => {
            const streamed: ResourceRecord[] = [];
            const plan = await serially(() => runPlan("fixture", { values: {}, secretKeys: [] }, { program: FIXTURE, onRecord: (r) => streamed.push(r) }));
            assert.equal(streamed.length, 4);
            assert.deepEqual(streamed.map((r) => r.urn), [
                `${STACK}pulumi:pulumi:Stack::mlops-platform-fixture`,
                `${STACK}test:fixture:Group::group`,
                `${STACK}test:fixture:Group$gcp:serviceaccount/account:Account::sa`,
                `${STACK}test:fixture:Group$gcp:storage/bucket:Bucket::bucket`,
            ], "in registration order, with the engine's URNs");
            assert.deepEqual([...streamed].sort((a, b) => (a.urn < b.urn ? -1 : 1)), plan.resources);
        });

        it("a rerun forgets the program it ran before, so plan after plan in one process does not keep every plan", async () => {
            const loaded = () => Object.values(require.cache).flatMap((m) => m!.children.filter((c) => c.filename === FIXTURE));
            await serially(() => runPlan("fixture", { values: {}, secretKeys: [] }, { program: FIXTURE }));
            const [first] = loaded();
            await serially(() => runPlan("fixture", { values: {}, secretKeys: [] }, { program: FIXTURE }));
            const now = loaded();
            assert.equal(now.length, 1, "only the last run's module is anyone's child");
            assert.notEqual(now[0], first);
            assert.deepEqual(first.exports, {}, "and the first one's exports (the plan its closures hold) are dropped");
        });

        it("with stack traces off, an error of the program's own still has its whole trace, and the limit is restored", async () => {
            const limit = Error.stackTraceLimit;
            const error = await serially(() => runPlan("fixture", { values: {}, secretKeys: [] }, { program: THROWING, stackTraces: false })).then(
                () => assert.fail("the program throws"), (e: unknown) => e);
            assert.ok(error instanceof PlanError);
            assert.ok(error.cause instanceof TypeError);
            assert.equal(error.cause.message, "a helper of the program failed");
            assert.match(String(error.cause.stack), /at nestedHelper \(.*throwingProgram\.ts/);
            assert.equal(Error.stackTraceLimit, limit);
        });

        it("the mock answers a Kubernetes object with its identity, and every other resource with all its inputs", () => {
            const inputs = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "ml" }, spec: { replicas: 2 } };
            assert.deepEqual(mockState({ type: "kubernetes:apps/v1:Deployment", name: "web", inputs }), { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "ml" } });
            assert.deepEqual(mockState({ type: "kubernetes:helm.sh/v3:Release", name: "kueue", inputs: { chart: "kueue", values: { a: 1 } } }).values, { a: 1 });
            assert.deepEqual(mockState({ type: "gcp:storage/bucket:Bucket", name: "b", inputs: { name: "b", labels: { team: "ml" } } }), { name: "b", labels: { team: "ml" }, url: UNKNOWN_WIRE, selfLink: UNKNOWN_WIRE });
        });

        it("echoing every input of every Kubernetes object, as a preview does, gives the same prod plan", async function () {
            this.timeout(300_000);
            const narrow = await planOf("prod");
            const echoed = await serially(() => runPlan("prod", loadStackConfig("prod"), { stackTraces: false, mocks: echoAllMocks }));
            assert.equal(echoed.resources.length, narrow.resources.length);
            assert.deepEqual(echoed.resources, narrow.resources);
            assert.deepEqual(echoed.outputs, narrow.outputs);
        });

        it("builds Structs in-process only while a plan runs, and refuses to serialize one", async () => {
            const inside = await withInProcessStructs(async () => Struct.fromJavaScript({ a: 1 }));
            assert.deepEqual(inside.toJavaScript(), { a: 1 });
            assert.throws(() => inside.serializeBinary(), /an in-process Struct of the offline plan reached a protobuf serializer/);
            const outside = Struct.fromJavaScript({ a: 1 });
            assert.deepEqual(Struct.deserializeBinary(outside.serializeBinary()).toJavaScript(), { a: 1 });
        });

        it("builds a Struct for the wire (the policy pack's requests) also while a plan runs, nested values included", async () => {
            const value = { a: 1, nested: { list: [{ b: "x" }, 2], empty: {} } };
            const [wire, inside] = await withInProcessStructs(async () => [wireStruct(value), Struct.fromJavaScript(value)]);
            assert.deepEqual(Struct.deserializeBinary(wire.serializeBinary()).toJavaScript(), value);
            // The plan's own Structs stay in-process around it.
            assert.throws(() => inside.serializeBinary(), /reached a protobuf serializer/);
        });
    });
});
