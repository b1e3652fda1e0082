// The plan's first screen, built from the checked-in stacks' plans: short, and its figures follow from the config.
import * as assert from "node:assert/strict";
import { gpusPerNode } from "../../lib/accelerators";
import { usd } from "../../scripts/harness/cost";
import { DIGEST_MAX_COLUMNS, DIGEST_MAX_LINES, DigestInput, digest, planCost } from "../../scripts/harness/digest";
import { componentGroups, externalEndpoints, nodePools } from "../../scripts/harness/facts";
import { PolicyReport } from "../../scripts/harness/policy";
import { HOURS_PER_MONTH, PRICES } from "../../scripts/harness/prices";
import { Plan } from "../../scripts/harness/runPlan";
import { stackValues } from "../helpers";
import { Any, planOf } from "../plans";

const stackValuesOf = (stack: "dev" | "prod"): Any => stackValues(stack);

const clean = (stack: string): PolicyReport => ({ configFile: `policies/config/${stack}.json`, violations: [], notCheckable: [], mandatory: 0, advisory: 0 });

function input(plan: Plan, policy = clean(plan.stack)): DigestInput {
    return { plan, dir: `out/${plan.stack}`, validObjects: 225, schedulable: { ok: 15, total: 15 }, policy, diagrams: ["platform.svg", "traffic.svg"] };
}

/** GPUs at max scale per the stack's config: GPUs per node (given, or fixed by the machine type) x maxNodes. */
function configGpus(stack: "dev" | "prod"): number {
    return (stackValuesOf(stack)["mlops-platform:gpuNodePools"] as Any[]).reduce((n, p) => {
        const fit = gpusPerNode(p.acceleratorType, p.machineType, p.acceleratorCount) as { count: number };
        return n + fit.count * p.maxNodes;
    }, 0);
}

