import * as assert from "node:assert/strict";
import { ConfigError, ConfigIssue, show } from "../lib/errors";
import { RawConfig, parsePlatformConfig } from "../stack/platform";
import { resolveGpuNodePool } from "../components/gke/gpuNodePool";
import { ModelContext } from "../components/serving/modelConfig";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, loadStackConfig } from "../scripts/harness/stackConfig";

/** A deep copy of a checked-in stack's config values, to change one field at a time. */
export function stackValues(stack: "dev" | "prod"): RawConfig {
    return structuredClone(loadStackConfig(stack).values);
}

/** Parses `raw` and returns the ConfigError's issues; fails the test when parsing succeeds. */
export function configIssues(raw: RawConfig, stack = "test"): ConfigIssue[] {
    try {
        parsePlatformConfig(raw, stack);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e.issues;
    }
    assert.fail("expected the configuration to be rejected");
}

/** Asserts that exactly one issue names `key`, and that the error message shows the value and matches `allowed`. */
export function assertRejected(raw: RawConfig, key: string, value: unknown, allowed: RegExp): void {
    const issues = configIssues(raw);
    const hits = issues.filter((i) => i.key === key);
    assert.equal(hits.length, 1, `expected one issue for ${key}, got: ${JSON.stringify(issues, null, 1)}`);
    assert.deepEqual(hits[0].value, value);
    assert.match(hits[0].message, allowed);
    const err = new ConfigError("stack configuration", issues);
    assert.ok(err.message.includes(`${key}: got ${show(value)}`), err.message);
}

/** What `npm run plan` printed and its exit code; `runId` is in the environment of every process it started. */
export interface PlanRun { code: number; stdout: string; stderr: string; runId: string }

/** Runs the plan CLI as `npm run plan` does (scripts/launch.js scripts/plan.ts with `args`), from the project root. */
export function runPlanCli(args: string[]): Promise<PlanRun> {
    const runId = `plan-cli-${process.pid}-${++planCliRuns}`;
    return new Promise((resolve) => {
        execFile(process.execPath, [path.join(ROOT, "scripts", "launch.js"), "scripts/plan.ts", ...args], { cwd: ROOT, env: { ...process.env, MLOPS_TEST_RUN: runId } }, (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr, runId }));
    });
}
let planCliRuns = 0;

/** Processes still running that a plan CLI run started (Linux: read from /proc). */
export function processesLeftBy(run: PlanRun): string[] {
    const left: string[] = [];
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        try {
            if (fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`MLOPS_TEST_RUN=${run.runId}`)) {
                left.push(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim());
            }
        } catch {
            // gone meanwhile, or not ours to read
        }
    }
    return left;
}

/** The model resolver's context in unit tests: prod, an L4 serving pool and an A100 training pool, one namespace. */
export function modelTestContext(): ModelContext {
    const none = () => assert.fail("no issue expected");
    const pools = [
        resolveGpuNodePool({ name: "l4-serving", machineType: "g2-standard-24", acceleratorType: "nvidia-l4", purpose: "serving", zones: ["us-central1-a"] }, "us-central1", none),
        resolveGpuNodePool({ name: "a100-training", machineType: "a2-highgpu-1g", acceleratorType: "nvidia-tesla-a100", purpose: "training", zones: ["us-central1-a"] }, "us-central1", none),
    ];
    return { dev: false, pools, namespaces: ["ml-serving"] };
}
