// The plan's pictures: what they draw, and that the committed copies under docs/images/ match a fresh plan.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { componentDot, planDiagrams, renderSvg, strategyOf, trafficDot } from "../../scripts/harness/diagrams";
import { TYPES } from "../../scripts/harness/facts";
import { committedPath } from "../../scripts/diagrams";
import { planOf } from "../plans";

describe("plan diagrams", () => {
    it("names each model's release strategy from its Rollout or Deployment", async () => {
        const plan = await planOf("prod");
        const strategies = Object.fromEntries(plan.resources.filter((r) => r.type === TYPES.rollout || r.type === TYPES.deployment).map((w) => {
            const name = (w.inputs as { metadata: { name: string } }).metadata.name;
            const route = plan.resources.find((r) => r.type === TYPES.route && (r.inputs as { metadata: { name: string } }).metadata.name === name);
            return [name, strategyOf(w, route)];
        }));
        assert.deepEqual(strategies, {
            "mlflow": "rolling update",
            "optuna-dashboard": "rolling update",
            "ranker": "rolling update",
            "fraud-detector": "canary 5/25/50%, then promotion",
            "churn-predictor": "blue-green: preview Service, analysis, then promotion",
            "price-elasticity": "A/B test: X-Pricing-Variant=b to the candidate",
            "recommender": "shadow (mirrored requests), then canary 10/50%, then promotion",
        });
    });

    it("draws clients -> Gateway listeners -> HTTPRoutes -> Services -> workloads", async () => {
        const dot = trafficDot((await planOf("prod")).resources, "prod");
        assert.match(dot, /"Internet" -> "listener\/model-gateways\/models-external\.https-fraud-detector";/);
        assert.match(dot, /"listener\/model-gateways\/models-external\.https-fraud-detector" -> "route\/ml-serving\/fraud-detector";/);
        assert.match(dot, /"route\/ml-serving\/fraud-detector" -> "service\/ml-serving\/fraud-detector-stable" \[label="weight 100"\];/);
        assert.match(dot, /"route\/ml-serving\/fraud-detector" -> "service\/ml-serving\/fraud-detector-canary" \[label="weight 0"\];/);
        assert.match(dot, /"service\/ml-serving\/fraud-detector-canary" -> "workload\/ml-serving\/fraud-detector" \[label="canary"\];/);
        assert.match(dot, /"route\/ml-serving\/churn-predictor" -> "service\/ml-serving\/churn-predictor-preview" \[label="if X-Model-Preview: true"\];/);
        assert.match(dot, /"route\/ml-serving\/recommender" -> "service\/ml-serving\/recommender-canary" \[label="mirror", style=dashed\];/);
        assert.match(dot, /"service\/ml-training\/ranker" -> "workload\/ml-training\/ranker";/);
        assert.equal((dot.match(/^ {2}"route\/[^"]+" \[label=/gm) ?? []).length, 5, "one HTTPRoute node per model");
    });

    it("draws every component once, each with an edge from its parent", async () => {
        const plan = await planOf("prod");
        const dot = componentDot(plan.resources, "prod");
        const components = plan.resources.filter((r) => !r.custom);
        assert.equal((dot.match(/^ +c\d+ \[label=/gm) ?? []).length, components.length);
        assert.equal((dot.match(/^ +c\d+ -> c\d+;$/gm) ?? []).length, components.length - 1);
        assert.match(dot, /label="GkeCluster\\nmlops\\n10 resources, 3 protected"/);
        assert.match(dot, /label="models: 117 resources"/);
    });

    it("renders SVG with Graphviz (WebAssembly), the same bytes every time", async () => {
        const svg = await renderSvg("digraph { a -> b }");
        assert.match(svg, /^<\?xml[^]*<svg [^]*<title>a&#45;&gt;b<\/title>/);
        assert.equal(await renderSvg("digraph { a -> b }"), svg);
    });

    it("the committed prod pictures are current (else: npm run diagrams)", async function () {
        this.timeout(120_000);
        const svgs = await planDiagrams((await planOf("prod")).resources, "prod");
        for (const [file, svg] of Object.entries(svgs)) {
            const committed = committedPath("prod", file as "platform.svg" | "traffic.svg");
            assert.ok(fs.existsSync(committed), `${committed} is missing: run npm run diagrams`);
            assert.ok(fs.readFileSync(committed, "utf8") === svg, `${committed} is stale: run npm run diagrams`);
        }
    });
});
