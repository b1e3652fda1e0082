// The policy pack's process: run-policy-pack serving the compiled pack. Apart from the gRPC client (policy.ts)
// and light to import, so a command can start the pack before it loads the program and the SDK, and the two
// processes load side by side.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./stackConfig";

export const PACK_SOURCE = path.join(ROOT, "policies");

/** A started pack: its process and the port it serves the analyzer API on. */
export interface PackProcess {
    child: ChildProcess;
    port: number;
}

const { bundle, writeFileAtomic } = require("./bundle.js") as { bundle(entry: string, out: string): Promise<string>; writeFileAtomic(file: string, text: string): void };
const COMPILE_CACHE_PRELOAD = path.join(__dirname, "compileCache.js");

/**
 * Compiles the pack (policies/*.ts; it imports only its package.json's dependencies besides itself) to one JavaScript file
 * next to a package.json, so run-policy-pack loads it without type-checking through ts-node on every start
 * (`npm test` type-checks it once). The Pulumi CLI loads policies/ itself; both run the same source. The bundle is
 * kept while the source is unchanged: the build is on the way to the pack's start, which `npm run plan` waits for.
 */
export async function buildPack(outDir = path.join(ROOT, "out", "policy-pack")): Promise<string> {
    await bundle(path.join(PACK_SOURCE, "index.ts"), path.join(outDir, "index.js"));
    const { name, version } = JSON.parse(fs.readFileSync(path.join(PACK_SOURCE, "package.json"), "utf8"));
    writeIfChanged(path.join(outDir, "package.json"), JSON.stringify({ name, version, main: "index.js" }, null, 2));
    writeIfChanged(path.join(outDir, "PulumiPolicy.yaml"), fs.readFileSync(path.join(PACK_SOURCE, "PulumiPolicy.yaml"), "utf8"));
    return outDir;
}

/** Writes `text` unless the file already holds it: another command's pack process may be reading it. */
function writeIfChanged(file: string, text: string): void {
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) writeFileAtomic(file, text);
}

/**
 * Starts run-policy-pack on `packDir` (default: the pack built by buildPack); resolves once it prints its port.
 * @param signal kills the pack's process when aborted, also while it is still starting.
 */
export async function startPack(packDir?: string, signal?: AbortSignal): Promise<PackProcess> {
    packDir ??= await buildPack();
    const entry = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    // The engine address is only used for logging; offline there is no engine.
    // With the compile cache preloaded (harness/compileCache.js); the engine's own start of the pack is otherwise
    // the same: run-policy-pack's entry, an engine address and the pack's directory.
    const child = spawn(process.execPath, ["-r", COMPILE_CACHE_PRELOAD, entry, "127.0.0.1:0", packDir], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"], signal });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (d) => {
            out += d;
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) resolve(Number(m[1]));
        });
        child.once("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving: ${stderr.trim()}`)));
        child.on("error", reject); // failed to spawn, or aborted
    });
    return { child, port };
}
