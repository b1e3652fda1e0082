// The SDK's floors the bench sets a plan against: programs that register what the plan registers and do nothing
// else, under the plan's mock engine. Kept apart from the bench so a test can check they register what the plan does.
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PROJECT } from "../../stack/platform";
import { planMocks } from "./mocks";
import { ResourceRecord, setPlanMocks, waitForRPCs } from "./recorder";
import { Plain } from "./values";

/** How many resources of each type a plan registers (components counted together), besides the stack. */
export type Shape = Record<string, number>;

/** How many resources of each type `resources` holds, components counted together and the stack left out. */
export function shapeOf(resources: { type: string; custom: boolean }[]): Shape {
    const s: Shape = {};
    for (const r of resources) {
        if (r.type === "pulumi:pulumi:Stack") continue;
        const key = r.custom ? r.type : "component";
        s[key] = (s[key] ?? 0) + 1;
    }
    return s;
}

/** A component that does nothing but register, as every component does, its (empty) outputs. */
class FloorComponent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("bench:floor:Component", name, {});
        this.registerOutputs({});
    }
}

type ResourceClass = new (name: string, args: object, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The SDK class behind a type token, e.g. `gcp:container/nodePool:NodePool` -> gcp.container.NodePool,
 * `kubernetes:networking.k8s.io/v1:NetworkPolicy` -> k8s.networking.v1.NetworkPolicy.
 */
export function resourceClass(type: string): ResourceClass {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const lookup = (root: any, path: string[]) => path.reduce((o, k) => o?.[k], root);
    const [pkg, mod, cls] = type.split(":");
    const found = type === "pulumi:providers:kubernetes" ? k8s.Provider
        : pkg === "gcp" ? lookup(gcp, [mod.split("/")[0], cls])
        : pkg === "random" ? lookup(random, [cls])
        : pkg === "kubernetes" ? lookup(k8s, [mod.includes(".") || mod.split("/").length > 2 ? mod.split(".")[0] : "core", mod.split("/").pop()!, cls])
        : undefined;
    if (typeof found === "function") return found;
    if (pkg === "kubernetes") {
        // A custom resource (Rollout, ServiceMonitor, ...): the SDK's generic CustomResource.
        return class extends k8s.apiextensions.CustomResource {
            constructor(name: string, args: object, opts?: pulumi.CustomResourceOptions) {
                super(name, { ...args, apiVersion: mod, kind: cls }, opts);
            }
        };
    }
    throw new Error(`bench: no SDK class for ${type}`);
}

/** The least input a class accepts: a placeholder for each property its constructor requires. */
function trivialArgs(type: string, cls: unknown): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    for (const m of String(cls).matchAll(/Missing required property '(\w+)'/g)) args[m[1]] = "x";
    if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh/")) args.metadata = { name: "x" };
    if (type.startsWith("kubernetes:helm.sh/")) Object.assign(args, { chart: "x", version: "1.0.0" });
    if (type.startsWith("random:")) args.length = 16;
    if (type === "pulumi:providers:kubernetes") args.kubeconfig = "{}";
    return args;
}

/** Registers under the plan's mocks; `register` creates the resources and returns how many, the stack excluded. */
async function flat(stack: string, register: () => number): Promise<number> {
    await setPlanMocks(planMocks, PROJECT, stack);
    let count = 1; // the stack
    await pulumi.runtime.runInPulumiStack(async () => {
        count += register();
        return {};
    });
    await waitForRPCs();
    return count;
}

/**
 * The SDK's floor: resources of the same types and number, with trivial inputs and no nesting, under the
 * plan's mocks and without the harness's recording. Components are empty components. Returns how many registered.
 */
export function floor(stack: string, shape: Shape): Promise<number> {
    return flat(stack, () => {
        let count = 0;
        for (let i = 0; i < (shape.component ?? 0); i++, count++) new FloorComponent(`c${i}`);
        const provider = shape["pulumi:providers:kubernetes"] ? new k8s.Provider("floor", { kubeconfig: "{}" }) : undefined;
        for (const t of Object.keys(shape).filter((t) => t !== "component")) {
            if (t.startsWith("pulumi:providers:")) {
                count += shape[t];
                continue;
            }
            const cls = resourceClass(t);
            const args = trivialArgs(t, cls);
            for (let i = 0; i < shape[t]; i++, count++) new cls(`${t.split(":").pop()}-${i}`, args, t.startsWith("kubernetes:") ? { provider } : {});
        }
        return count;
    });
}

/** A recorded input as a plain value the SDK takes: a resource reference becomes its URN. */
function asInput(v: Plain): unknown {
    if (Array.isArray(v)) return v.map(asInput);
    if (v && typeof v === "object") return typeof v.$resource === "string" ? v.$resource : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asInput(x)]));
    return v;
}

/**
 * The SDK's floor with the plan's own inputs: each resource the plan recorded, registered flat with the inputs
 * it sent as plain values (secrets and unknowns as their placeholder strings, resource references as URNs), no
 * parents, Outputs or component logic. About what any program registering the same objects pays the SDK; a plan's
 * time past it is the program's own work and the SDK's for the program's Outputs, dependencies and nesting.
 */
export function inputsFloor(stack: string, records: ResourceRecord[]): Promise<number> {
    const resources = records.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => ({ r, cls: r.custom && !r.type.startsWith("pulumi:providers:") ? resourceClass(r.type) : undefined }));
    return flat(stack, () => {
        const provider = new k8s.Provider("floor", { kubeconfig: "{}" });
        let count = 0;
        resources.forEach(({ r, cls }, i) => {
            count++;
            if (!r.custom) new FloorComponent(`c${i}`);
            else if (cls) new cls(`${r.name}-${i}`, { ...trivialArgs(r.type, cls), ...(asInput(r.inputs) as object) }, r.type.startsWith("kubernetes:") ? { provider } : {});
        });
        return count;
    });
}
