// Records every resource the program registers, with the options the mock engine is told about.
// The only module that touches the SDK's mock internals: if an SDK upgrade changes them, test/harness fails.
import * as pulumi from "@pulumi/pulumi";
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

/** A resource as registered: its inputs as sent (wire form), its URNs the mock monitor's. */
type Registration = Omit<ResourceRecord, "inputs"> & { wire: unknown; record?: ResourceRecord };

/** What the monitor records while the program runs; read() turns it into a Recording. */
interface Registrations {
    resources: Map<string, Registration>;
    /** The engine's URN of each resource, by the mock monitor's URN; and the engine's qualified type. */
    engineUrns: Map<string, string>;
    qualifiedTypes: Map<string, string>;
    stackOutputs?: Plain;
    onRecord?: (record: ResourceRecord) => void;
}

let current: Registrations | undefined;

/** Waits until the program's outstanding resource registrations have finished (internal to the SDK). */
export function waitForRPCs(): Promise<void> {
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    return settings.waitForRPCs();
}

/**
 * Starts a fresh recording; the returned function reads it, with the engine's URNs.
 * @param onRecord called with each resource's record as it registers, as the engine calls a policy pack's
 *   Analyze; the records are built then instead of when the recording is read.
 */
export function startRecording(onRecord?: (record: ResourceRecord) => void): () => Recording {
    const rec: Registrations = { resources: new Map(), engineUrns: new Map(), qualifiedTypes: new Map(), onRecord };
    current = rec;
    return () => {
        const resources = new Map<string, ResourceRecord>();
        for (const r of rec.resources.values()) {
            const record = r.record ?? toRecord(rec, r);
            resources.set(record.urn, record);
        }
        return { resources, stackOutputs: rec.stackOutputs && withEngineRefs(rec, rec.stackOutputs) };
    };
}

/**
 * The mock monitor builds a URN from the parent's last type only (and puts the stack's type in its
 * children's). The engine qualifies a type with all its ancestors' types except the stack's. Plans use
 * the engine's URNs, as `pulumi preview` shows them and as aliases and diffs need them. A parent registers
 * before its children, so each URN is known when the resource registers.
 */
function record(rec: Registrations, r: Registration): void {
    const parent = r.parent ? rec.resources.get(r.parent) : undefined;
    const type = parent && parent.type !== "pulumi:pulumi:Stack" ? `${rec.qualifiedTypes.get(parent.urn)}$${r.type}` : r.type;
    rec.qualifiedTypes.set(r.urn, type);
    const [head, project] = r.urn.split("::"); // "urn:pulumi:<stack>", "<project>"
    rec.engineUrns.set(r.urn, [head, project, type, r.name].join("::"));
    rec.resources.set(r.urn, r);
    if (rec.onRecord) rec.onRecord((r.record = toRecord(rec, r)));
}

function engineUrn(rec: Registrations, urn: string): string {
    return rec.engineUrns.get(urn) ?? urn;
}

function withEngineRefs(rec: Registrations, v: Plain): Plain {
    if (Array.isArray(v)) return v.map((x) => withEngineRefs(rec, x));
    if (v && typeof v === "object") {
        if (typeof v.$resource === "string") return { $resource: engineUrn(rec, v.$resource) };
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withEngineRefs(rec, x)]));
    }
    return v;
}

function toRecord(rec: Registrations, r: Registration): ResourceRecord {
    const fix = (u: string) => engineUrn(rec, u);
    return {
        urn: fix(r.urn), type: r.type, name: r.name, parent: r.parent && fix(r.parent), provider: r.provider && fix(r.provider),
        custom: r.custom, inputs: withEngineRefs(rec, plain(r.wire)), protect: r.protect, dependsOn: r.dependsOn.map(fix).sort(),
        ignoreChanges: r.ignoreChanges, retainOnDelete: r.retainOnDelete, deleteBeforeReplace: r.deleteBeforeReplace,
        additionalSecretOutputs: r.additionalSecretOutputs,
    };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the request objects are generated protobuf classes */

/**
 * Sets the SDK's mock runtime up for a plan (`setMocks`, as a preview) with the mock engine answering in this
 * process: its register calls hand property maps over as the JavaScript objects they are, where the SDK's
 * mock converts them to protobuf Structs and back, twice per resource, although nothing crosses a wire.
 * The bench's floor plans under the same engine.
 */
export async function setPlanMocks(mocks: pulumi.runtime.Mocks, project: string, stack: string): Promise<void> {
    await pulumi.runtime.setMocks(mocks, project, stack, true);
    const monitor = (require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any }).getMonitor();
    if (!(monitor instanceof MockMonitor)) throw new Error("setPlanMocks: the SDK's mock monitor is not installed");
    monitor.registerResource = registerInProcess;
    const registerOutputs = monitor.registerResourceOutputs;
    monitor.registerResourceOutputs = function (req: any, callback: (err: any, resp: any) => void) {
        const rec = current;
        if (rec && req.getUrn().split("::")[2] === "pulumi:pulumi:Stack") rec.stackOutputs = plain(req.getOutputs()?.toJavaScript() ?? {});
        return registerOutputs.call(this, req, callback);
    };
}

