// Validators of the vendored CRDs' openAPIV3Schemas. Compiling them costs more than the whole plan (the JobSet
// CRD alone: ~0.6 s to parse its 824 KB of YAML, ~1.1 s for ajv to compile), so each CRD file is compiled once
// into ajv's standalone JavaScript, cached under node_modules/.cache keyed by the file's content, the ajv
// version and the options below; a process then loads only the validators of the kinds it checks.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { Options, ValidateFunction } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { parse } from "yaml";
import { ROOT } from "./stackConfig";

/** CRDs vendored at the versions the platform installs (see crds/<name>/LICENSE), by API group. */
export const CRD_DIRS: Record<string, string> = {
    "kueue.x-k8s.io": path.join(__dirname, "crds", "kueue-v0.19.2"),
    "jobset.x-k8s.io": path.join(__dirname, "crds", "jobset-v0.12.0"),
    // GKE's Gateway policy types (GCPBackendPolicy), GoogleCloudPlatform/gke-gateway-api at fc40d60.
    "networking.gke.io": path.join(__dirname, "crds", "gke-gateway-api-fc40d60"),
};

/** Where compiled validators are kept; `npm ci` empties node_modules, so a new lockfile starts afresh. */
export const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "mlops-crd-validators");

// CRD patterns are Go regular expressions: an inline `(?i)` becomes JavaScript's `i` flag. Self-contained,
// because the generated modules embed its source (ajv's `code` property of a regExp engine).
function goRegExp(pattern: string, flags: string): RegExp {
    return pattern.includes("(?i)") ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags);
}
const OPTIONS: Options = {
    strict: false, allErrors: true, validateFormats: false,
    code: { source: true, regExp: Object.assign(goRegExp, { code: `(${goRegExp.toString()})` }) },
};

const AJV_VERSION: string = require("ajv/package.json").version;

/** `group/version/Kind` of every version a CRD file defines, to its validator, loaded on first use. */
let index: Map<string, () => ValidateFunction> | undefined;

/** The validator of a CRD's schema for `apiVersion` (group/version) and `kind`; undefined when none is vendored. */
export function crdValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
    index ??= indexCrds();
    return index.get(`${apiVersion}/${kind}`)?.();
}

function indexCrds(): Map<string, () => ValidateFunction> {
    const map = new Map<string, () => ValidateFunction>();
    for (const dir of Object.values(CRD_DIRS)) {
        for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".yaml")).sort()) {
            const text = fs.readFileSync(path.join(dir, f), "utf8");
            const hash = createHash("sha256").update(`${AJV_VERSION}\n${OPTIONS.code!.regExp!.code}\n${JSON.stringify({ ...OPTIONS, code: undefined })}\n${text}`).digest("hex");
            const base = path.join(CACHE_DIR, `${path.basename(dir)}-${f.replace(/\.yaml$/, "")}-${hash.slice(0, 16)}`);
            const kinds: string[] = fs.existsSync(`${base}.json`) ? JSON.parse(fs.readFileSync(`${base}.json`, "utf8")) : compileToCache(text, base);
            let loaded: Record<string, ValidateFunction> | undefined;
            for (const k of kinds) map.set(k, () => (loaded ??= require(`${base}.js`) as Record<string, ValidateFunction>)[k]);
        }
    }
    return map;
}

/** Compiles every version of one CRD into a module exporting a validator per `group/version/Kind`. */
function compileToCache(text: string, base: string): string[] {
    const crd = parse(text);
    const ajv = new Ajv(OPTIONS);
    const exports: Record<string, string> = {};
    for (const v of crd.spec.versions) {
        const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
        ajv.addSchema(v.schema.openAPIV3Schema, key);
        exports[key] = key;
    }
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Written under temporary names and renamed, as plans running at once may compile the same file.
    const write = (file: string, content: string) => {
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, content);
        fs.renameSync(tmp, file);
    };
    write(`${base}.js`, standaloneCode(ajv, exports));
    write(`${base}.json`, JSON.stringify(Object.keys(exports))); // last: its presence says the module is complete
    return Object.keys(exports);
}
