// npm run bench [-- --reps N]
// Plan time for prod and for a large config (50 GPU pools, 100 namespaces), each next to the SDK's floor:
// a trivial program registering the same number of resources of the same kinds under the same mocks; then the
// wall time of the whole `npm run plan -- prod` command.
// Next to it, the inputs floor: the plan's own objects registered flat, which splits the plan's time past the floor
// into the SDK's handling of the plan's inputs and the program's own work.
// Every measurement runs in a fresh process; the median of N processes is kept. Plan and floor run under the same
// in-process mock engine, in processes with the command's V8 options (harness/nodeOptions.ts), and with the SDK's
// default stack traces (as `pulumi preview` runs a program); the plan command turns the traces off (see runPlan's
// stackTraces), which its wall time shows.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { bootstrapInterval, median, verdict } from "./harness/benchStats";
import { Shape, floor, inputsFloor, shapeOf } from "./harness/floors";
import { runPlan, withPlanRuntime } from "./harness/runPlan";
import { largeConfig } from "./harness/benchConfig";
import { PLAN_NODE_OPTIONS } from "./harness/nodeOptions";
import { ROOT, loadStackConfig } from "./harness/stackConfig";

interface Sample { resources: number; shape: Shape; coldMs: number; ms: number; wallMs: number }

const started = Date.now();
/** The bound issue #16 sets for every ratio of plan to floor, cold and warm, and for the marginal cost. */
const TARGET_RATIO = 1.5;

/**
 * One measurement process: the same work twice. The first (cold) run includes loading the program's modules
 * and provider SDK modules and JIT warm-up; the second (warm) run is the registration cost alone.
 */
