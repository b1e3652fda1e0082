// Runs the real program (index.ts) under the Pulumi SDK's mock runtime, as a preview of one stack.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../lib/errors";
import { PROJECT } from "../../stack/platform";
import { planMocks } from "./mocks";
import { ResourceRecord, setPlanMocks, startRecording, waitForRPCs, withInProcessStructs } from "./recorder";
import { ROOT, StackConfig, toRuntimeConfig } from "./stackConfig";
import { Plain } from "./values";

export interface Plan {
    stack: string;
    /** Every registered resource, sorted by URN. */
    resources: ResourceRecord[];
    /** Stack outputs, secrets masked, unknowns marked. */
    outputs: Record<string, Plain>;
    /** Milliseconds from the first registration to the last (SDK start-up excluded). */
    elapsedMs: number;
}

/** The error a failed program raised, with the resources it registered before failing. */
export class PlanError extends Error {
    constructor(
        readonly cause: unknown,
        readonly resources: ResourceRecord[],
    ) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.name = "PlanError";
    }
}

export const PROGRAM = path.join(ROOT, "index.ts");

// When the program throws, the SDK's internal promises (the stack's outputs, its components' data) reject
// too, some of them after the run has returned. The real language host swallows those after reporting the
// first; so does the harness, for errors it has already returned as a PlanError, and only for those.
const reported = new WeakSet<object>();
let rejectionHandlerInstalled = false;
function ignoreReportedRejections(): void {
    if (rejectionHandlerInstalled) return;
    rejectionHandlerInstalled = true;
    process.on("unhandledRejection", (reason) => {
        if (reason && typeof reason === "object" && reported.has(reason)) return;
        throw reason;
    });
}

/**
 * Runs `fn` (a plan) as plans run: source-mapped stack traces off and the SDK's Structs built in-process
 * (withInProcessStructs). The SDK captures a full stack trace for every resource (for source positions the
 * plan does not use); formatting each frame through tsx's source maps costs more than registering the
 * resource. Traces of errors raised meanwhile point at transpiled lines.
 */
export async function withPlanRuntime<T>(fn: () => Promise<T>): Promise<T> {
    const enabled = process.sourceMapsEnabled;
    process.setSourceMapsEnabled(false);
    try {
        return await withInProcessStructs(fn);
    } finally {
        process.setSourceMapsEnabled(enabled);
    }
}

export interface RunOptions {
    /** The program to evaluate; default index.ts, loaded afresh for each run. */
    program?: string;
    /**
     * Loads the program instead: a command bundled with its program (scripts/launch.js) passes
     * `() => require("../index")`, which the bundle resolves to its own copy, evaluated once. A rerun for an
     * error's trace (see stackTraces) loads index.ts afresh through tsx.
     */
    load?: () => unknown;
    /**
     * Whether the SDK captures stack traces while the program runs (default true, as `pulumi preview` runs it).
     * It captures one for every promise it makes, for source positions and leak reports the plan does not use:
     * about half of a plan's time. Off, an error other than a config error reruns the plan with them on, so the
     * error's trace is whole.
     */
    stackTraces?: boolean;
    /** The mock engine's answers; default planMocks. */
    mocks?: pulumi.runtime.Mocks;
    /** Called with each resource's record as it registers (the engine calls a policy pack's Analyze then). */
    onRecord?: (record: ResourceRecord) => void;
}

/**
 * Evaluates the program for `stack` with `config`, as `pulumi preview` would, and returns what it registered.
 * Runs in this process; runs are sequential (the SDK's runtime state is global).
 * @throws PlanError when the program fails, e.g. on invalid configuration.
 */
export async function runPlan(stack: string, config: StackConfig, options: RunOptions = {}): Promise<Plan> {
    const fresh = () => {
        const program = options.program ?? PROGRAM;
        unloadModule(require.resolve(program));
        return require(program);
    };
    const run = (load: () => unknown, onRecord?: (record: ResourceRecord) => void) => withPlanRuntime(() => evaluate(stack, config, load, options.mocks ?? planMocks, onRecord));
    if (options.stackTraces !== false) return run(options.load ?? fresh, options.onRecord);
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return await run(options.load ?? fresh, options.onRecord);
    } catch (e) {
        if (e instanceof PlanError && e.cause instanceof ConfigError) throw e;
    } finally {
        Error.stackTraceLimit = limit;
    }
    // Fails again, now with the error's whole trace. A bundle cannot evaluate its program twice: tsx loads it.
    if (options.load) require("tsx/cjs/api").register();
    return run(fresh);
}

/**
 * Forgets a loaded module, so the next require evaluates it afresh. Deleting it from the cache is not enough:
 * the module that required it keeps it in its `children`, and with it everything the program's closures hold
 * (every resource of the plan before), so a process running plan after plan would grow by a whole plan each time.
 */
function unloadModule(id: string): void {
    const old = require.cache[id];
    if (!old) return;
    delete require.cache[id];
    // Modules it loaded first keep it as their first parent (an internal reference): drop what it exported.
    old.exports = {};
    for (const m of Object.values(require.cache)) {
        const i = m?.children.indexOf(old) ?? -1;
        if (i >= 0) m!.children.splice(i, 1);
    }
}

async function evaluate(stack: string, config: StackConfig, load: () => unknown, mocks: pulumi.runtime.Mocks, onRecord?: (record: ResourceRecord) => void): Promise<Plan> {
    await setPlanMocks(mocks, PROJECT, stack);
    pulumi.runtime.setAllConfig(toRuntimeConfig(config.values), config.secretKeys);
    ignoreReportedRejections();
    const read = startRecording(onRecord);
    const started = process.hrtime.bigint();
    let failure: unknown;
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            const exported = load();
            return typeof exported === "function" ? exported() : exported;
        });
    } catch (e) {
        failure = e;
    }
    try {
        await waitForRPCs();
    } catch (e) {
        failure ??= e;
    }
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const rec = read();
    const resources = [...rec.resources.values()].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    if (failure !== undefined) {
        if (failure && typeof failure === "object") reported.add(failure);
        throw new PlanError(failure, resources);
    }
    return { stack, resources, outputs: (rec.stackOutputs ?? {}) as Record<string, Plain>, elapsedMs };
}
