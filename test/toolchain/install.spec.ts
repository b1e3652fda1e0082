// The install and toolchain contract: which dependencies may run install scripts, and that every npm script stops
// at once, with the fix, when it is not running on Node 22.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../scripts/harness/stackConfig";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>; allowScripts: Record<string, boolean>; devDependencies: Record<string, string>;
};
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version: string; hasInstallScript?: boolean }>;
};
const PREFLIGHT = path.join(ROOT, "scripts", "requireNode22.js");
const { nodeProblem } = require(PREFLIGHT) as { nodeProblem: (version: string, execPath: string, installed: boolean) => string | undefined };

describe("install scripts", () => {
    const withScripts = Object.entries(lock.packages)
        .filter(([, p]) => p.hasInstallScript)
        .map(([k]) => k.slice(k.lastIndexOf("node_modules/") + "node_modules/".length))
        .sort();

    it("the lockfile's packages with install scripts are exactly these four", () =>
        assert.deepEqual(withScripts, ["@pulumi/kubernetes", "esbuild", "node", "protobufjs"]));

    it("allowScripts reviews each of them: only node (which installs Node 22) runs, the rest are denied", () => {
        assert.deepEqual(Object.keys(pkg.allowScripts).sort(), withScripts);
        assert.deepEqual(Object.entries(pkg.allowScripts).filter(([, v]) => v).map(([k]) => k), ["node"]);
    });

    it("an unreviewed install script fails the install (strict-allow-scripts in .npmrc)", () =>
        assert.match(fs.readFileSync(path.join(ROOT, ".npmrc"), "utf8"), /^strict-allow-scripts=true$/m));

    it("the node package provides Node 22, pinned exactly", () => assert.equal(pkg.devDependencies.node, "22.23.3"));
});

describe("Node 22 preflight", () => {
    it("every npm script runs it first", () => {
        const names = Object.keys(pkg.scripts).sort();
        assert.deepEqual(names, ["bench", "diagrams", "docs", "lint", "mutate", "mutate:summary", "plan", "policy", "promote", "test", "test:unit", "typecheck"]);
        for (const n of names) assert.match(pkg.scripts[n], /^node scripts\/requireNode22\.js && /, n);
        // Mutation testing stays out of npm test (and .ci/run, which runs npm ci and npm test).
        assert.equal(pkg.scripts.test, "node scripts/requireNode22.js && npm run lint && npm run typecheck && npm run test:unit");
    });

    it("accepts Node 22", () => assert.equal(nodeProblem("22.23.3", "/p/node_modules/node/bin/node", true), undefined));

    it("rejects Node 20 run outside npm, saying how to run it", () => assert.equal(
        nodeProblem("20.20.2", "/usr/bin/node", true),
        "mlops-platform needs Node 22, but this is Node 20.20.2 (/usr/bin/node).\n" +
        "Run it through npm (npm test, npm run plan -- dev, ...): npm scripts put node_modules/.bin first on PATH, " +
        "where the devDependency \"node\" provides Node 22."));

    it("rejects Node 24 when the node package's script was blocked, naming allowScripts and the command", () => {
        const msg = nodeProblem("24.1.0", "/usr/local/bin/node", false)!;
        assert.match(msg, /^mlops-platform needs Node 22, but this is Node 24\.1\.0 \(\/usr\/local\/bin\/node\)\.\n/);
        assert.match(msg, /"node": true under "allowScripts" in package\.json, then run `npm ci` \(or `npm rebuild node`\)/);
    });

    it("exits 0 on this Node 22", () => {
        assert.equal(process.versions.node.split(".")[0], "22");
        const run = spawnSync(process.execPath, [PREFLIGHT], { encoding: "utf8" });
        assert.deepEqual([run.status, run.stderr], [0, ""]);
    });

    it("exits 1 with the message on another Node, when the machine has one", function () {
        const other = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => fs.existsSync(p) &&
            spawnSync(p, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim().split(".")[0] !== "22");
        if (!other) this.skip();
        const run = spawnSync(other!, [PREFLIGHT], { encoding: "utf8" });
        assert.equal(run.status, 1);
        assert.match(run.stderr, new RegExp(`^mlops-platform needs Node 22, but this is Node \\d+\\.\\d+\\.\\d+ \\(${other}\\)\\.\\n`));
    });
});
