// node scripts/launch.js <script.ts> [args...]: runs a TypeScript command from a bundle esbuild makes of it and of
// the project files it imports (harness/bundle.js), kept under node_modules/.cache and rebuilt when any of those
// files changes. Loading through tsx hooks every require, the SDK's hundreds of files included: about a second
// and a half of `npm run plan`'s start. Tests and the bench load the TypeScript through tsx.
// Plain CommonJS: it runs before anything that could load TypeScript.
"use strict";
const crypto = require("node:crypto");
const path = require("node:path");
const { bundle } = require("./harness/bundle.js");
const { enableCompileCache } = require("./harness/compileCache.js");

const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "mlops-commands");

/**
 * The bundle of the command `entry` (absolute), built unless one from the same inputs is cached. Named after the
 * checkout too: checkouts that share one node_modules (a symlink) must not run each other's bundles.
 * @returns {Promise<string>} the bundle's path
 */
function bundleOf(entry) {
    const name = path.relative(ROOT, entry).replace(/[\\/]/g, "-").replace(/\.ts$/, "");
    return bundle(entry, path.join(CACHE_DIR, `${name}-${checkoutId(ROOT)}.js`));
}

/** A short, stable id of a checkout's directory. */
function checkoutId(root) {
    return crypto.createHash("sha256").update(root).digest("hex").slice(0, 8);
}

if (require.main === module) {
    const [script, ...args] = process.argv.slice(2);
    if (!script || !script.endsWith(".ts")) {
        process.stderr.write("usage: node scripts/launch.js <script.ts> [args...]\n");
        process.exit(2);
    }
    const entry = path.resolve(ROOT, script);
    enableCompileCache();
    bundleOf(entry).then((file) => {
        // Error traces point at the TypeScript source.
        process.setSourceMapsEnabled(true);
        process.argv = [process.argv[0], entry, ...args];
        require(file);
    }, (e) => {
        process.stderr.write(`launch: could not bundle ${script}: ${e instanceof Error ? e.message : e}\n`);
        process.exit(1);
    });
}

module.exports = { bundleOf, checkoutId, CACHE_DIR };
