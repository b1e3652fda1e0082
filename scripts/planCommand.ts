// The plan command (scripts/plan.ts starts it): evaluates index.ts with Pulumi.<stack>.yaml under the Pulumi SDK's
// mock runtime (no CLI, cloud or credentials), checks the plan, writes out/<stack>/{resources.json,outputs.json,
// manifests/,summary.txt,*.svg} and prints a one-screen digest.
import * as path from "node:path";
import { ConfigError } from "../lib/errors";
import { formatVerdicts } from "../components/scheduling/capacity";
import { preloadModels, validateObject } from "./harness/kubernetesModels";
import { checkQueueCapacity, checkSchedulability } from "./harness/schedulability";
import { PackProcess } from "./harness/packProcess";
import { Analyzer, PolicyCheck, formatReport } from "./harness/policy";
import { kubernetesObjects, readPlan, summarize, writeDetails, writePlan } from "./harness/output";
import { digest, planCost } from "./harness/digest";
import { formatCost } from "./harness/cost";
import { planDiagrams } from "./harness/diagrams";
import { diffPlans, formatDiff } from "./harness/diff";
import { PlanError, runPlan } from "./harness/runPlan";
import { ROOT, StackFileError, listStacks, loadStackConfig } from "./harness/stackConfig";

const FLAGS = ["--out", "--config-file", "--diff"];

/** Splits argv into flags (each needs a value) and positionals; the problem, if the command line is malformed. */
function parseArgs(argv: string[]): { flags: Record<string, string>; positional: string[] } | { error: string } {
    const flags: Record<string, string> = {};
    const positional: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) { positional.push(a); continue; }
        if (!FLAGS.includes(a)) return { error: `unknown option ${a}` };
        const value = argv[i + 1];
        if (value === undefined || value.startsWith("--")) return { error: `${a} needs a value` };
        flags[a] = value;
        i++;
    }
    return { flags, positional };
}

/**
 * Runs `npm run plan` with these arguments; the exit code.
 * @param pack the policy pack's process, started by the caller; killed through `stopPack` when done.
 */
export async function main(argv: string[], pack: Promise<PackProcess>, stopPack: AbortController): Promise<number> {
    const args = parseArgs(argv);
    const positional = "error" in args ? [] : args.positional;
    const flag = (name: string) => ("error" in args ? undefined : args.flags[name]);
    const stack = positional[0];
    if ("error" in args || !stack || positional.length > 1) {
        const why = "error" in args ? `error: ${args.error}\n` : "";
        console.error(`${why}usage: npm run plan -- <stack> [--out <dir>] [--config-file <file>] [--diff <dir>]; stacks: ${listStacks().join(", ")}`);
        return 2;
    }
    const outDir = path.resolve(flag("--out") ?? path.join(ROOT, "out", stack));
    const configFile = flag("--config-file");
    const diffDir = flag("--diff");
    const analyzer = Analyzer.connect(pack);
    analyzer.catch(() => undefined); // a failure to start is reported where the report awaits it
    try {
        // As the engine does, Analyze for each resource as it registers (queued until the pack is configured).
        const policyCheck = PolicyCheck.start(stack, analyzer);
        // Stack traces off: the SDK's per-promise traces are half the plan's time and nothing here reads them.
        const plan = await runPlan(stack, loadStackConfig(stack, configFile && path.resolve(configFile)), {
            stackTraces: false, onRecord: (r) => policyCheck.analyze(r),
            // Evaluated once: from the command's bundle, the bundle's own copy of the program (scripts/launch.js).
            load: () => require("../index"),
        });
        // AnalyzeStack, the pack's longest request, is queued behind the Analyze requests. They all go out once the
        // pack is configured, which takes turns of the event loop that neither the plan nor the synchronous checks
        // below give: in practice when the report is awaited. Sending them sooner gained nothing (docs/development.md).
        const policyReport = policyCheck.report(plan.resources);
        policyReport.catch(() => undefined); // awaited below, unless an earlier check fails
        // Read the earlier plan before writing: it may be the same directory.
        const earlier = diffDir ? readPlan(path.resolve(diffDir)) : undefined;
        writePlan(plan, outDir);
        // The long report goes to summary.txt; the screen gets the digest once every check has run.
        const details = [summarize(plan)];
        const diff = earlier && formatDiff(diffPlans(earlier, plan), diffDir!);
        if (diff) details.push(diff);
        const objects = kubernetesObjects(plan.resources);
        preloadModels(objects.map((o) => o.object));
        const invalid = [];
        for (const { record, object } of objects) {
            for (const error of await validateObject(object)) invalid.push(`${record.urn}: ${error}`);
        }
        if (invalid.length > 0) {
            console.error(`error: ${invalid.length} Kubernetes object(s) fail schema validation:\n  ${invalid.join("\n  ")}`);
            return 1;
        }
        details.push(`Validated ${objects.length} Kubernetes objects against the Kubernetes API schemas (kubernetes-models).`);
        const verdicts = checkSchedulability(plan.resources);
        const unschedulable = [...formatVerdicts(verdicts), ...checkQueueCapacity(plan.resources)];
        const ok = verdicts.filter((v) => v.problems.length === 0).length;
        if (unschedulable.length > 0) {
            console.error(`error: ${verdicts.length - ok} of ${verdicts.length} pod templates can never run, or queues promise capacity no pool has:\n  ${unschedulable.join("\n  ")}`);
            return 1;
        }
        details.push(`${ok} of ${verdicts.length} pod templates schedulable and admissible (node pools, quotas, Kueue queues; Helm charts' own pods are not in the plan); queue quotas within their pools.`);
        const cost = formatCost(planCost(plan));
        const diagrams = await planDiagrams(plan.resources, stack);
        const report = await policyReport;
        details.push(formatReport(report), cost);
        const dir = path.relative(process.cwd(), outDir) || ".";
        const facts = { plan, dir, validObjects: objects.length, schedulable: { ok, total: verdicts.length }, policy: report };
        writeDetails(outDir, [digest({ ...facts, diagrams: Object.keys(diagrams) }, true), ...details], diagrams);
        console.log(digest({ ...facts, diagrams: Object.keys(diagrams) }));
        if (diff) console.log(`\n${diff}`);
        return report.mandatory > 0 ? 1 : 0;
    } catch (e) {
        const cause = e instanceof PlanError ? e.cause : e;
        console.error(cause instanceof ConfigError || cause instanceof StackFileError ? `error: ${cause.message}` : cause);
        return 1;
    } finally {
        // Kills the pack's process even when the plan failed before it finished starting.
        analyzer.then((a) => a.close(), () => undefined);
        stopPack.abort();
    }
}

