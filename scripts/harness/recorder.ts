// Records every resource the program registers, with the options the mock engine is told about.
// The only module that touches the SDK's mock internals: if an SDK upgrade changes them, test/harness fails.
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Plain, plain } from "./values";

export interface ResourceRecord {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent resource; null only for the stack itself. */
    parent: string | null;
    /** URN of the explicit provider; null when the package's default provider is used. */
    provider: string | null;
    /** True for cloud resources, false for components (and the stack). */
    custom: boolean;
    inputs: Plain;
    protect: boolean;
    /** Every resource this one waits for: explicit dependsOn and the resources its inputs come from. */
    dependsOn: string[];
    ignoreChanges: string[];
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    additionalSecretOutputs: string[];
}

interface Recording {
    resources: Map<string, ResourceRecord>;
    stackOutputs?: Plain;
}

let current: Recording | undefined;

/** Waits until the program's outstanding resource registrations have finished (internal to the SDK). */
export function waitForRPCs(): Promise<void> {
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    return settings.waitForRPCs();
}

/** Starts a fresh recording; the returned function reads it, with the engine's URNs. */
export function startRecording(): () => Recording {
    installHooks();
    const rec: Recording = { resources: new Map() };
    current = rec;
    return () => withEngineUrns(rec);
}

/**
 * The mock monitor builds a URN from the parent's last type only (and puts the stack's type in its
 * children's). The engine qualifies a type with all its ancestors' types except the stack's. Plans use
 * the engine's URNs, as `pulumi preview` shows them and as aliases and diffs need them.
 */
function withEngineUrns(rec: Recording): Recording {
    const map = new Map<string, string>();
    const qualified = new Map<string, string>();
    for (const r of rec.resources.values()) {
        const parent = r.parent ? rec.resources.get(r.parent) : undefined;
        const type = parent && parent.type !== "pulumi:pulumi:Stack" ? `${qualified.get(parent.urn)}$${r.type}` : r.type;
        qualified.set(r.urn, type);
        const [head, project] = r.urn.split("::"); // "urn:pulumi:<stack>", "<project>"
        map.set(r.urn, [head, project, type, r.name].join("::"));
    }
    const fix = (u: string) => map.get(u) ?? u;
    const fixRefs = (v: Plain): Plain => {
        if (Array.isArray(v)) return v.map(fixRefs);
        if (v && typeof v === "object") {
            if (typeof v.$resource === "string") return { $resource: fix(v.$resource) };
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fixRefs(x)]));
        }
        return v;
    };
    const resources = new Map<string, ResourceRecord>();
    for (const r of rec.resources.values()) {
        resources.set(fix(r.urn), {
            ...r, urn: fix(r.urn), parent: r.parent && fix(r.parent), provider: r.provider && fix(r.provider),
            dependsOn: r.dependsOn.map(fix).sort(), inputs: fixRefs(r.inputs),
        });
    }
    return { resources, stackOutputs: rec.stackOutputs && fixRefs(rec.stackOutputs) };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the request objects are generated protobuf classes */
let installed = false;
function installHooks(): void {
    if (installed) return;
    installed = true;
    const proto = MockMonitor.prototype as any;
    const register = proto.registerResource;
    proto.registerResource = function (req: any, callback: (err: any, resp: any) => void) {
        const rec = current;
        // The mock engine converts the inputs from protobuf as well (to hand them to newResource): convert
        // them once for both. It only reads the result (rpc.deserializeProperties builds new objects).
        const struct = req.getObject();
        const wire = struct?.toJavaScript() ?? {};
        if (struct) struct.toJavaScript = () => wire;
        const inputs = rec ? plain(wire) : null;
        return register.call(this, req, (err: any, resp: any) => {
            if (!err) {
                if (rec) rec.resources.set(resp.getUrn(), toRecord(req, resp.getUrn(), inputs));
                markSecretOutputs(resp, req.getAdditionalsecretoutputsList());
            }
            callback(err, resp);
        });
    };
    const registerOutputs = proto.registerResourceOutputs;
    proto.registerResourceOutputs = function (req: any, callback: (err: any, resp: any) => void) {
        const rec = current;
        if (rec && req.getUrn().split("::")[2] === "pulumi:pulumi:Stack") rec.stackOutputs = plain(req.getOutputs()?.toJavaScript() ?? {});
        return registerOutputs.call(this, req, callback);
    };
}

/**
 * The mock engine ignores `additionalSecretOutputs` (e.g. a RandomPassword's `result`); the real engine
 * makes them secret. Do the same here, so values derived from them stay masked in the plan.
 */
function markSecretOutputs(resp: any, keys: string[]): void {
    if (keys.length === 0) return;
    const state = resp.getObject()?.toJavaScript() ?? {};
    for (const k of keys) {
        if (k in state && !(state[k] && state[k][rpc.specialSigKey] === rpc.specialSecretSig)) {
            state[k] = { [rpc.specialSigKey]: rpc.specialSecretSig, value: state[k] };
        }
    }
    resp.setObject(Struct.fromJavaScript(state));
}

function providerUrn(ref: string): string | null {
    // A provider reference is "<urn>::<id>"; the id is unknown in a preview.
    return ref ? ref.slice(0, ref.lastIndexOf("::")) : null;
}

function toRecord(req: any, urn: string, inputs: Plain): ResourceRecord {
    return {
        urn,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent() || null,
        provider: providerUrn(req.getProvider()),
        custom: req.getCustom(),
        inputs,
        protect: req.getProtect() === true,
        dependsOn: [...new Set<string>(req.getDependenciesList())].sort(),
        ignoreChanges: req.getIgnorechangesList(),
        retainOnDelete: req.getRetainondelete() === true,
        deleteBeforeReplace: req.getDeletebeforereplace() === true,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    };
}
