// Serves the policy pack the way the Pulumi engine does: `@pulumi/pulumi`'s run-policy-pack in a child
// process, spoken to over the analyzer gRPC API (GetAnalyzerInfo, Configure, Analyze, AnalyzeStack).
import { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { PACK_SOURCE, PackProcess, startPack } from "./packProcess";
import { ResourceRecord, wireStruct } from "./recorder";
import { ROOT } from "./stackConfig";
import { Plain, SECRET, UNKNOWN } from "./values";

export const POLICY_CONFIG_DIR = path.join(PACK_SOURCE, "config");

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";
const LEVELS: Level[] = ["advisory", "mandatory", "disabled", "remediate"]; // the proto's enum order

export interface PolicyInfo {
    name: string;
    description: string;
    enforcementLevel: Level;
    /** Config schema properties, with defaults. */
    configSchema: Record<string, { default?: unknown }>;
}

export interface Violation {
    policy: string;
    level: Level;
    message: string;
    urn: string;
    /** The policy could not run: a value it reads is only known after deployment (as in a real preview). */
    notCheckable: boolean;
}

/**
 * Serialized the way the engine sends properties: unknowns and secrets as their wire markers. The plan does
 * not record a secret's value (a RandomPassword's result is not known before it is created), so it goes as a
 * secret whose value is unknown, as in a first preview: a rule that reads it cannot judge it.
 */
export function toWire(v: Plain): unknown {
    if (v === UNKNOWN) return rpc.unknownValue;
    if (v === SECRET) return { [rpc.specialSigKey]: rpc.specialSecretSig, value: rpc.unknownValue };
    if (Array.isArray(v)) return v.map(toWire);
    if (v && typeof v === "object") {
        if (typeof v.$resource === "string") return v.$resource;
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
    }
    return v;
}

function options(r: ResourceRecord): pb.AnalyzerResourceOptions {
    const o = new pb.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    o.setIgnorechangesList(r.ignoreChanges);
    o.setDeletebeforereplace(r.deleteBeforeReplace);
    o.setDeletebeforereplacedefined(r.deleteBeforeReplace);
    o.setAdditionalsecretoutputsList(r.additionalSecretOutputs);
    o.setAliasesList([]);
    if (r.parent) o.setParent(r.parent);
    return o;
}

/** Each record's properties as a Struct, built once for its Analyze and the stack's AnalyzeStack. */
const structs = new WeakMap<ResourceRecord, ReturnType<typeof wireStruct>>();
function props(r: ResourceRecord) {
    let struct = structs.get(r);
    if (!struct) structs.set(r, (struct = wireStruct(toWire(r.inputs ?? {}) as Record<string, never>)));
    return struct;
}

/** Fills what AnalyzeRequest and AnalyzerResource share: type, name, URN, properties, options. */
function describe<T extends pb.AnalyzeRequest | pb.AnalyzerResource>(msg: T, r: ResourceRecord): T {
    msg.setType(r.type);
    msg.setName(r.name);
    msg.setUrn(r.urn);
    msg.setProperties(props(r));
    msg.setOptions(options(r));
    return msg;
}

/** A running analyzer: the pack in a child process and a gRPC client to it. */
export class Analyzer {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: AnalyzerClient,
    ) {}

    /**
     * Starts run-policy-pack on `packDir` and connects once it prints its port.
     * @param signal kills the pack's process when aborted, also while it is still starting.
     */
    static start(packDir?: string, signal?: AbortSignal): Promise<Analyzer> {
        return Analyzer.connect(startPack(packDir, signal));
    }

    /** Connects to a pack started with startPack. */
    static async connect(pack: Promise<PackProcess>): Promise<Analyzer> {
        const { child, port } = await pack;
        const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new Analyzer(child, client);
    }

    private call<Req, Res>(method: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown, req: Req): Promise<Res> {
        return new Promise((resolve, reject) => method.call(this.client, req, (e: grpc.ServiceError | null, r: Res) => (e ? reject(e) : resolve(r))));
    }

    async info(): Promise<PolicyInfo[]> {
        const info = await this.call<Empty, pb.AnalyzerInfo>(this.client.getAnalyzerInfo, new Empty());
        return info.getPoliciesList().map((p) => ({
            name: p.getName(),
            description: p.getDescription(),
            enforcementLevel: LEVELS[p.getEnforcementlevel()],
            configSchema: (p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as Record<string, { default?: unknown }>,
        }));
    }

    /**
     * Configures the pack from a policy config file's content, resolved as the CLI does: a policy's own
     * entry (a level, or an object with `enforcementLevel` and properties), else `all`, else its default
     * level; properties over the schema's defaults.
     */
    async configure(config: Record<string, unknown>): Promise<Map<string, Level>> {
        const req = new pb.ConfigureAnalyzerRequest();
        const levels = new Map<string, Level>();
        for (const p of await this.info()) {
            const own = config[p.name];
            const { enforcementLevel, ...properties } = typeof own === "string" ? { enforcementLevel: own } : ((own ?? {}) as Record<string, unknown>);
            const level = (enforcementLevel ?? config.all ?? p.enforcementLevel) as Level;
            if (!LEVELS.includes(level)) throw new Error(`policy config: ${p.name}: unknown enforcement level ${JSON.stringify(level)}`);
            const defaults = Object.fromEntries(Object.entries(p.configSchema).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
            const pc = new pb.PolicyConfig();
            pc.setEnforcementlevel(LEVELS.indexOf(level) as pb.EnforcementLevel);
            pc.setProperties(wireStruct({ ...defaults, ...properties } as Record<string, never>));
            req.getPolicyconfigMap().set(p.name, pc);
            levels.set(p.name, level);
        }
        const unknown = Object.keys(config).filter((k) => k !== "all" && !levels.has(k));
        if (unknown.length) throw new Error(`policy config names unknown policies: ${unknown.join(", ")}`);
        await this.call(this.client.configure, req);
        return levels;
    }

    private violations(diags: pb.AnalyzeDiagnostic[], urn = ""): Violation[] {
        return diags.map((d) => {
            // The SDK prefixes a violation with the policy's description; keep what the rule reported.
            const message = d.getMessage().startsWith(d.getDescription()) ? d.getMessage().slice(d.getDescription().length).trim() : d.getMessage();
            return { policy: d.getPolicyname(), level: LEVELS[d.getEnforcementlevel()], message, urn: d.getUrn() || urn, notCheckable: /^can't run policy /.test(message) };
        });
    }

    /** Analyze for one resource, as the engine calls it for each resource it registers. */
    async analyze(r: ResourceRecord): Promise<Violation[]> {
        return this.violations((await this.analyzeRequest(r)).getDiagnosticsList(), r.urn);
    }

    private analyzeRequest(r: ResourceRecord): Promise<pb.AnalyzeResponse> {
        return this.call<pb.AnalyzeRequest, pb.AnalyzeResponse>(this.client.analyze, describe(new pb.AnalyzeRequest(), r));
    }

    /**
     * The policies the pack reported as not applicable to one resource, with the reason, from its Analyze: a rule
     * for one resource type is skipped that way, before @pulumi/policy decodes the resource's properties.
     */
    async notApplicable(r: ResourceRecord): Promise<Map<string, string>> {
        const res = await this.analyzeRequest(r);
        return new Map(res.getNotApplicableList().map((n) => [n.getPolicyName(), n.getReason()]));
    }

    /** AnalyzeStack over the whole plan, as the engine calls it at the end of a preview. */
    async analyzeStack(resources: ResourceRecord[]): Promise<Violation[]> {
        const req = new pb.AnalyzeStackRequest();
        req.setResourcesList(resources.map((r) => {
            const a = describe(new pb.AnalyzerResource(), r);
            if (r.parent) a.setParent(r.parent);
            a.setDependenciesList(r.dependsOn);
            return a;
        }));
        const res = await this.call<pb.AnalyzeStackRequest, pb.AnalyzeResponse>(this.client.analyzeStack, req);
        return this.violations(res.getDiagnosticsList());
    }

    close(): void {
        this.client.close();
        this.child.kill();
    }
}

/** The policy config file for a stack: policies/config/<stack>.json, else prod's (the strictest). */
export function policyConfigFor(stack: string): { file: string; config: Record<string, unknown> } {
    const own = path.join(POLICY_CONFIG_DIR, `${stack}.json`);
    const file = fs.existsSync(own) ? own : path.join(POLICY_CONFIG_DIR, "prod.json");
    return { file, config: JSON.parse(fs.readFileSync(file, "utf8")) };
}

export interface PolicyReport {
    configFile: string;
    /** Violations found; policies that could not run for unknown values are in `notCheckable`. */
    violations: Violation[];
    notCheckable: Violation[];
    mandatory: number;
    advisory: number;
}

/** Runs the pack over a plan: Analyze for every resource, then AnalyzeStack. */
export function checkPolicies(stack: string, resources: ResourceRecord[], analyzer?: Analyzer): Promise<PolicyReport> {
    const check = PolicyCheck.start(stack, analyzer && Promise.resolve(analyzer));
    for (const r of resources) check.analyze(r);
    return check.report(resources);
}

/**
 * A policy check as the engine runs one in a preview: Analyze queued for each resource as it registers,
 * AnalyzeStack once the program has finished. Requests go out once the pack is configured, which takes turns of
 * the event loop: a plan run in one chain of promises gives none, so they reach the pack after it, at the caller's
 * next await that waits on I/O.
 */
export class PolicyCheck {
    private readonly configured: Promise<Analyzer>;
    private readonly analyses: Promise<Violation[]>[] = [];
    private readonly configFile: string;

    private constructor(stack: string, private readonly analyzer: Promise<Analyzer>, private readonly owned: boolean) {
        const { file, config } = policyConfigFor(stack);
        this.configFile = file;
        this.configured = analyzer.then(async (a) => {
            await a.configure(config);
            return a;
        });
        this.configured.catch(() => undefined); // reported by report()
    }

    /** @param analyzer a running pack, which the caller closes; without it the check starts and closes its own. */
    static start(stack: string, analyzer?: Promise<Analyzer>): PolicyCheck {
        return new PolicyCheck(stack, analyzer ?? Analyzer.start(), analyzer === undefined);
    }

    /** Queues Analyze for one resource (the stack itself is not analysed), sent once the pack is configured. */
    analyze(r: ResourceRecord): void {
        if (r.type === "pulumi:pulumi:Stack") return;
        const analysis = this.configured.then((a) => a.analyze(r));
        analysis.catch(() => undefined); // reported by report()
        this.analyses.push(analysis);
    }

    /** AnalyzeStack over every resource of the plan, and the report of every violation found. */
    async report(resources: ResourceRecord[]): Promise<PolicyReport> {
        try {
            const analyzer = await this.configured;
            const whole = analyzer.analyzeStack(resources.filter((r) => r.type !== "pulumi:pulumi:Stack"));
            const all = [...(await Promise.all(this.analyses)).flat(), ...(await whole)];
            const violations = all.filter((v) => !v.notCheckable);
            return {
                configFile: path.relative(ROOT, this.configFile),
                violations,
                notCheckable: all.filter((v) => v.notCheckable),
                mandatory: violations.filter((v) => v.level === "mandatory").length,
                advisory: violations.filter((v) => v.level === "advisory").length,
            };
        } finally {
            if (this.owned) this.analyzer.then((a) => a.close(), () => undefined);
        }
    }
}

export function formatReport(r: PolicyReport): string {
    const lines = [`Policy pack mlops-platform (${r.configFile}): ${r.mandatory} mandatory, ${r.advisory} advisory violation(s).`];
    for (const v of [...r.violations].sort((a, b) => b.level.localeCompare(a.level) || a.policy.localeCompare(b.policy))) {
        lines.push(`  [${v.level}] ${v.policy}: ${v.message}${v.urn ? `\n      ${v.urn}` : ""}`);
    }
    if (r.notCheckable.length) {
        const byPolicy = new Map<string, number>();
        for (const v of r.notCheckable) byPolicy.set(v.policy, (byPolicy.get(v.policy) ?? 0) + 1);
        lines.push(`  Not checkable offline (a value is only known after deployment, as in a real preview): ${[...byPolicy].map(([p, n]) => `${p} (${n})`).join(", ")}`);
    }
    return lines.join("\n");
}
