// The policy pack's build and the compile cache its process and the plan command's run with.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PACK_SOURCE, buildPack } from "../../scripts/harness/packProcess";

const { CACHE_DIR } = require("../../scripts/harness/compileCache.js") as { CACHE_DIR: string };
const PRELOAD = path.join(__dirname, "..", "..", "scripts", "harness", "compileCache.js");

describe("policy pack process", () => {
    it("builds the pack next to its package.json and PulumiPolicy.yaml, and leaves unchanged files untouched", async function () {
        this.timeout(60_000);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-pack-"));
        try {
            assert.equal(await buildPack(out), out);
            const manifest = JSON.parse(fs.readFileSync(path.join(out, "package.json"), "utf8"));
            const source = JSON.parse(fs.readFileSync(path.join(PACK_SOURCE, "package.json"), "utf8"));
            assert.deepEqual(manifest, { name: source.name, version: source.version, main: "index.js" });
            assert.equal(fs.readFileSync(path.join(out, "PulumiPolicy.yaml"), "utf8"), fs.readFileSync(path.join(PACK_SOURCE, "PulumiPolicy.yaml"), "utf8"));
            // Another command's pack may be reading these while a second build runs: the build rewrites nothing.
            const stamps = () => ["package.json", "PulumiPolicy.yaml", "index.js"].map((f) => fs.statSync(path.join(out, f)).mtimeMs);
            const before = stamps();
            await buildPack(out);
            assert.deepEqual(stamps(), before);
            assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith(".tmp")), [], "no temporary file left");
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("turns Node's compile cache on under node_modules/.cache, called by the launcher or preloaded into the pack", () => {
        const dir = "console.log(require('node:module').getCompileCacheDir())";
        const called = execFileSync(process.execPath, ["-e", `require(${JSON.stringify(PRELOAD)}).enableCompileCache(); ${dir}`], { encoding: "utf8" });
        const preloaded = execFileSync(process.execPath, ["-r", PRELOAD, "-e", dir], { encoding: "utf8" });
        const untouched = execFileSync(process.execPath, ["-e", `require(${JSON.stringify(PRELOAD)}); ${dir}`], { encoding: "utf8" });
        assert.equal(path.dirname(called.trim()), CACHE_DIR);
        assert.equal(path.dirname(preloaded.trim()), CACHE_DIR);
        assert.equal(untouched.trim(), "undefined", "requiring it alone changes nothing");
    });
});