/**
 * MockMonitor.registerResource (SDK 3.270.0, runtime/mocks.js), answering with the state as it is, and with
 * what the real engine adds: the plan's record of the request, and `additionalSecretOutputs` made secret.
 */
async function registerInProcess(this: any, req: any, callback: (err: any, resp: any) => void): Promise<void> {
    try {
        const rec = current;
        const wire: Record<string, unknown> = req.getObject()?.toJavaScript() ?? {};
        // rpc.deserializeProperties and plain() build new objects: both may read the same one, and the record
        // keeps it as sent (converted to plain JSON when the recording is read, or as it registers).
        const transforms = req.getTransformsList().map((cb: any) => this.transformCallbacks.get(cb.getToken())).filter((t: unknown) => t !== undefined);
        const result = await this.mocks.newResource({
            type: req.getType(), name: req.getName(), inputs: rpc.deserializeProperties(inProcessStruct(wire)),
            provider: req.getProvider(), custom: req.getCustom(), id: req.getImportid(), transforms,
        });
        const urn: string = this.newUrn(req.getParent(), req.getType(), req.getName());
        const state = await rpc.serializeProperties("", result.state);
        this.resources.set(urn, { urn, id: result.id ?? null, state });
        if (rec) record(rec, toRegistration(req, urn, wire));
        const answer = withSecretOutputs(state, req.getAdditionalsecretoutputsList());
        callback(null, {
            getUrn: () => urn,
            getId: () => result.id || "",
            getObject: () => inProcessStruct(answer),
            getPropertydependenciesMap: () => undefined,
            getResult: () => 0, // Result.SUCCESS
            getUnknown: () => false,
        });
    } catch (err) {
        callback(err, undefined);
    }
}

/**
 * A Struct that holds its JavaScript value as it is: what the SDK and the mock engine read of one. Empty as a
 * protobuf message, so it must never be sent over a wire: reading its fields, as serializing does, throws.
 */
class InProcessStruct extends Struct {
    constructor(private readonly value: Record<string, unknown>) {
        super();
    }
    override toJavaScript(): Record<string, any> {
        return this.value;
    }
    override getFieldsMap(): never {
        throw new Error("an in-process Struct of the offline plan reached a protobuf serializer");
    }
}

function inProcessStruct(value: Record<string, unknown>): Struct {
    return new InProcessStruct(value);
}

const protobufStruct = Struct.fromJavaScript;
/** Set while wireStruct builds: nested values are Structs of their own, built through the same static method. */
let buildingForWire = false;

/**
 * A Struct that can be sent, as google-protobuf's Struct.fromJavaScript builds it, also while a plan runs (see
 * withInProcessStructs): the policy pack's requests may go over gRPC whenever the event loop turns.
 */
export function wireStruct(value: Parameters<typeof Struct.fromJavaScript>[0]): Struct {
    buildingForWire = true;
    try {
        return protobufStruct(value);
    } finally {
        buildingForWire = false;
    }
}

/**
 * Runs `fn` (a plan) with the SDK's Structs built in-process: the SDK builds a Struct of every resource's
 * inputs for the engine, which here is the in-process mock (setPlanMocks). Restored afterwards.
 */
export async function withInProcessStructs<T>(fn: () => Promise<T>): Promise<T> {
    Struct.fromJavaScript = (value) => (buildingForWire ? protobufStruct(value) : new InProcessStruct(value));
    try {
        return await fn();
    } finally {
        Struct.fromJavaScript = protobufStruct;
    }
}

/**
 * The mock engine ignores `additionalSecretOutputs` (e.g. a RandomPassword's `result`); the real engine
 * makes them secret. Do the same here, so values derived from them stay masked in the plan.
 */
function withSecretOutputs(state: Record<string, any>, keys: string[]): Record<string, unknown> {
    const secret = keys.filter((k) => k in state && !(state[k] && state[k][rpc.specialSigKey] === rpc.specialSecretSig));
    if (secret.length === 0) return state;
    const out = { ...state };
    for (const k of secret) out[k] = { [rpc.specialSigKey]: rpc.specialSecretSig, value: state[k] };
    return out;
}

function providerUrn(ref: string): string | null {
    // A provider reference is "<urn>::<id>"; the id is unknown in a preview.
    return ref ? ref.slice(0, ref.lastIndexOf("::")) : null;
}

function toRegistration(req: any, urn: string, wire: unknown): Registration {
    return {
        urn,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent() || null,
        provider: providerUrn(req.getProvider()),
        custom: req.getCustom(),
        wire,
        protect: req.getProtect() === true,
        dependsOn: [...new Set<string>(req.getDependenciesList())].sort(),
        ignoreChanges: req.getIgnorechangesList(),
        retainOnDelete: req.getRetainondelete() === true,
        deleteBeforeReplace: req.getDeletebeforereplace() === true,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    };
}
