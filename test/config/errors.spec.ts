import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigIssue, formatIssue, reporter, resolveOrThrow, show, throwIfIssues } from "../../lib/errors";

describe("config errors", () => {
    it("show: strings quoted, missing values named, other values as JSON, symbols as text", () => {
        assert.equal(show(undefined), "nothing");
        assert.equal(show("eu"), '"eu"');
        assert.equal(show(""), '""');
        assert.equal(show(3), "3");
        assert.equal(show(null), "null");
        assert.equal(show({ a: [1, "b"] }), '{"a":[1,"b"]}');
        // JSON.stringify gives undefined for a symbol: String() names it instead.
        assert.equal(show(Symbol("s")), "Symbol(s)");
    });

    it("show: cuts a value longer than 80 characters to 77 and an ellipsis, keeps exactly 80", () => {
        assert.equal(show("x".repeat(78)), `"${"x".repeat(78)}"`);
        assert.equal(show("x".repeat(78)).length, 80);
        assert.equal(show("y".repeat(79)), `"${"y".repeat(76)}...`);
        assert.equal(show("y".repeat(79)).length, 80);
    });

    it("formatIssue: with a value says what it got, without one only the key and message", () => {
        assert.equal(formatIssue({ key: "mlops-platform:region", value: "mars", message: "must be a region" }),
            'mlops-platform:region: got "mars"; must be a region');
        assert.equal(formatIssue({ key: "mlops-platform:region", value: undefined, message: "is required" }),
            "mlops-platform:region: got nothing; is required");
        assert.equal(formatIssue({ key: "mlops-platform:project", message: "is required" }), "mlops-platform:project: is required");
    });

    it("ConfigError: one line per issue under a count, a RunError named ConfigError", () => {
        const one = new ConfigError("stack configuration", [{ key: "a", message: "is required" }]);
        assert.equal(one.message, "Invalid stack configuration (1 problem):\n  - a: is required");
        const two = new ConfigError("x", [{ key: "a", message: "m" }, { key: "b", value: 2, message: "n" }]);
        assert.equal(two.message, "Invalid x (2 problems):\n  - a: m\n  - b: got 2; n");
        assert.equal(two.name, "ConfigError");
        assert.ok(two instanceof pulumi.RunError);
        assert.deepEqual([two.where, two.issues.length], ["x", 2]);
    });

    it("throwIfIssues throws only with issues", () => {
        assert.doesNotThrow(() => throwIfIssues("x", []));
        assert.throws(() => throwIfIssues("x", [{ key: "k", message: "m" }]), (e: unknown) => e instanceof ConfigError && e.issues.length === 1);
    });

    it("reporter: keys under the prefix, a value only when one was passed (even undefined)", () => {
        const issues: ConfigIssue[] = [];
        const report = reporter(issues, "mlops-platform:gpuNodePools[0]");
        report("maxNodes", "must be at least 1", 0);
        report("", "must be an object", "x");
        report("name", "is required");
        report("zone", "is unknown", undefined);
        assert.equal(issues.length, 4);
        assert.deepEqual(issues[0], { key: "mlops-platform:gpuNodePools[0].maxNodes", value: 0, message: "must be at least 1" });
        assert.deepEqual(issues[1], { key: "mlops-platform:gpuNodePools[0]", value: "x", message: "must be an object" });
        assert.deepEqual(issues[2], { key: "mlops-platform:gpuNodePools[0].name", message: "is required" });
        assert.ok(!("value" in issues[2]));
        assert.ok("value" in issues[3]);
    });

    it("resolveOrThrow returns the value, or throws every reported issue at once", () => {
        assert.equal(resolveOrThrow("GpuNodePool", () => 7), 7);
        assert.throws(() => resolveOrThrow("GpuNodePool", (r) => { r("a", "bad", 1); r("b", "worse"); return 0; }), (e: unknown) => {
            assert.ok(e instanceof ConfigError);
            assert.equal(e.message, "Invalid arguments to GpuNodePool (2 problems):\n  - GpuNodePool.a: got 1; bad\n  - GpuNodePool.b: worse");
            return true;
        });
    });
});
