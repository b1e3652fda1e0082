// Which files `npm run mutate -- <folder or file>` mutates: the configured set (stryker.config.mjs) under the
// given paths, or the path itself when it is not part of that set (to try Stryker on any file).
import * as path from "node:path";
import { pathToFileURL } from "node:url";

export const STRYKER_CONFIG = path.join(__dirname, "..", "..", "stryker.config.mjs");

/** The lists exported by stryker.config.mjs (ESM, so it is imported, not required). */
export async function loadStrykerLists(file = STRYKER_CONFIG): Promise<{ MUTATED_FILES: string[]; UNIT_SPECS: string[] }> {
    return (await import(pathToFileURL(file).href)) as { MUTATED_FILES: string[]; UNIT_SPECS: string[] };
}

/**
 * The `--mutate` patterns for `paths` (repo-relative files or folders): every configured file equal to or under
 * one of them, in configured order; a path that selects none is passed on as given (a folder as `<folder>/**\/*.ts`).
 * @throws when a path names neither a configured file nor a `.ts` file or folder
 */
export function mutateTargets(paths: string[], configured: string[]): string[] {
    const out: string[] = [];
    for (const raw of paths) {
        const p = path.posix.normalize(raw.replaceAll("\\", "/")).replace(/\/+$/, "");
        const hits = configured.filter((f) => f === p || f.startsWith(`${p === "." ? "" : p + "/"}`));
        if (hits.length > 0) out.push(...hits.filter((h) => !out.includes(h)));
        else if (p.endsWith(".ts")) out.push(p);
        else if (!path.posix.extname(p)) out.push(`${p}/**/*.ts`);
        else throw new Error(`${raw}: not a TypeScript file or folder`);
    }
    return out;
}
