import * as pulumi from "@pulumi/pulumi";

/** One problem with one configuration key: where, what was given, and what is allowed. */
export interface ConfigIssue {
    /** Full key path, e.g. `mlops-platform:gpuNodePools[0].maxNodes`. */
    key: string;
    /** The offending value, quoted in the message. Omitted when the key is missing. */
    value?: unknown;
    /** What is wrong and what is allowed. */
    message: string;
}

/** Renders a value for an error message: short, JSON-like, never multi-line. */
export function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function formatIssue(i: ConfigIssue): string {
    return "value" in i ? `${i.key}: got ${show(i.value)}; ${i.message}` : `${i.key}: ${i.message}`;
}

/**
 * Thrown for invalid configuration or component arguments, before any resource is registered.
 * A RunError, so the Pulumi CLI prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly where: string,
        readonly issues: ConfigIssue[],
    ) {
        const n = issues.length;
        super(`Invalid ${where} (${n} problem${n === 1 ? "" : "s"}):\n` + issues.map((i) => `  - ${formatIssue(i)}`).join("\n"));
        this.name = "ConfigError";
    }
}

/** Throws a ConfigError when any issue was collected. */
export function throwIfIssues(where: string, issues: ConfigIssue[]): void {
    if (issues.length > 0) throw new ConfigError(where, issues);
}

/**
 * Reports one problem with one field of the thing being resolved. Pass `value` when a value was given;
 * omit it when the field is missing.
 */
export type Report = (field: string, message: string, ...value: [unknown?]) => void;

/** A Report that appends to `issues`, naming each field under `prefix` (e.g. `mlops-platform:gpuNodePools[0]`). */
export function reporter(issues: ConfigIssue[], prefix: string): Report {
    return (field, message, ...value) => {
        const key = field ? `${prefix}.${field}` : prefix;
        issues.push(value.length > 0 ? { key, value: value[0], message } : { key, message });
    };
}

/** Runs a pure resolver and throws one ConfigError listing everything it reported. */
export function resolveOrThrow<T>(where: string, resolve: (report: Report) => T): T {
    const issues: ConfigIssue[] = [];
    const value = resolve(reporter(issues, where));
    throwIfIssues(`arguments to ${where}`, issues);
    return value;
}
