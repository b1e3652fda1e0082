import { createHash } from "node:crypto";

/** A short stable hash, for names that must be unique per stack but fit a length limit. */
export function shortHash(text: string, length = 6): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * A service account ID unique to this stack: `<prefix>-<stack>`, lowercased, within IAM's 6..30 characters
 * and `[a-z][-a-z0-9]*[a-z0-9]` pattern. Too long a stack name is cut and given a hash, so IDs stay unique.
 */
export function serviceAccountId(prefix: string, stack: string): string {
    const slug = stack.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "stack";
    const id = `${prefix}-${slug}`;
    if (id.length <= 30) return id;
    return `${id.slice(0, 23).replace(/-+$/, "")}-${shortHash(stack)}`;
}
