// `npm run plan` given a malformed command line or stack file: a one-line error naming what is wrong (and
// where), no stack trace, nothing written. Both fail before the program runs, so these runs are quick.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { processesLeftBy, runPlanCli } from "../helpers";

const plan = runPlanCli;

describe("npm run plan, bad input", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-plan-input-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    // Each run loads the whole harness before parsing its arguments: on a busy 2-core machine that takes a while.
    it("a flag without its value is a usage error (exit 2)", async function () {
        this.timeout(180_000);
        const [run, next, unknown] = await Promise.all([
            plan(["prod", "--out"]),
            plan(["prod", "--config-file", "--out", path.join(tmp, "x")]),
            plan(["prod", "--outdir", path.join(tmp, "x")]),
        ]);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /^error: --out needs a value\nusage: npm run plan -- <stack> \[--out <dir>\] \[--config-file <file>\] \[--diff <dir>\]; stacks: dev, prod\n$/);
        assert.equal(next.code, 2);
        assert.match(next.stderr, /^error: --config-file needs a value\n/);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /^error: unknown option --outdir\n/);
        assert.equal(fs.existsSync(path.join(tmp, "x")), false, "nothing written");
        // The policy pack's process starts before the arguments are read: it ends with the command.
        assert.deepEqual([run, next, unknown].flatMap(processesLeftBy), []);
    });

    it("a YAML syntax error names the file, line and column, without a stack trace", async function () {
        this.timeout(180_000);
        const file = path.join(tmp, "Pulumi.broken.yaml");
        fs.writeFileSync(file, "config:\n  gcp:project: acme-mlops-dev\n  mlops-platform:cluster: { regional: false\n  gcp:region: us-central1\n");
        const run = await plan(["dev", "--config-file", file, "--out", path.join(tmp, "out")]);
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /^error: \S*Pulumi\.broken\.yaml:\d+:\d+: YAML syntax error: /);
        const [, line] = /Pulumi\.broken\.yaml:(\d+):/.exec(run.stderr)!;
        assert.ok(Number(line) >= 3 && Number(line) <= 5, `line ${line} is where the flow map breaks`);
        assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
        assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
        assert.equal(fs.existsSync(path.join(tmp, "out")), false, "nothing written");
    });

    it("a stack file whose config is not a map is named, not crashed on", async function () {
        this.timeout(180_000);
        const file = path.join(tmp, "Pulumi.list.yaml");
        fs.writeFileSync(file, "config:\n  - gcp:project\n");
        const run = await plan(["dev", "--config-file", file]);
        assert.equal(run.code, 1);
        assert.match(run.stderr, /^error: \S*Pulumi\.list\.yaml: must be a map with a `config:` map of keys \(such as gcp:project\) to values\n$/);
    });
});
