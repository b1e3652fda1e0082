// Cached esbuild bundles of the project's TypeScript: one file per entry with the project files it imports
// (packages stay in node_modules), rebuilt when any input's size or modification time changes. Used by
// scripts/launch.js (a command's bundle) and by the policy pack's build (harness/packProcess.ts).
// Plain CommonJS: the launcher loads it before anything that could load TypeScript.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * A bundle's inputs, each with its size and modification time.
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
 * Writes `text` to `file` under a temporary name and renames it into place: processes started at once may write
 * the same file while another reads it.
 * @param {string} file
 * @param {string} text
 */
function writeFileAtomic(file, text) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

/**
 * esbuild plugin: `__dirname` and `__filename` of each project file stay what they are in the source tree, so
 * files read next to a module (Python scripts, CRDs, the pack's sources) are found from the bundle too.
 */
const sourcePaths = {
    name: "source-paths",
    setup(build) {
        build.onLoad({ filter: /\.[jt]s$/ }, (args) => {
            if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
            const text = fs.readFileSync(args.path, "utf8")
                .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
                .replace(/\b__filename\b/g, JSON.stringify(args.path));
            return { contents: text, loader: args.path.endsWith(".ts") ? "ts" : "js" };
        });
    },
};

/**
 * Bundles `entry` (absolute) into `out` (CommonJS, with a source map) unless `out` was built from the same inputs.
 * Written under temporary names and renamed, as processes started at once may build the same bundle.
 * @returns {Promise<string>} `out`
 */
async function bundle(entry, out) {
    const inputsFile = `${out}.inputs.json`;
    const esbuildVersion = require("esbuild/package.json").version;
    const built = fs.existsSync(out) ? readJson(inputsFile) : undefined;
    if (built && built.esbuild === esbuildVersion && JSON.stringify(stamp(built.files)) === JSON.stringify(built.stamps)) return out;
    const { build } = require("esbuild");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp.js`;
    const result = await build({
        entryPoints: [entry], outfile: tmp, absWorkingDir: ROOT, bundle: true, platform: "node", format: "cjs", target: "node22",
        packages: "external", sourcemap: true, metafile: true, plugins: [sourcePaths], logLevel: "warning",
    });
    const files = Object.keys(result.metafile.inputs).map((f) => path.resolve(ROOT, f));
    // The map names the bundle it belongs to (the comment esbuild ends the file with): renamed along with it.
    fs.writeFileSync(tmp, fs.readFileSync(tmp, "utf8").replace(/\/\/# sourceMappingURL=[^\n]*\s*$/, `//# sourceMappingURL=${path.basename(out)}.map\n`));
    fs.renameSync(`${tmp}.map`, `${out}.map`);
    fs.renameSync(tmp, out);
    writeFileAtomic(inputsFile, JSON.stringify({ esbuild: esbuildVersion, files, stamps: stamp(files) }));
    return out;
}

module.exports = { bundle, writeFileAtomic };
