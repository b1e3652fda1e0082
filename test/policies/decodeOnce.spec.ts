import * as assert from "node:assert/strict";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { decodeStructsOnce } from "../../policies/decodeOnce";

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
});
