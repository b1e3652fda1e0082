// Validates Kubernetes objects against the OpenAPI schemas shipped by `kubernetes-models`
// (the same schemas the API server checks), so a malformed manifest fails offline, not at deploy.
// Groups without a models package (Kueue) are checked against their CRDs at the pinned version.
import { CRD_DIRS, crdValidator } from "./crdValidators";
import { Plain } from "./values";

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

const cache = new Map<string, Record<string, unknown>>();

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
    const spec = modulesFor(apiVersion);
    if (!cache.has(spec)) {
        try {
            cache.set(spec, (await import(spec)) as Record<string, unknown>);
        } catch {
            cache.set(spec, {});
        }
    }
    const cls = cache.get(spec)![kind];
    return typeof cls === "function" ? (cls as ModelClass) : undefined;
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
    const cls = await modelClass(apiVersion, kind);
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