describe("plan digest (first screen)", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: fits in ${DIGEST_MAX_LINES} lines of ${DIGEST_MAX_COLUMNS} columns and shows the GPU total of the config`, async () => {
            const plan = await planOf(stack);
            const lines = digest(input(plan)).split("\n");
            assert.ok(lines.length <= DIGEST_MAX_LINES, `${lines.length} lines:\n${lines.join("\n")}`);
            for (const l of lines) assert.ok(l.length <= DIGEST_MAX_COLUMNS, `${l.length} columns: ${l}`);
            assert.match(lines.join("\n"), new RegExp(`^GPU capacity at max scale: ${configGpus(stack)} GPUs`, "m"));
        });
    }

    it("prod: 46 GPUs, per pool type x count x nodes, the three public hostnames, and costs from the price table", async () => {
        const plan = await planOf("prod");
        const text = digest(input(plan));
        assert.equal(configGpus("prod"), 46); // 8 x 1 L4 + 4 x 1 A100 + 2 x 1 A100 + 4 x 8 H100
        assert.match(text, /^GPU capacity at max scale: 46 GPUs \(6 A100 40GB, 32 H100 80GB, 8 L4\)$/m);
        assert.match(text, /^ {2}h100-flex +training +flex-start +a3-highgpu-8g +8 x nvidia-h100-80gb +x +4 nodes = +32$/m);
        assert.match(text, /^ {2}l4-serving +serving +on-demand +g2-standard-8 +1 x nvidia-l4 +x +8 nodes = +8 +\(time-shared by 2\)$/m);
        assert.match(text, /^ {2}a100-mig .* = +2 +\(MIG 1g\.5gb\)$/m);
        assert.match(text, /^System pool: 3\.\.9 x e2-standard-8 \(on-demand\)$/m);
        const values = stackValuesOf("prod");
        const hosts = [values["mlops-platform:models"][0].endpoint.hostname, values["mlops-platform:mlflow"].hostname, values["mlops-platform:monitoring"].grafanaHostname];
        assert.deepEqual(externalEndpoints(plan.resources, plan.outputs).map((e) => e.url), hosts.map((h) => `https://${h}`));
        assert.match(text, /^External endpoints \(HTTPS\): fraud\.api\.acme\.example\.com \(model fraud-detector\), mlflow\.ml\.acme\.example\.com \(MLflow\)$/m);

        // Idle: the GKE fee, 3 system nodes (e2-standard-8 on demand, 100 GB pd-balanced) and Cloud SQL
        // db-custom-2-7680 with HA (two copies of 2 vCPU + 7.5 GB, 10 GB SSD each); every GPU pool at 0.
        const node = PRICES.machines["e2-standard-8"][0] * HOURS_PER_MONTH + 100 * PRICES.disks["pd-balanced"];
        const sql = 2 * ((2 * PRICES.cloudSql.vcpuHour + 7.5 * PRICES.cloudSql.memoryGbHour) * HOURS_PER_MONTH + 10 * PRICES.cloudSql.ssdGbMonth);
        const idle = PRICES.clusterHour * HOURS_PER_MONTH + 3 * node + sql;
        const cost = planCost(plan);
        assert.equal(Math.round(cost.idle), Math.round(idle));
        assert.equal(usd(cost.idle), "$891");
        assert.equal(usd(cost.max), "$276,854");
        assert.match(text, /^ {2}idle \(min nodes\) +\$891 +largest: pool system \$617, Cloud SQL \$201, GKE fee \$73$/m);
        assert.match(text, /^ {2}max scale +\$276,854 +largest: pool h100-flex \$258,471, /m);
        assert.match(text, new RegExp(`approximate list prices \\(us-central1, as of ${PRICES.asOf}`));
    });

    it("prod: resources per component group add up to every custom resource", async () => {
        const plan = await planOf("prod");
        const groups = componentGroups(plan.resources);
        assert.deepEqual(groups.map((g) => g.group).slice(0, 3), ["network", "cluster", "GPU pools"]);
        assert.equal(groups.reduce((n, g) => n + g.resources, 0), plan.resources.filter((r) => r.custom).length);
        assert.equal(groups.find((g) => g.group === "GPU pools")!.components.length, 4);
        assert.equal(groups.find((g) => g.group === "models")!.components.length, 8); // 5 ModelService + 3 ModelJobs
        assert.deepEqual(nodePools(plan.resources).map((p) => [p.name, p.minNodes, p.maxNodes]), [
            ["system", 3, 9], ["a100-mig", 0, 2], ["a100-training", 0, 4], ["h100-flex", 0, 4], ["l4-serving", 0, 8],
        ]);
    });

    it("dev: nothing public, spot prices, and the spot T4 priced on demand with a pointer to the assumption", async () => {
        const plan = await planOf("dev");
        const text = digest(input(plan));
        assert.match(text, /^External endpoints: none/m);
        assert.match(text, /^System pool: 1\.\.2 x e2-standard-4 \(spot\)$/m);
        const cost = planCost(plan);
        assert.deepEqual(cost.notes, ["spot nvidia-tesla-t4 priced as on-demand (no spot price pinned)"]);
        assert.match(text, /Assumptions: summary\.txt\.$/m);
        assert.match(digest(input(plan), true), /spot nvidia-tesla-t4 priced as on-demand \(no spot price pinned\)\.$/m);
    });

    it("shows violations (mandatory first) and points at the file for the rest", async () => {
        const plan = await planOf("dev");
        const v = (policy: string, level: "mandatory" | "advisory") => ({ policy, level, message: `${policy} must hold`, urn: "", notCheckable: false });
        const policy = { ...clean("dev"), violations: [v("a-advisory", "advisory"), v("b", "mandatory"), v("c", "advisory"), v("d", "advisory")], mandatory: 1, advisory: 3 };
        const text = digest(input(plan, policy));
        assert.match(text, /: 1 mandatory, 3 advisory violation\(s\)\.\n {2}\[mandatory\] b: b must hold\n {2}\[advisory\] a-advisory: a-advisory must hold\n {2}\[advisory\] c: c must hold\n {2}\.\.\. 1 more in out\/dev\/summary\.txt$/m);
        assert.match(digest(input(plan, policy), true), /\[advisory\] d: d must hold/);
    });
});
