// npm run promote -- <stack> <model> <version>
// Pins a model's served version in Pulumi.<stack>.yaml (`mlops-platform:models[i].version`), keeping every
// comment and the layout: a promotion is this one-line change, reviewed in a pull request whose preview
// shows one changed Rollout (or Deployment), and released by the model's strategy and its quality check.
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { listStacks, stackFile } from "./harness/stackConfig";

const MODELS_KEY = "mlops-platform:models";

export class PromoteError extends Error {}

export interface Promotion {
    /** The edited stack file. */
    text: string;
    model: string;
    from?: number;
    to: number;
}

/**
 * Pure: the stack file with `model`'s version set to `version`.
 * @throws PromoteError for an unknown model, a model pinned by modelUri, or a version not above the current one.
 */
export function promoteVersion(text: string, model: string, version: number): Promotion {
    if (!Number.isInteger(version) || version < 1) throw new PromoteError(`version must be a registered model version, a whole number from 1 (got ${JSON.stringify(version)})`);
    const doc = parseDocument(text);
    if (doc.errors.length) throw new PromoteError(`the stack file does not parse: ${doc.errors[0].message}`);
    const models = doc.getIn(["config", MODELS_KEY]);
    if (!isSeq(models)) throw new PromoteError(`the stack file has no ${MODELS_KEY} list`);
    const names = models.items.map((m) => (isMap(m) ? String(m.get("name")) : "?"));
    const i = names.indexOf(model);
    if (i < 0) throw new PromoteError(`no model ${JSON.stringify(model)} in ${MODELS_KEY}; models: ${names.join(", ") || "none"}`);
    const entry = models.items[i];
    if (!isMap(entry)) throw new PromoteError(`${MODELS_KEY}[${i}] is not a map`);
    if (entry.has("modelUri")) throw new PromoteError(`${model} is served from modelUri ${JSON.stringify(entry.get("modelUri"))}: remove it and pin a version instead (the URI becomes models:/<name>/<version>)`);
    const current = entry.get("version");
    if (current !== undefined && (typeof current !== "number" || version <= current)) {
        throw new PromoteError(`${model} already serves version ${current}: a promotion moves to a newer version (got ${version}); roll back by reverting the promotion's commit`);
    }
    // Splice the text at the parsed node's range: re-serialising the document would reflow flow maps and lists.
    const node = entry.get(current !== undefined ? "version" : "name", true);
    if (!isScalar(node) || !node.range) throw new PromoteError(`${MODELS_KEY}[${i}] has no ${current !== undefined ? "version" : "name"} scalar to edit`);
    const [start, end] = node.range;
    let out: string;
    if (current !== undefined) out = text.slice(0, start) + String(version) + text.slice(end);
    else {
        // First pin: a `version:` line after the entry's `name:` line, at the entry's indentation.
        const lineStart = text.lastIndexOf("\n", start) + 1;
        const indent = /^\s*(- )?/.exec(text.slice(lineStart, start))![0].replace("- ", "  ");
        const lineEnd = text.indexOf("\n", end);
        const at = lineEnd < 0 ? text.length : lineEnd + 1;
        out = `${text.slice(0, at)}${indent}version: ${version}\n${text.slice(at)}`;
    }
    const check = parseDocument(out).getIn(["config", MODELS_KEY, i, "version"]);
    if (check !== version) throw new PromoteError(`could not place version ${version} in ${model}'s entry (read back ${JSON.stringify(check)})`);
    return { text: out, model, from: typeof current === "number" ? current : undefined, to: version };
}

function main(argv: string[]): number {
    const [stack, model, raw, ...rest] = argv;
    if (!stack || !model || !raw || rest.length) {
        console.error(`usage: npm run promote -- <stack> <model> <version>; stacks: ${listStacks().join(", ")}`);
        return 2;
    }
    if (!listStacks().includes(stack)) {
        console.error(`error: no stack ${JSON.stringify(stack)}; stacks: ${listStacks().join(", ")}`);
        return 2;
    }
    const file = stackFile(stack);
    try {
        const version = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
        const p = promoteVersion(fs.readFileSync(file, "utf8"), model, version);
        fs.writeFileSync(file, p.text);
        console.log(`${path.basename(file)}: ${p.model} version ${p.from ?? "(alias)"} -> ${p.to}`);
        return 0;
    } catch (e) {
        if (e instanceof PromoteError) {
            console.error(`error: ${e.message}`);
            return 1;
        }
        throw e;
    }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
