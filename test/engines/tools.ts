// Prometheus's and Alertmanager's own command-line tools, run from the tests. promtool comes with Debian's
// `prometheus` package, amtool with `prometheus-alertmanager`; .ci/run installs both when missing. Without
// them on PATH the engine tests are skipped, with one line saying which and how to install the tools.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const INSTALL_TOOLS = "sudo apt-get install -y prometheus prometheus-alertmanager";

/** The tool's path on PATH, or undefined. */
export function onPath(tool: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const p = path.join(dir, tool);
        try {
            fs.accessSync(p, fs.constants.X_OK);
            return p;
        } catch { /* next */ }
    }
    return undefined;
}

const warned = new Set<string>();

/**
 * For a suite's `before`: true when every tool is on PATH; otherwise prints one line naming the skipped tests
 * and the install command (once per suite) and returns false.
 */
export function toolsPresent(tools: string[], what: string): boolean {
    const missing = tools.filter((t) => !onPath(t));
    if (missing.length && !warned.has(what)) {
        warned.add(what);
        console.log(`      SKIPPED ${what}: ${missing.join(" and ")} not on PATH; install with: ${INSTALL_TOOLS}`);
    }
    return missing.length === 0;
}

export interface RunResult { code: number; stdout: string; stderr: string }

/** Runs a tool; never throws on a non-zero exit. */
export function run(file: string, args: string[], cwd?: string): Promise<RunResult> {
    return new Promise((resolve) => {
        execFile(file, args, { cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

/** A fresh temporary directory for one suite's files. */
export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `mlops-${prefix}-`));
}