async function child(mode: "plan" | "floor" | "inputs", stack: string, configFile: string, shapeFile?: string): Promise<void> {
    const times: number[] = [];
    let resources = 0;
    let shape: Shape | undefined = shapeFile ? JSON.parse(fs.readFileSync(shapeFile, "utf8")) : undefined;
    // The inputs floor registers what a plan recorded: the plan runs first, untimed, so its "cold" run is not cold.
    const records = mode === "inputs" ? (await runPlan(stack, loadStackConfig(stack, configFile))).resources : [];
    for (let run = 0; run < 2; run++) {
        // Each run starts from a collected heap, so neither pays for the garbage of what ran before it.
        global.gc!();
        if (mode === "plan") {
            const plan = await runPlan(stack, loadStackConfig(stack, configFile));
            shape = shapeOf(plan.resources);
            resources = plan.resources.length;
            times.push(plan.elapsedMs);
        } else {
            const t = process.hrtime.bigint();
            resources = await withPlanRuntime(() => (mode === "floor" ? floor(stack, shape!) : inputsFloor(stack, records)));
            times.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
    }
    console.log(JSON.stringify({ resources, shape, coldMs: times[0], ms: times[1] }));
}

function measure(args: string[]): Sample {
    const t = Date.now();
    let out: string;
    try {
        // This Node with the V8 options `npm run plan` runs with, and tsx's loader (no tsx CLI process in between).
        out = execFileSync(process.execPath, ["--expose-gc", ...PLAN_NODE_OPTIONS, "--import", "tsx", __filename, "--child", ...args], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
        throw new Error(`bench run ${args.join(" ")} failed: ${String((e as { stderr?: string }).stderr ?? e).split("\n").slice(0, 6).join("\n")}`, { cause: e });
    }
    const wallMs = Date.now() - t;
    return { ...JSON.parse(out.trim().split("\n").pop()!), wallMs };
}

/**
 * Wall time of the whole command a user runs, `npm run plan -- prod`: npm, Node and SDK start-up, the plan,
 * writing it, schema validation, schedulability and the policy pack. Written to a scratch directory.
 */
function planCommandMs(outDir: string): number {
    const t = Date.now();
    try {
        execFileSync("npm", ["run", "plan", "--", "prod", "--out", outDir], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
        throw new Error(`npm run plan -- prod failed: ${String((e as { stderr?: string }).stderr ?? e).split("\n").slice(0, 6).join("\n")}`, { cause: e });
    }
    return Date.now() - t;
}

function medianSample(samples: Sample[]): Sample {
    return { ...samples[0], coldMs: median(samples.map((s) => s.coldMs)), ms: median(samples.map((s) => s.ms)), wallMs: median(samples.map((s) => s.wallMs)) };
}

function main(reps: number): void {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-bench-"));
    const files = { prod: path.join(ROOT, "Pulumi.prod.yaml"), large: path.join(tmp, "Pulumi.large.yaml") };
    // Drop undefined leaves the YAML writer would keep as nulls.
    const largeValues = JSON.parse(JSON.stringify(largeConfig()));
    fs.writeFileSync(files.large, stringify({ config: largeValues }));
    const rows: { label: string; plan: Sample; floor: Sample; inputs: Sample; pairs: { plan: Sample; floor: Sample }[] }[] = [];
    for (const [label, file] of [["prod", files.prod], ["50 GPU pools + 100 namespaces", files.large]] as const) {
        const plans: Sample[] = [];
        const floors: Sample[] = [];
        const inputs: Sample[] = [];
        for (let i = 0; i < reps; i++) {
            const plan = measure(["plan", "bench", file]);
            const shapeFile = path.join(tmp, "shape.json");
            fs.writeFileSync(shapeFile, JSON.stringify(plan.shape));
            plans.push(plan);
            floors.push(measure(["floor", "bench", file, shapeFile]));
            inputs.push(measure(["inputs", "bench", file]));
            if (inputs.at(-1)!.resources !== plan.resources) throw new Error(`bench: the inputs floor registered ${inputs.at(-1)!.resources} resources, the plan ${plan.resources}`);
        }
        rows.push({ label, plan: medianSample(plans), floor: medianSample(floors), inputs: medianSample(inputs), pairs: plans.map((plan, i) => ({ plan, floor: floors[i] })) });
    }
    const commandMs = median(Array.from({ length: reps }, () => planCommandMs(path.join(tmp, "plan-prod"))));
    fs.rmSync(tmp, { recursive: true, force: true });

    const pad = (s: string | number, n: number) => String(s).padStart(n);
    const f = (x: number) => x.toFixed(0);
    console.log(`Offline plan benchmark: median of ${reps} fresh processes per row. "warm" is a second run in the same`);
    console.log(`process; "cold" is the first (JIT warm-up and loading index.ts). Start-up is not in either.`);
    console.log(`${"scenario".padEnd(32)}${pad("resources", 10)}${pad("plan warm", 11)}${pad("floor warm", 12)}${pad("ratio", 7)}${pad("plan cold", 11)}${pad("floor cold", 12)}${pad("ratio", 7)}`);
    for (const r of rows) {
        console.log(`${r.label.padEnd(32)}${pad(r.plan.resources, 10)}${pad(f(r.plan.ms), 11)}${pad(f(r.floor.ms), 12)}${pad((r.plan.ms / r.floor.ms).toFixed(2), 7)}` +
            `${pad(f(r.plan.coldMs), 11)}${pad(f(r.floor.coldMs), 12)}${pad((r.plan.coldMs / r.floor.coldMs).toFixed(2), 7)}`);
    }
    // Each plan process is measured right before its floor process: the spread of those pairs' ratios shows how
    // much one process differs from the next on this machine, which the medians above smooth over.
    const spread = (pairs: { plan: Sample; floor: Sample }[], key: "ms" | "coldMs") => {
        const ratios = pairs.map((p) => p.plan[key] / p.floor[key]).sort((a, b) => a - b);
        return `${ratios[0].toFixed(2)}-${ratios[ratios.length - 1].toFixed(2)}`;
    };
    for (const r of rows) console.log(`${r.label}: ratio of each plan process to the floor process after it, warm ${spread(r.pairs, "ms")}, cold ${spread(r.pairs, "coldMs")}`);
    // How much of a plan's time past the floor is the SDK's handling of the plan's inputs, and how much the program's own.
    console.log(`with the plan's own inputs (the same objects registered flat, warm; see harness/floors.ts inputsFloor):`);
    for (const r of rows) {
        console.log(`  ${r.label}: SDK ${f(r.inputs.ms)} ms, ${(r.inputs.ms / r.floor.ms).toFixed(2)}x the floor; the plan ${(r.plan.ms / r.inputs.ms).toFixed(2)}x that`);
    }
    const [small, large] = rows;
    const extra = large.plan.resources - small.plan.resources;
    const marginalPlan = (large.plan.ms - small.plan.ms) / extra;
    const marginalFloor = (large.floor.ms - small.floor.ms) / extra;
    console.log(`marginal per extra resource (warm): plan ${marginalPlan.toFixed(2)} ms, floor ${marginalFloor.toFixed(2)} ms, ratio ${(marginalPlan / marginalFloor).toFixed(2)}`);
    // Each ratio with the interval its processes allow (bootstrap over the processes of each kind), judged
    // against the target: with a few processes and this machine's noise, a median alone can land either side.
    const times = (r: (typeof rows)[number], kind: "plan" | "floor", key: "ms" | "coldMs") => r.pairs.map((p) => p[kind][key]);
    const ratio = ([plan, floorMs]: number[]) => plan / floorMs;
    const marginal = ([largePlan, smallPlan, largeFloor, smallFloor]: number[]) => (largePlan - smallPlan) / (largeFloor - smallFloor);
    const judged: { label: string; value: number; interval: [number, number] }[] = [
        ...rows.flatMap((r) => (["ms", "coldMs"] as const).map((key) => ({
            label: `${r.label} ${key === "ms" ? "warm" : "cold"}`,
            value: r.plan[key] / r.floor[key],
            interval: bootstrapInterval([times(r, "plan", key), times(r, "floor", key)], ratio),
        }))),
        {
            label: "marginal",
            value: marginalPlan / marginalFloor,
            interval: bootstrapInterval([times(large, "plan", "ms"), times(small, "plan", "ms"), times(large, "floor", "ms"), times(small, "floor", "ms")], marginal),
        },
    ];
    console.log(`target, every ratio to the floor at most ${TARGET_RATIO} (90 % bootstrap interval over the processes):`);
    for (const j of judged) console.log(`  ${j.label.padEnd(40)} ${j.value.toFixed(2)}  (${j.interval.map((x) => x.toFixed(2)).join("-")})  ${verdict(j.interval, TARGET_RATIO)}`);
    const verdicts = judged.map((j) => verdict(j.interval, TARGET_RATIO));
    console.log(`  so: ${verdicts.every((v) => v === "within") ? "met" : verdicts.some((v) => v === "over") ? "not met" : "undecided: run with more --reps, or on a quieter machine"}`);
    console.log(`large plan: ${JSON.stringify(large.plan.shape)} besides the stack`);
    console.log(`process wall time, prod plan: ${small.plan.wallMs} ms (SDK start-up, two runs, exit)`);
    console.log(`wall time of \`npm run plan -- prod\` (plan with stack traces off, files, schema validation, schedulability, policy pack): ${commandMs} ms`);
    console.log(`bench took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const argv = process.argv.slice(2);
if (argv[0] === "--child") {
    child(argv[1] as "plan" | "floor" | "inputs", argv[2], argv[3], argv[4]).then(() => process.exit(0), (e) => {
        console.error(e);
        process.exit(1);
    });
} else {
    const i = argv.indexOf("--reps");
    try {
        main(i >= 0 ? Number(argv[i + 1]) : 3);
    } catch (e) {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    }
}
