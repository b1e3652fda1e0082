// A promotion is a version bump in stack config (npm run promote); its offline diff is exactly one changed
// Rollout, whose pod template's MODEL_URI moves to the new version.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diffPlans, formatDiff } from "../../scripts/harness/diff";
import { readPlan, writePlan } from "../../scripts/harness/output";
import { ROOT, loadStackConfig, stackFile } from "../../scripts/harness/stackConfig";
import { PromoteError, promoteVersion } from "../../scripts/promote";
import { planOf, planSerially } from "../plans";

const PROD = fs.readFileSync(stackFile("prod"), "utf8");

describe("npm run promote: the version bump", () => {
    it("changes exactly the model's version line, keeping comments and flow-style maps", () => {
        const p = promoteVersion(PROD, "fraud-detector", 13);
        assert.deepEqual([p.from, p.to], [12, 13]);
        const before = PROD.split("\n");
        const after = p.text.split("\n");
        assert.equal(after.length, before.length);
        const changed = before.map((l, i) => [l, after[i]]).filter(([a, b]) => a !== b);
        assert.deepEqual(changed, [["      version: 12", "      version: 13"]]);
    });

    it("pins a first version under the entry's name, for a model that followed an alias", () => {
        const p = promoteVersion(PROD, "recommender", 4);
        assert.equal(p.from, undefined);
        assert.ok(p.text.includes("    - name: recommender\n      version: 4\n      namespace: ml-serving\n"));
        assert.deepEqual((loadConfigText(p.text)["mlops-platform:models"] as { name: string; version?: number }[]).find((m) => m.name === "recommender")!.version, 4);
    });

    it("refuses an unknown model, a version that is not above the pinned one, and a non-version", () => {
        assert.throws(() => promoteVersion(PROD, "fraud-detecter", 13), (e: Error) => e instanceof PromoteError && /no model "fraud-detecter" in mlops-platform:models; models: fraud-detector, churn-predictor, ranker, price-elasticity, recommender/.test(e.message));
        assert.throws(() => promoteVersion(PROD, "fraud-detector", 12), /fraud-detector already serves version 12: a promotion moves to a newer version \(got 12\)/);
        assert.throws(() => promoteVersion(PROD, "churn-predictor", 30), /already serves version 31/);
        assert.throws(() => promoteVersion(PROD, "ranker", 0), /whole number from 1/);
        assert.throws(() => promoteVersion(PROD, "ranker", Number.NaN), /whole number from 1/);
    });

    it("refuses a model served from an explicit modelUri", () => {
        const text = PROD.replace("    - name: price-elasticity\n", "    - name: price-elasticity\n      modelUri: models:/pricing/3\n");
        assert.throws(() => promoteVersion(text, "price-elasticity", 4), /served from modelUri "models:\/pricing\/3": remove it and pin a version/);
    });

    it("as a command: refuses an unknown stack and a stale version with exit codes, and changes nothing", async function () {
        this.timeout(60_000);
        const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
        const cli = (args: string[]) => new Promise<{ code: number; stderr: string }>((ok) => execFile(tsx, [path.join(ROOT, "scripts", "promote.ts"), ...args], { cwd: ROOT }, (err, _o, stderr) =>
            ok({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stderr })));
        const [stack, stale, usage] = await Promise.all([cli(["staging", "fraud-detector", "13"]), cli(["prod", "fraud-detector", "11"]), cli(["prod", "fraud-detector"])]);
        assert.deepEqual([stack.code, stale.code, usage.code], [2, 1, 2]);
        assert.match(stack.stderr, /error: no stack "staging"; stacks: dev, prod/);
        assert.match(stale.stderr, /error: fraud-detector already serves version 12/);
        assert.match(usage.stderr, /usage: npm run promote -- <stack> <model> <version>/);
        assert.equal(fs.readFileSync(stackFile("prod"), "utf8"), PROD);
    });
});

function loadConfigText(text: string): Record<string, unknown> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promote-"));
    try {
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), text);
        return loadStackConfig("prod", path.join(dir, "Pulumi.prod.yaml")).values;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("a promotion's offline diff (Done when: one changed Rollout revision)", function () {
    this.timeout(240_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promote-diff-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("fraud-detector 12 -> 13 changes one resource: the Rollout's pod template MODEL_URI, nothing else", async () => {
        // As the promote workflow does: plan, bump a copy of the stack file, plan it (--config-file), diff (--diff).
        writePlan(await planOf("prod"), path.join(dir, "before"));
        const file = path.join(dir, "Pulumi.prod.yaml");
        fs.writeFileSync(file, promoteVersion(PROD, "fraud-detector", 13).text);
        const after = await planSerially("prod", loadStackConfig("prod", file));
        const d = diffPlans(readPlan(path.join(dir, "before")), after);
        assert.deepEqual([d.added.length, d.removed.length, d.outputs.length], [0, 0, 0]);
        assert.deepEqual(d.changed.map((c) => [c.record.type, c.record.name, c.changes]), [
            ["kubernetes:argoproj.io/v1alpha1:Rollout", "fraud-detector-rollout", [
                { path: "inputs.spec.template.spec.containers[0].env[3].value", before: "models:/fraud-detector/12", after: "models:/fraud-detector/13" },
            ]],
        ]);
        // The release reads the candidate's version from exactly that field: the changed line is what is checked.
        const steps = (d.changed[0].record.inputs as { spec: { strategy: { canary: { steps: { analysis?: { args?: { valueFrom?: { fieldRef?: { fieldPath: string } } }[] } }[] } } } }).spec.strategy.canary.steps;
        assert.equal(steps[0].analysis!.args![0].valueFrom!.fieldRef!.fieldPath, "spec.template.spec.containers[0].env[3].value");
        assert.equal(formatDiff(d, "before"), [
            "Changes against before: 0 to add, 1 to change, 0 to delete.",
            "  ~ kubernetes:argoproj.io/v1alpha1:Rollout fraud-detector-rollout",
            '      inputs.spec.template.spec.containers[0].env[3].value: "models:/fraud-detector/12" => "models:/fraud-detector/13"',
        ].join("\n"));
    });
});
