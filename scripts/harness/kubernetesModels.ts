// Validates Kubernetes objects against the OpenAPI schemas shipped by `kubernetes-models`
// (the same schemas the API server checks), so a malformed manifest fails offline, not at deploy.
// Groups without a models package (Kueue) are checked against their CRDs at the pinned version.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { CRD_DIRS, crdValidator } from "./crdValidators";
import { ROOT } from "./stackConfig";
import { Plain } from "./values";

const ESBUILD_VERSION: string = require("esbuild/package.json").version;
const { writeFileAtomic } = require("./bundle.js") as { writeFileAtomic(file: string, text: string): void };

/** Packages holding models of custom resources, by API group. Built-in groups come from kubernetes-models. */
const CUSTOM_RESOURCE_PACKAGES: Record<string, string> = {
    "cert-manager.io": "@kubernetes-models/cert-manager",
    "acme.cert-manager.io": "@kubernetes-models/cert-manager",
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
    "argoproj.io": "@kubernetes-models/argo-rollouts",
    "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
};

function modulesFor(apiVersion: string): string {
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    return `${CUSTOM_RESOURCE_PACKAGES[group] ?? "kubernetes-models"}/${apiVersion}`;
}

interface Model {
    validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** Where bundles of model modules are kept; `npm ci` empties node_modules, so a new lockfile starts afresh. */
export const MODELS_CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "mlops-kubernetes-models");

/** Model modules by specifier (e.g. `kubernetes-models/apps/v1`); {} for an API version no package models. */
const loaded = new Map<string, Record<string, unknown>>();

/** The package a specifier is in, its version, and whether the package exports the specifier's path. */
function packageOf(spec: string): { name: string; version: string; exported: boolean } {
    const parts = spec.split("/");
    const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string; exports?: Record<string, unknown> };
    return { name, version: manifest.version, exported: manifest.exports?.[`.${spec.slice(name.length)}`] !== undefined };
}

/**
 * Loads the model modules of `specs` not loaded yet. The packages are ES modules of several hundred files each;
 * importing them one file at a time costs seconds (more than the plan), so they are bundled by esbuild into one
 * CommonJS file per set of specifiers, cached under node_modules/.cache keyed by the packages' versions.
 */
function loadModels(specs: string[]): void {
    const wanted = [...new Set(specs)].filter((s) => !loaded.has(s)).sort();
    const packages = new Map(wanted.map((s) => [s, packageOf(s)]));
    for (const s of wanted.filter((x) => !packages.get(x)!.exported)) loaded.set(s, {});
    const missing = wanted.filter((s) => packages.get(s)!.exported);
    if (missing.length === 0) return;
    const key = JSON.stringify([ESBUILD_VERSION, ...missing.map((s) => [s, packages.get(s)!.version])]);
    const file = path.join(MODELS_CACHE_DIR, `models-${createHash("sha256").update(key).digest("hex").slice(0, 16)}.cjs`);
    if (!fs.existsSync(file)) {
        const bundle = buildSync({
            stdin: { contents: missing.map((s, i) => `export * as m${i} from ${JSON.stringify(s)};`).join("\n"), resolveDir: ROOT, loader: "js" },
            bundle: true, platform: "node", format: "cjs", target: "node22", write: false, logLevel: "silent",
            // re2-wasm finds its .wasm file next to its own module: loaded from node_modules, not bundled.
            external: ["re2-wasm"],
        });
        fs.mkdirSync(MODELS_CACHE_DIR, { recursive: true });
        writeFileAtomic(file, bundle.outputFiles[0].text); // plans running at once may build the same bundle
    }
    const modules = require(file) as Record<string, Record<string, unknown>>;
    missing.forEach((s, i) => loaded.set(s, modules[`m${i}`]));
}

function modelClass(apiVersion: string, kind: string): ModelClass | undefined {
    const spec = modulesFor(apiVersion);
    loadModels([spec]);
    const cls = loaded.get(spec)![kind];
    return typeof cls === "function" ? (cls as ModelClass) : undefined;
}

/** Loads, in one bundle, the models every object of a plan needs; validateObject then finds them loaded. */
export function preloadModels(objects: Record<string, Plain>[]): void {
    const apiVersions = objects.map((o) => o.apiVersion).filter((v): v is string => typeof v === "string" && !CRD_DIRS[v.split("/")[0]]);
    loadModels(apiVersions.map(modulesFor));
}

/**
 * Validates one object. Values the plan marks unknown or secret are strings where the schema may want
 * another type; such objects are validated with those leaves removed.
 * @returns the validation errors, empty when the object is valid; an unknown kind is an error.
 */
export async function validateObject(object: Record<string, Plain>): Promise<string[]> {
    const { apiVersion, kind } = object;
    if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion and kind are required"];
    if (CRD_DIRS[apiVersion.split("/")[0]]) {
        const validate = crdValidator(apiVersion, kind);
        if (!validate) return [`no CRD for ${apiVersion} ${kind}`];
        return validate(withoutPlaceholders(object)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
    }
    const cls = modelClass(apiVersion, kind);
    if (!cls) return [`no model for ${apiVersion} ${kind}`];
    try {
        new cls(withoutPlaceholders(object)).validate();
        return [];
    } catch (e) {
        return [e instanceof Error ? e.message : String(e)];
    }
}

function withoutPlaceholders(v: Plain): Plain | undefined {
    if (v === "[unknown]" || v === "[secret]") return undefined;
    if (Array.isArray(v)) return v.map(withoutPlaceholders).filter((x) => x !== undefined) as Plain[];
    if (v && typeof v === "object") {
        const out: Record<string, Plain> = {};
        for (const [k, x] of Object.entries(v)) {
            const y = withoutPlaceholders(x);
            if (y !== undefined) out[k] = y;
        }
        return out;
    }
    return v;
}
