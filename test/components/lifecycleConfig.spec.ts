import * as assert from "node:assert/strict";
import { ModelContext, ModelOptions, resolveModel } from "../../components/serving/modelConfig";
import { modelTestContext } from "../helpers";

const none = () => assert.fail("no issue expected");
const ctx: ModelContext = modelTestContext();
const base: ModelOptions = {
    name: "fraud-detector", image: "us-docker.pkg.dev/acme/models/fraud-detector:1.4.2",
    version: 12,
    quality: { metric: "accuracy", minimum: 0.85 },
    retraining: { schedule: "0 2 * * 0", image: "us-docker.pkg.dev/acme/train/fraud:1.4.2", gpu: { count: 1, pool: "a100-training" }, resources: { cpu: "8", memory: "64Gi" } },
    drift: { schedule: "0 */6 * * *", threshold: 0.2 },
    tuning: { searchSpace: { learning_rate: { type: "float", low: 0.0001, high: 0.1, log: true } } },
};
const issuesOf = (o: ModelOptions) => {
    const issues: { field: string; message: string; value: unknown }[] = [];
    resolveModel(o, ctx, (field, message, ...value) => issues.push({ field, message, value: value[0] }));
    return issues;
};
const fields = (o: ModelOptions) => issuesOf(o).map((i) => i.field);

describe("model lifecycle options", () => {
    it("pins the served version in the model URI and keeps the registered model's name", () => {
        const m = resolveModel(base, ctx, none);
        assert.equal(m.modelUri, "models:/fraud-detector/12");
        assert.equal(m.registeredModel, "fraud-detector");
        assert.equal(m.version, 12);
        assert.equal(resolveModel({ ...base, version: undefined, quality: undefined, tuning: undefined }, ctx, none).modelUri, "models:/fraud-detector@champion");
    });

    it("resolves the quality gate's direction and bound from minimum or maximum", () => {
        assert.deepEqual(resolveModel(base, ctx, none).quality, { metric: "accuracy", direction: "maximize", threshold: 0.85, maxRegression: 0.005 });
        assert.deepEqual(resolveModel({ ...base, quality: { metric: "rmse", maximum: 0.3, maxRegression: 0.02 } }, ctx, none).quality,
            { metric: "rmse", direction: "minimize", threshold: 0.3, maxRegression: 0.02 });
    });

    it("rejects a gate with both or neither bound, a negative margin, or an unpinned release", () => {
        assert.deepEqual(fields({ ...base, quality: { metric: "accuracy", minimum: 0.8, maximum: 0.9 } }), ["quality"]);
        assert.deepEqual(fields({ ...base, quality: { metric: "accuracy" } }), ["quality"]);
        assert.deepEqual(fields({ ...base, quality: { metric: "accuracy", minimum: 0.85, maxRegression: -0.1 } }), ["quality.maxRegression"]);
        assert.deepEqual(fields({ ...base, version: undefined }), ["version"]);
        assert.deepEqual(fields({ ...base, version: 0 }), ["version"]);
        assert.deepEqual(fields({ ...base, modelUri: "models:/other/3" }), ["modelUri"]);
    });

    it("starts retraining from drift by default when the model retrains, with a 12 h cooldown", () => {
        assert.deepEqual(resolveModel(base, ctx, none).drift, {
            schedule: "0 */6 * * *", threshold: 0.2, image: "us-docker.pkg.dev/acme/train/fraud:1.4.2", timeZone: "Etc/UTC", method: "psi", retrain: { cooldownMinutes: 720 },
        });
        const off = resolveModel({ ...base, drift: { ...base.drift!, retrain: false } }, ctx, none).drift!;
        assert.equal(off.retrain, undefined);
        assert.deepEqual(fields({ ...base, drift: { ...base.drift!, cooldownMinutes: 30 } }), ["drift.cooldownMinutes"]);
        assert.deepEqual(fields({ ...base, drift: { ...base.drift!, method: "chi2" as never } }), ["drift.method"]);
        const noRetraining = { ...base, version: undefined, quality: undefined, tuning: undefined, retraining: undefined };
        assert.deepEqual(fields({ ...noRetraining, drift: { ...base.drift!, image: "us-docker.pkg.dev/acme/train/drift:1", retrain: true } }), ["drift.retrain"]);
    });

    it("fills the study from the gate and the retraining run", () => {
        const t = resolveModel(base, ctx, none).tuning!;
        assert.deepEqual(t, {
            schedule: undefined, trials: 50, parallelism: 4, objective: "accuracy", direction: "maximize",
            searchSpace: base.tuning!.searchSpace, pruner: "median", image: "us-docker.pkg.dev/acme/train/fraud:1.4.2",
            gpu: { count: 1, pool: "a100-training", acceleratorType: "nvidia-tesla-a100" }, resources: { cpu: "8", memory: "64Gi" },
            timeoutMinutes: 720, studyName: "fraud-detector",
        });
        assert.equal(resolveModel({ ...base, tuning: { ...base.tuning!, trials: 3 } }, ctx, none).tuning!.parallelism, 3);
    });

    it("rejects search spaces Optuna would refuse, naming the parameter", () => {
        const space = (p: object) => fields({ ...base, tuning: { searchSpace: { lr: p } as never } });
        assert.deepEqual(space({ type: "float", low: 0.1, high: 0.01 }), ["tuning.searchSpace.lr.high"]);
        assert.deepEqual(space({ type: "float", low: 0, high: 1, log: true }), ["tuning.searchSpace.lr.low"]);
        assert.deepEqual(space({ type: "float", low: 0.1, high: 1, log: true, step: 0.1 }), ["tuning.searchSpace.lr.step"]);
        assert.deepEqual(space({ type: "int", low: 1.5, high: 4 }), ["tuning.searchSpace.lr.low"]);
        assert.deepEqual(space({ type: "categorical", choices: ["a"] }), ["tuning.searchSpace.lr.choices"]);
        assert.deepEqual(space({ type: "uniform", low: 0, high: 1 }), ["tuning.searchSpace.lr.type"]);
        assert.deepEqual(fields({ ...base, tuning: { searchSpace: {} } }), ["tuning.searchSpace"]);
    });

    it("bounds trials and workers, and needs a retraining run and an objective", () => {
        assert.deepEqual(fields({ ...base, tuning: { ...base.tuning!, trials: 4, parallelism: 5 } }), ["tuning.parallelism"]);
        assert.deepEqual(fields({ ...base, tuning: { ...base.tuning!, trials: 0 } }), ["tuning.trials", "tuning.parallelism"]);
        assert.deepEqual(fields({ ...base, tuning: { ...base.tuning!, schedule: "every day" } }), ["tuning.schedule"]);
        assert.deepEqual(fields({ ...base, tuning: { ...base.tuning!, gpu: { count: 1, pool: "l4-serving" } } }), ["tuning.gpu.pool"]);
        const noGate = { ...base, version: undefined, quality: undefined };
        assert.deepEqual(fields(noGate), ["tuning.objective"]);
        assert.deepEqual(fields({ ...noGate, drift: undefined, retraining: undefined, tuning: { ...base.tuning!, objective: "auc" } }), ["tuning"]);
    });
});
