// Pure validators for the values Kubernetes and Google Cloud accept. No Pulumi runtime here.
import { ConfigIssue } from "./errors";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes DNS-1123 label: lowercase alphanumerics and '-', 1..63 chars, alphanumeric at both ends. */
export function isDns1123Label(s: string): boolean {
    return s.length <= 63 && DNS1123_LABEL.test(s);
}

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$/;
const SUFFIX: Record<string, number> = {
    "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * Parses a Kubernetes resource quantity ("500m", "20", "40Gi", "1e3") to a number of base units.
 * @returns undefined when the string is not a valid quantity (e.g. "10Gb", "-1", "1.5 Gi").
 */
export function parseQuantity(s: string): number | undefined {
    const m = QUANTITY.exec(s);
    if (!m) return undefined;
    const [, num, suffix = ""] = m;
    // Look the suffix up first: "E" and "Ei" are units (exa, exbi), not exponents.
    const factor = Object.hasOwn(SUFFIX, suffix) ? SUFFIX[suffix] : 10 ** Number(suffix.slice(1));
    return Number(num) * factor;
}

export const QUANTITY_RULE =
    "must be a Kubernetes quantity such as 500m, 4, 512Mi or 40Gi (binary suffixes Ki/Mi/Gi/Ti, decimal k/M/G/T)";

export interface Cidr {
    text: string;
    /** Network address as an unsigned 32-bit integer. */
    base: number;
    prefix: number;
}

/**
 * Parses an IPv4 CIDR block. Host bits must be zero, as Google Cloud requires.
 * @returns the parsed block, or a reason it is malformed.
 */
export function parseCidr(s: string): Cidr | { error: string } {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
    if (!m) return { error: "must be an IPv4 CIDR block such as 10.0.0.0/8" };
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255)) return { error: "each address octet must be 0..255" };
    if (prefix > 32) return { error: "the prefix length must be 0..32" };
    const addr = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const base = (addr & mask) >>> 0;
    if (base !== addr) {
        const fixed = [base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join(".");
        return { error: `host bits are set; the network address is ${fixed}/${prefix}` };
    }
    return { text: s, base, prefix };
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    const p = Math.min(a.prefix, b.prefix);
    const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
    return ((a.base & mask) >>> 0) === ((b.base & mask) >>> 0);
}

type Obj = Record<string, unknown>;

/** A field's full key: `parent.field`, or just the field at the top level (`gcp:project`). */
const join = (key: string, f: string) => (key ? `${key}.${f}` : f);

/** Removes keys whose value is undefined, so spreading options over defaults keeps the defaults. */
export function definedOnly<T extends object>(o: T | undefined): Partial<T> {
    return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Reads raw config (parsed YAML) into typed options, checking JSON types only and collecting every problem
 * instead of stopping at the first. Ranges, formats and cross-field rules belong to the resolvers.
 * Each method returns undefined for a missing or mistyped value.
 */
export class FieldReader {
    readonly issues: ConfigIssue[] = [];

    add(key: string, message: string, ...value: [unknown?]): void {
        this.issues.push(value.length > 0 ? { key, value: value[0], message } : { key, message });
    }

    /** An object (or undefined when absent); flags keys not in `known`, which catches typos. */
    object(raw: unknown, key: string, known: readonly string[]): Obj | undefined {
        if (raw === undefined || raw === null) return undefined;
        if (typeof raw !== "object" || Array.isArray(raw)) {
            this.add(key, "must be an object", raw);
            return undefined;
        }
        for (const k of Object.keys(raw)) {
            if (!known.includes(k)) this.add(`${key}.${k}`, `is not a known key; allowed: ${known.join(", ")}`, (raw as Obj)[k]);
        }
        return raw as Obj;
    }

    list(raw: unknown, key: string): unknown[] | undefined {
        if (raw === undefined || raw === null) return undefined;
        if (!Array.isArray(raw)) {
            this.add(key, "must be a list", raw);
            return undefined;
        }
        return raw;
    }

    private field<T>(o: Obj | undefined, f: string, key: string, ok: (v: unknown) => boolean, what: string, required?: string): T | undefined {
        const v = o?.[f];
        if (v === undefined || v === null) {
            if (required && o) this.add(join(key, f), `is required: ${required}`);
            return undefined;
        }
        if (!ok(v)) {
            this.add(join(key, f), `must be ${what}`, v);
            return undefined;
        }
        return v as T;
    }

    string(o: Obj | undefined, f: string, key: string, required?: string): string | undefined {
        return this.field(o, f, key, (v) => typeof v === "string" && v !== "", "a non-empty string", required);
    }

    /** A string that is a secret: a wrong type is reported without its value. */
    secretString(o: Obj | undefined, f: string, key: string): string | undefined {
        const v = o?.[f];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== "string" || v === "") {
            this.add(join(key, f), "must be a non-empty string (value not shown: it is a secret)");
            return undefined;
        }
        return v;
    }

    integer(o: Obj | undefined, f: string, key: string, required?: string): number | undefined {
        return this.field(o, f, key, (v) => Number.isInteger(v), "a whole number", required);
    }

    number(o: Obj | undefined, f: string, key: string): number | undefined {
        return this.field(o, f, key, (v) => Number.isFinite(v), "a number"); // false for non-numbers too: it does not coerce
    }

    boolean(o: Obj | undefined, f: string, key: string): boolean | undefined {
        return this.field(o, f, key, (v) => typeof v === "boolean", "true or false");
    }

    /** A Kubernetes quantity's text; YAML numbers (`requestsCpu: 20`) are accepted and kept as decimal text. */
    quantity(o: Obj | undefined, f: string, key: string): string | undefined {
        const v = this.field<string | number>(o, f, key, (x) => typeof x === "string" || typeof x === "number", "a quantity string such as \"4\" or \"16Gi\"");
        return v === undefined ? undefined : String(v);
    }

    stringList(o: Obj | undefined, f: string, key: string): string[] | undefined {
        return this.field(o, f, key, (v) => Array.isArray(v) && v.every((x) => typeof x === "string"), "a list of strings");
    }

    stringMap(o: Obj | undefined, f: string, key: string): Record<string, string> | undefined {
        return this.field(o, f, key, (v) => typeof v === "object" && !Array.isArray(v) && Object.values(v as Obj).every((x) => typeof x === "string"), "a map of strings to strings");
    }
}

/** Flags entries whose `name` repeats. */
export function checkUniqueNames(names: (string | undefined)[], key: string, reader: FieldReader): void {
    const seen = new Map<string, number>();
    names.forEach((n, i) => {
        if (n === undefined) return;
        const first = seen.get(n);
        if (first !== undefined) reader.add(`${key}[${i}].name`, `duplicates ${key}[${first}].name; names must be unique`, n);
        else seen.set(n, i);
    });
}

const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/**
 * Why an image reference is not pinned, or undefined when it is: it needs a tag other than `latest`, or a
 * digest, so a deploy runs exactly what was reviewed.
 */
export function imageIssue(image: string): string | undefined {
    if (!IMAGE.test(image)) return "must be an image pinned by tag or digest, e.g. registry/name:1.2.3 or registry/name@sha256:<64 hex>";
    if (/:latest$/.test(image)) return "must not use the tag `latest`; pin a version or a digest";
    return undefined;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A fully qualified DNS name such as mlflow.ml.example.com (lowercase, at least two labels). */
export function isDnsName(s: string): boolean {
    return DNS_NAME.test(s);
}
