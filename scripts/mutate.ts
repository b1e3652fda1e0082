// npm run mutate [-- <folder or file>... [stryker flags]]
// Runs Stryker (stryker.config.mjs) on the configured files under the given folders or files, or on all of them
// without paths. Flags starting with `-` go to `stryker run` unchanged (e.g. --incremental, --concurrency 1).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { STRYKER_CONFIG, loadStrykerLists, mutateTargets } from "./mutation/targets";

async function main(argv: string[]): Promise<number> {
    const firstFlag = argv.findIndex((a) => a.startsWith("-"));
    const paths = firstFlag < 0 ? argv : argv.slice(0, firstFlag);
    const flags = firstFlag < 0 ? [] : argv.slice(firstFlag);
    const args = ["run", STRYKER_CONFIG];
    if (paths.length > 0) {
        const { MUTATED_FILES } = await loadStrykerLists();
        args.push("--mutate", mutateTargets(paths, MUTATED_FILES).join(","));
    }
    // The package's "exports" hide its bin, so it is found by path.
    const root = path.dirname(STRYKER_CONFIG);
    const stryker = path.join(root, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
    const run = spawnSync(process.execPath, [stryker, ...args, ...flags], { stdio: "inherit", cwd: root });
    return run.status ?? 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
});
