// Reads Pulumi.<stack>.yaml the way the CLI does, for the offline plan: structured values stay structured;
// `secure:` values cannot be decrypted offline, so they become placeholders and their keys are secret.
import * as fs from "node:fs";
import * as path from "node:path";
import { YAMLError, parse } from "yaml";

export interface StackConfig {
    /** Full key (`gcp:project`, `mlops-platform:cluster`) to value. */
    values: Record<string, unknown>;
    /** Keys holding a secret anywhere in their value. */
    secretKeys: string[];
}

export const ROOT = path.resolve(__dirname, "..", "..");

export function stackFile(stack: string): string {
    return path.join(ROOT, `Pulumi.${stack}.yaml`);
}

/** Reads `Pulumi.<stack>.yaml`, or `file` when given (a stack file in the same format). */
export function loadStackConfig(stack: string, file = stackFile(stack)): StackConfig {
    if (!fs.existsSync(file)) throw new Error(`no stack file ${path.relative(process.cwd(), file)}; stacks here: ${listStacks().join(", ")}`);
    let doc;
    try {
        doc = parse(fs.readFileSync(file, "utf8")) ?? {};
    } catch (e) {
        if (!(e instanceof YAMLError)) throw e;
        // The parser's own message repeats the offending lines; the first line and the position are enough.
        const at = e.linePos?.[0];
        const where = at ? `:${at.line}:${at.col}` : "";
        throw new StackFileError(`${path.relative(process.cwd(), file)}${where}: YAML syntax error: ${e.message.split("\n")[0]}`);
    }
    if (typeof doc !== "object" || Array.isArray(doc) || (doc.config !== undefined && (typeof doc.config !== "object" || Array.isArray(doc.config)))) {
        throw new StackFileError(`${path.relative(process.cwd(), file)}: must be a map with a \`config:\` map of keys (such as gcp:project) to values`);
    }
    return fromConfigMap(doc.config ?? {});
}

/** A stack file that cannot be read as one: printed as `error: <file>:<line>:<col>: ...`, without a stack trace. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** Replaces `{ secure: ... }` leaves with a placeholder and notes which keys hold secrets. */
export function fromConfigMap(config: Record<string, unknown>): StackConfig {
    const secretKeys: string[] = [];
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        let secret = false;
        const walk = (v: unknown): unknown => {
            if (v && typeof v === "object" && !Array.isArray(v)) {
                const o = v as Record<string, unknown>;
                if (Object.keys(o).length === 1 && typeof o.secure === "string") {
                    secret = true;
                    return `offline-placeholder-for-${key}`;
                }
                return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
            }
            return Array.isArray(v) ? v.map(walk) : v;
        };
        values[key] = walk(value);
        if (secret) secretKeys.push(key);
    }
    return { values, secretKeys };
}

export function listStacks(): string[] {
    return fs.readdirSync(ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []).sort();
}

/** Config as the Pulumi runtime holds it: strings, with structured values as JSON. */
export function toRuntimeConfig(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}
