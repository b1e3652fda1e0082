import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { decodeStructsOnce } from "../../policies/decodeOnce";
import { buildPack } from "../../scripts/harness/packProcess";

// What @pulumi/policy's server runs on a request's properties for every policy (internal to the package).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const { deserializeProperties } = require("@pulumi/policy/deserialize") as { deserializeProperties(s: Struct, proxySecrets: boolean): any };

describe("policy pack: each request's properties decoded once", () => {
    // A subclass, so the patch stays off the Struct every other test uses.
    class CountingStruct extends Struct {
        static decodes = 0;
        override toJavaScript() {
            CountingStruct.decodes++;
            return super.toJavaScript();
        }
    }
    class OnceStruct extends CountingStruct {}
    decodeStructsOnce(OnceStruct);

    type Value = Parameters<typeof Struct.fromJavaScript>[0];
    /** A Struct as decoded from a request, of the given class. */
    const received = <T extends typeof Struct>(cls: T, value: Value): InstanceType<T> => Object.setPrototypeOf(Struct.fromJavaScript(value), cls.prototype);

    it("converts a Struct once and answers every later call with the same value", () => {
        CountingStruct.decodes = 0;
        const a = received(OnceStruct, { spec: { replicas: 2, labels: { team: "ml" } } });
        const first = a.toJavaScript();
        assert.deepEqual(first, { spec: { replicas: 2, labels: { team: "ml" } } });
        assert.equal(a.toJavaScript(), first);
        assert.equal(a.toJavaScript(), first);
        assert.equal(CountingStruct.decodes, 1);
    });

    it("keeps each Struct's own value", () => {
        CountingStruct.decodes = 0;
        const a = received(OnceStruct, { name: "a" });
        const b = received(OnceStruct, { name: "b" });
        assert.deepEqual([a.toJavaScript(), b.toJavaScript(), a.toJavaScript()], [{ name: "a" }, { name: "b" }, { name: "a" }]);
        assert.equal(CountingStruct.decodes, 2);
    });

    it("leaves the class it was not given alone", () => {
        CountingStruct.decodes = 0;
        const s = received(CountingStruct, { x: 1 });
        s.toJavaScript();
        s.toJavaScript();
        assert.equal(CountingStruct.decodes, 2);
        assert.notEqual(Struct.prototype.toJavaScript.name, "toJavaScriptOnce");
    });

    it("@pulumi/policy still gives each policy its own copy of the one decoded value", () => {
        CountingStruct.decodes = 0;
        const s = received(OnceStruct, { spec: { ports: [{ port: 443 }] } });
        const first = deserializeProperties(s, false);
        first.spec.ports[0].port = 80;
        first.spec.extra = true;
        assert.deepEqual(deserializeProperties(s, false), { spec: { ports: [{ port: 443 }] } });
        assert.equal(CountingStruct.decodes, 1);
    });

    it("the served pack converts the Structs @pulumi/policy decodes once", async function () {
        this.timeout(120_000);
        const packDir = await buildPack();
        // The pack's bundle loaded as run-policy-pack loads it, without serving; then the Struct class that
        // @pulumi/policy's own modules resolve.
        const script = `
            const path = require("node:path");
            const policyDir = path.dirname(require.resolve("@pulumi/policy", { paths: [${JSON.stringify(packDir)}] }));
            require(path.join(policyDir, "server.js")).serve = () => undefined;
            require(${JSON.stringify(`${packDir}/index.js`)});
            const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [policyDir] }));
            process.stdout.write(Struct.prototype.toJavaScript.name);`;
        assert.equal(execFileSync(process.execPath, ["-e", script], { cwd: packDir, encoding: "utf8" }), "toJavaScriptOnce");
    });
});
