// scripts/launch.js: `npm run plan` runs from an esbuild bundle of the command and the project files it imports.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../scripts/harness/stackConfig";
import { shortHash } from "../../lib/naming";
import { PLAN_NODE_OPTIONS } from "../../scripts/harness/nodeOptions";

const { bundleOf, checkoutId } = require("../../scripts/launch.js") as { bundleOf(entry: string): Promise<string>; checkoutId(root: string): string };
const ENTRY = path.join(ROOT, "test", "fixtures", "launchEntry.ts");

describe("scripts/launch.js", () => {
    it("runs `npm run plan` with the V8 options the bench measures plans with", () => {
        const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
        assert.equal(PLAN_NODE_OPTIONS.length, 1);
        assert.ok(scripts.plan.includes(`&& node ${PLAN_NODE_OPTIONS.join(" ")} scripts/launch.js scripts/plan.ts`), scripts.plan);
    });

    it("bundles the entry with the project files it imports, keeping each file's own __dirname and __filename", async () => {
        const bundle = await bundleOf(ENTRY);
        // Named after this checkout: another checkout sharing node_modules (a symlink) gets a bundle of its own.
        assert.equal(path.basename(bundle), `test-fixtures-launchEntry-${checkoutId(ROOT)}.js`);
        assert.match(checkoutId(ROOT), /^[0-9a-f]{8}$/);
        assert.notEqual(checkoutId("/tmp/other-checkout"), checkoutId(ROOT));
        const text = fs.readFileSync(bundle, "utf8");
        assert.match(text, /function shortHash\(/, "lib/naming.ts is inside the bundle");
        assert.doesNotMatch(text, /require\("\.\.\/\.\.\/lib\/naming"\)/);
        delete require.cache[bundle];
        const loaded = require(bundle) as { directory: string; file: string; hash: string };
        assert.deepEqual(loaded, { directory: path.dirname(ENTRY), file: ENTRY, hash: shortHash("launch", 6) });
    });

    it("reuses the bundle while its inputs are unchanged, and rebuilds when one changes", async () => {
        const bundle = await bundleOf(ENTRY);
        const built = fs.statSync(bundle).mtimeMs;
        assert.equal(fs.statSync(await bundleOf(ENTRY)).mtimeMs, built, "cached");
        const input = path.join(ROOT, "lib", "naming.ts");
        const { atime, mtime } = fs.statSync(input);
        try {
            fs.utimesSync(input, atime, new Date(mtime.getTime() + 1000));
            assert.notEqual(fs.statSync(await bundleOf(ENTRY)).mtimeMs, built, "rebuilt after lib/naming.ts changed");
        } finally {
            fs.utimesSync(input, atime, mtime);
        }
    });
});
