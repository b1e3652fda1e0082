import * as assert from "node:assert/strict";
import { CostInput, estimateCost, formatCost, usd } from "../../scripts/harness/cost";
import { PoolFacts } from "../../scripts/harness/facts";
import { HOURS_PER_MONTH, PRICES, PriceTable } from "../../scripts/harness/prices";

// A small table with round numbers, so each expected figure below can be checked by hand.
const TABLE: PriceTable = {
    asOf: "2026-01-01", region: "r1", source: "test",
    clusterHour: 0.1,
    machines: { "m-1": [1.0, 0.25], "n1-standard-4": [0.2, 0.05] },
    attachedGpus: { "nvidia-tesla-t4": [0.35, undefined] },
    disks: { "pd-balanced": 0.1 },
    cloudSql: { vcpuHour: 0.05, memoryGbHour: 0.01, ssdGbMonth: 0.2, hddGbMonth: 0.1 },
};

const pool = (p: Partial<PoolFacts>): PoolFacts => ({
    name: "p", purpose: "serving", machineType: "m-1", provisioning: "on-demand", minNodes: 0, maxNodes: 1, diskType: "pd-balanced", diskSizeGb: 100, ...p,
});

const INPUT: CostInput = {
    region: "r1",
    clusters: 1,
    pools: [
        pool({ name: "system", purpose: "system", minNodes: 1, maxNodes: 3 }), // 730 + 10 per node
        pool({ name: "spot", provisioning: "spot", maxNodes: 4 }), // 182.5 + 10 per node
        pool({ name: "t4", machineType: "n1-standard-4", provisioning: "spot", maxNodes: 2, gpu: { type: "nvidia-tesla-t4", perNode: 2 } }), // (0.05 + 2 x 0.35) x 730 + 10
    ],
    databases: [{ name: "db", tier: "db-custom-2-7680", highAvailability: true, diskType: "PD_SSD", diskSizeGb: 20 }], // 2 x ((0.1 + 0.075) x 730 + 4)
};

/** Figures to the cent, so float rounding in a sum does not fail an exact comparison. */
const cents = (n: number) => Math.round(n * 100) / 100;

function deepFreeze<T>(o: T): T {
    if (o && typeof o === "object") {
        Object.values(o).forEach(deepFreeze);
        Object.freeze(o);
    }
    return o;
}

describe("monthly cost estimate", () => {
    it("prices every item at min and max nodes", () => {
        const c = estimateCost(INPUT, TABLE);
        assert.deepEqual(c.lines.map((l) => [l.item, l.detail, cents(l.idle), cents(l.max)]), [
            ["GKE fee", "1 cluster(s)", 73, 73],
            ["pool system", "1..3 x m-1, on-demand", 740, 2220],
            ["pool spot", "0..4 x m-1, spot", 0, 770],
            ["pool t4", "0..2 x n1-standard-4, spot", 0, 1115],
            ["Cloud SQL", "db-custom-2-7680, HA", 263.5, 263.5],
        ]);
        assert.equal(cents(c.idle), 1076.5);
        assert.equal(cents(c.max), 4441.5);
        assert.deepEqual(c.unpriced, []);
        assert.deepEqual(c.notes, ["spot nvidia-tesla-t4 priced as on-demand (no spot price pinned)"]);
    });

    it("is pure: same input, same answer; the input is not touched", () => {
        const frozen = deepFreeze(structuredClone(INPUT));
        assert.deepEqual(estimateCost(frozen, TABLE), estimateCost(frozen, TABLE));
        assert.deepEqual(frozen, INPUT);
    });

    it("prices flex-start at on-demand and says so; a zonal database with Cloud SQL's default disk", () => {
        const c = estimateCost({ region: "r1", clusters: 0, pools: [pool({ provisioning: "flex-start", maxNodes: 2 })], databases: [{ name: "d", tier: "db-custom-1-3840", highAvailability: false, diskType: "PD_HDD" }] }, TABLE);
        assert.deepEqual(c.lines.map((l) => [l.item, cents(l.idle), cents(l.max)]), [["pool p", 0, 1480], ["Cloud SQL", 64.88, 64.88]]); // (0.05 + 3.75 x 0.01) x 730 + 10 GB x 0.1
        assert.deepEqual(c.notes, ["flex-start priced as on-demand (an upper bound)"]);
    });

    it("names what it cannot price and leaves it out of the totals", () => {
        const c = estimateCost({ ...INPUT, pools: [pool({ name: "x", machineType: "z9-mega-1" }), pool({ name: "y", diskType: "hyperdisk-ml" })], databases: [{ name: "d", tier: "db-f1-micro", highAvailability: false, diskType: "PD_SSD" }] }, TABLE);
        assert.deepEqual(c.unpriced, ["pool x (machine type z9-mega-1)", "pool y (disk type hyperdisk-ml)", "Cloud SQL tier db-f1-micro"]);
        assert.equal(cents(c.max), 73);
        const other = estimateCost({ ...INPUT, region: "europe-west4" }, TABLE);
        assert.deepEqual([other.lines, other.idle, other.max, other.unpriced], [[], 0, 0, ["region europe-west4 (prices are pinned for r1 only)"]]);
    });

    it("formats dollars and the detail table", () => {
        assert.equal(usd(276854.4), "$276,854");
        assert.equal(usd(0.4), "$0");
        const text = formatCost(estimateCost(INPUT, TABLE));
        assert.match(text, /^ {2}pool t4 \(0\.\.2 x n1-standard-4, spot\) +\$0 +\$1,115$/m);
        assert.match(text, /^ {2}total +\$1,077 +\$4,442$/m);
    });

    it("pins a dated us-central1 table with on-demand above spot for every machine", () => {
        assert.match(PRICES.asOf, /^\d{4}-\d{2}-\d{2}$/);
        assert.equal(PRICES.region, "us-central1");
        assert.equal(HOURS_PER_MONTH, 730);
        assert.deepEqual(PRICES.machines["e2-standard-8"], [0.268046, 0.160848]);
        for (const [type, [onDemand, spot]] of Object.entries(PRICES.machines)) assert.ok(spot > 0 && spot < onDemand, type);
    });
});
