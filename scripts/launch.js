// node scripts/launch.js <script.ts> [args...]: runs a TypeScript command from a bundle esbuild makes of it and of
// the project files it imports (packages stay in node_modules), kept under node_modules/.cache and rebuilt when
// any of those files changes. Loading through tsx hooks every require, the SDK's hundreds of files included:
// about a second and a half of `npm run plan`'s start. Tests and the bench load the TypeScript through tsx.
// Plain CommonJS: it runs before anything that could load TypeScript.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "mlops-commands");

/**
 * A bundle's inputs, each with its size and modification time, as the bundle was built from them.
 * @param {string[]} files absolute paths
 */
function stamp(files) {
    return files.map((f) => {
        const s = fs.statSync(f, { throwIfNoEntry: false });
        return s ? `${f}:${s.size}:${s.mtimeMs}` : `${f}:missing`;
    });
}

/** A JSON file's content; undefined when it is missing or unreadable. */
function readJson(file) {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        return undefined;
    }
}

/**
 * esbuild plugin: `__dirname` and `__filename` of each project file stay what they are in the source tree, so
 * files read next to a module (Python scripts, CRDs, the pack's sources) are found from the bundle too.
 */
const sourcePaths = {
    name: "source-paths",
    setup(build) {
        build.onLoad({ filter: /\.ts$/ }, (args) => {
            if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
            const text = fs.readFileSync(args.path, "utf8")
                .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
                .replace(/\b__filename\b/g, JSON.stringify(args.path));
            return { contents: text, loader: "ts" };
        });
    },
};

/**
 * The bundle of `entry` (absolute), built unless one from the same inputs is cached.
 * @returns {Promise<string>} the bundle's path
 */
async function bundleOf(entry) {
    const name = path.relative(ROOT, entry).replace(/[\\/]/g, "-").replace(/\.ts$/, "");
    const out = path.join(CACHE_DIR, `${name}.js`);
    const inputsFile = `${out}.inputs.json`;
    const esbuildVersion = require("esbuild/package.json").version;
    const built = fs.existsSync(out) ? readJson(inputsFile) : undefined;
    if (built && built.esbuild === esbuildVersion && JSON.stringify(stamp(built.files)) === JSON.stringify(built.stamps)) return out;
    const { build } = require("esbuild");
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Written under temporary names and renamed, as commands started at once may build the same bundle.
    const tmp = `${out}.${process.pid}.tmp.js`;
    const result = await build({
        entryPoints: [entry], outfile: tmp, bundle: true, platform: "node", format: "cjs", target: "node22",
        packages: "external", sourcemap: true, metafile: true, plugins: [sourcePaths], logLevel: "warning",
    });
    const files = Object.keys(result.metafile.inputs).map((f) => path.resolve(ROOT, f));
    // The map names the bundle it belongs to: renamed along with it.
    fs.writeFileSync(tmp, fs.readFileSync(tmp, "utf8").replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${path.basename(out)}.map`));
    fs.renameSync(`${tmp}.map`, `${out}.map`);
    fs.renameSync(tmp, out);
    fs.writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify({ esbuild: esbuildVersion, files, stamps: stamp(files) }));
    fs.renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
    return out;
}

if (require.main === module) {
    const [script, ...args] = process.argv.slice(2);
    if (!script || !script.endsWith(".ts")) {
        process.stderr.write("usage: node scripts/launch.js <script.ts> [args...]\n");
        process.exit(2);
    }
    const entry = path.resolve(ROOT, script);
    bundleOf(entry).then((bundle) => {
        // Error traces point at the TypeScript source.
        process.setSourceMapsEnabled(true);
        process.argv = [process.argv[0], entry, ...args];
        require(bundle);
    }, (e) => {
        process.stderr.write(`launch: could not bundle ${script}: ${e instanceof Error ? e.message : e}\n`);
        process.exit(1);
    });
}

module.exports = { bundleOf, CACHE_DIR };
