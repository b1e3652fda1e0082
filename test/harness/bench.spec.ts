// The bench's large config must stay a config the program accepts: a validation rule added later once broke it
// and nothing but a bench run noticed.
import * as assert from "node:assert/strict";
import { LARGE_NAMESPACES, LARGE_POOLS, largeConfig } from "../../scripts/harness/benchConfig";
import { parsePlatformConfig } from "../../stack/platform";

describe("bench: the large config", () => {
    it("passes the program's config validation, with 50 GPU pools and 100 namespaces", () => {
        const cfg = parsePlatformConfig(largeConfig(), "bench");
        assert.deepEqual([LARGE_POOLS, LARGE_NAMESPACES], [50, 100]);
        assert.equal(cfg.gpuNodePools.length, 50);
        assert.equal(cfg.namespaces.length, 100);
        assert.deepEqual(cfg.gpuNodePools.slice(-2).map((p) => [p.name, p.acceleratorType, p.spot, p.maxNodes]), [
            ["l4-serving-44", "nvidia-l4", false, 4],
            ["a100-training-45", "nvidia-tesla-a100", true, 4],
        ]);
    });
});
