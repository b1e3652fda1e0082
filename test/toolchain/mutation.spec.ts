// Mutation testing's setup: which files Stryker mutates, which specs it runs, how `npm run mutate` picks files,
// and how the workflow's summary reads Stryker's JSON report.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadStrykerLists, mutateTargets } from "../../scripts/mutation/targets";
import { MutationReport, fileScores, scoreOf, summaryMarkdown } from "../../scripts/mutation/summary";
import { ROOT } from "../../scripts/harness/stackConfig";

const CONFIGURED = ["components/serving/manifests.ts", "components/serving/routing.ts", "lib/errors.ts"];

describe("mutation testing", () => {
    let lists: { MUTATED_FILES: string[]; UNIT_SPECS: string[] };
    before(async () => { lists = await loadStrykerLists(); });

    it("mutates the pure builders and config parsing named in issue 16", () => assert.deepEqual(lists.MUTATED_FILES, [
        "components/serving/manifests.ts", "components/serving/routing.ts", "components/namespaces/manifests.ts",
        "components/scheduling/kueueObjects.ts", "components/scheduling/batchPlan.ts", "lib/validate.ts", "lib/errors.ts",
    ]));

    it("runs only unit specs: none plans a stack, runs the policy pack or spawns a tool", () => {
        const specs = lists.UNIT_SPECS.flatMap((s) => s.includes("*")
            ? fs.readdirSync(path.join(ROOT, path.dirname(s))).filter((f) => f.endsWith(".spec.ts")).map((f) => `${path.dirname(s)}/${f}`)
            : [s]);
        assert.equal(specs.length, 14);
        for (const s of specs) {
            assert.doesNotMatch(s, /^test\/(stacks|policies|engines|harness)\//, s);
            assert.doesNotMatch(fs.readFileSync(path.join(ROOT, s), "utf8"), /\b(planOf|bothPlans|planSerially|runPlan|serially|spawnSync|execFile)\b/, s);
        }
    });

    it("the TypeScript checker's tsconfig holds exactly the mutated files", () => {
        const ts = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.stryker.json"), "utf8")) as { extends: string; include: string[] };
        assert.deepEqual([ts.extends, ts.include], ["./tsconfig.json", lists.MUTATED_FILES]);
    });

    it("the installed mocha has the CLI files the Stryker mocha runner requires (mocha 12 renamed them .cjs)", () => {
        const mochaRoot = path.dirname(require.resolve("mocha/package.json"));
        for (const f of ["run-helpers", "options", "collect-files"]) assert.ok(fs.existsSync(path.join(mochaRoot, "lib", "cli", `${f}.js`)), f);
    });

    describe("npm run mutate -- <paths>", () => {
        it("a folder selects the configured files under it, in configured order", () =>
            assert.deepEqual(mutateTargets(["components/serving/"], CONFIGURED), ["components/serving/manifests.ts", "components/serving/routing.ts"]));
        it("a configured file selects itself, once", () =>
            assert.deepEqual(mutateTargets(["./lib/errors.ts", "lib"], CONFIGURED), ["lib/errors.ts"]));
        it("a path outside the set is mutated as given", () =>
            assert.deepEqual(mutateTargets(["components/gke", "lib/naming.ts"], CONFIGURED), ["components/gke/**/*.ts", "lib/naming.ts"]));
        it("a folder name is not a prefix match of a file", () =>
            assert.deepEqual(mutateTargets(["components/serv"], CONFIGURED), ["components/serv/**/*.ts"]));
        it("anything else is an error", () => assert.throws(() => mutateTargets(["README.md"], CONFIGURED), /README\.md: not a TypeScript file or folder/));
    });

    describe("the workflow's summary", () => {
        const mutant = (id: string, status: string, line: number, replacement?: string) =>
            ({ id, mutatorName: "EqualityOperator", status, location: { start: { line, column: 3 } }, ...(replacement ? { replacement } : {}) });
        const report = {
            files: {
                "lib/validate.ts": { mutants: [
                    mutant("1", "Killed", 4), mutant("2", "Killed", 5), mutant("3", "Timeout", 6), mutant("4", "Survived", 9, "a  >\n b"),
                    mutant("5", "CompileError", 10), mutant("6", "Ignored", 11), mutant("7", "NoCoverage", 2),
                ] },
                "lib/errors.ts": { mutants: [mutant("8", "Killed", 1), mutant("9", "RuntimeError", 2)] },
            },
        } as MutationReport;

        it("scores like Stryker: (killed + timeout) / (killed + timeout + survived + no coverage)", () => {
            assert.equal(scoreOf({ killed: 2, timeout: 1, survived: 1, noCoverage: 1 }), 60);
            assert.equal(scoreOf({ killed: 0, timeout: 0, survived: 0, noCoverage: 0 }), undefined);
        });

        it("counts per file, sorted, then all files", () => assert.deepEqual(fileScores(report), [
            { file: "lib/errors.ts", killed: 1, timeout: 0, survived: 0, noCoverage: 0, score: 100 },
            { file: "lib/validate.ts", killed: 2, timeout: 1, survived: 1, noCoverage: 1, score: 60 },
            { file: "all files", killed: 3, timeout: 1, survived: 1, noCoverage: 1, score: (4 / 6) * 100 },
        ]));

        it("lists the undetected mutants by file and line", () => assert.equal(summaryMarkdown(report), [
            "## Mutation score", "",
            "| file | score | killed | timeout | survived | no coverage |", "|---|---:|---:|---:|---:|---:|",
            "| lib/errors.ts | 100.00 % | 1 | 0 | 0 | 0 |",
            "| lib/validate.ts | 60.00 % | 2 | 1 | 1 | 1 |",
            "| all files | 66.67 % | 3 | 1 | 1 | 1 |",
            "", "## Surviving mutants (2)", "",
            "- lib/validate.ts:2:3 EqualityOperator (NoCoverage)",
            "- lib/validate.ts:9:3 EqualityOperator (Survived): `a > b`",
        ].join("\n") + "\n"));
    });
});
