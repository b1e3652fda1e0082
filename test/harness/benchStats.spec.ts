import * as assert from "node:assert/strict";
import { bootstrapInterval, median, verdict } from "../../scripts/harness/benchStats";

const ratio = ([plan, floor]: number[]) => plan / floor;

describe("bench statistics", () => {
    it("the median of an odd count is the middle value; of an even count, the upper middle one", () => {
        assert.equal(median([3, 1, 2]), 2);
        assert.equal(median([4, 1, 3, 2]), 3);
        assert.equal(median([7]), 7);
    });

    it("processes that all take the same time give an interval of exactly their ratio", () => {
        assert.deepEqual(bootstrapInterval([[1500, 1500, 1500], [1000, 1000, 1000]], ratio), [1.5, 1.5]);
    });

    it("the interval holds the ratio of the medians and stays within the ratios the samples allow", () => {
        const plans = [1200, 1300, 1250, 1900, 1240];
        const floors = [1000, 760, 1010, 990, 1300];
        const [low, high] = bootstrapInterval([plans, floors], ratio);
        const point = median(plans) / median(floors);
        assert.ok(low <= point && point <= high, `${low} <= ${point} <= ${high}`);
        assert.ok(low >= Math.min(...plans) / Math.max(...floors) && high <= Math.max(...plans) / Math.min(...floors));
        assert.ok(high - low > 0.1, "five noisy processes a side do not pin the ratio down");
    });

    it("is the same for the same seed, and narrows as it holds less", () => {
        const sets = [[5349, 4900, 5600, 4700, 5100], [3401, 3800, 3100, 3550, 3300]];
        assert.deepEqual(bootstrapInterval(sets, ratio), bootstrapInterval(sets, ratio));
        const wide = bootstrapInterval(sets, ratio, { level: 0.9 });
        const narrow = bootstrapInterval(sets, ratio, { level: 0.5 });
        assert.ok(narrow[0] >= wide[0] && narrow[1] <= wide[1]);
    });

    it("computes any statistic of the medians, e.g. the marginal cost of the large plan over prod", () => {
        const marginal = ([largePlan, prodPlan, largeFloor, prodFloor]: number[]) => (largePlan - prodPlan) / (largeFloor - prodFloor);
        assert.deepEqual(bootstrapInterval([[4000], [1000], [3000], [1000]], marginal), [1.5, 1.5]);
        assert.throws(() => bootstrapInterval([[1], []], ratio), /every set needs a measurement/);
    });

    it("judges a ratio within, over or undecided against the bound, and a non-positive one as over", () => {
        assert.equal(verdict([1.1, 1.5], 1.5), "within");
        assert.equal(verdict([1.51, 1.9], 1.5), "over");
        assert.equal(verdict([1.3, 1.7], 1.5), "undecided");
        assert.equal(verdict([-0.2, 1.2], 1.5), "over");
        assert.equal(verdict([Number.NaN, Number.NaN], 1.5), "over");
    });
});
