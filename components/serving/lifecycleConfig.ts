// The options that close a model's loop (quality gate, drift-triggered retraining, hyperparameter search) and
// their pure resolvers. See docs/lifecycle.md for how the pieces connect.
import { Report } from "../../lib/errors";
import { definedOnly, imageIssue, parseQuantity, QUANTITY_RULE } from "../../lib/validate";

export const DIRECTIONS = ["maximize", "minimize"] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface QualityOptions {
    /** A metric the training run logs to MLflow (e.g. accuracy, auc, rmse). Required. */
    metric: string;
    /** Higher is better: a candidate must reach at least this. Exactly one of minimum and maximum. */
    minimum?: number;
    /** Lower is better (e.g. rmse): a candidate must stay at or below this. Exactly one of minimum and maximum. */
    maximum?: number;
    /** How far (in the metric's units) a candidate may fall behind the current champion. Defaults to 0.005. */
    maxRegression?: number;
}

export interface ResolvedQuality {
    metric: string;
    direction: Direction;
    /** The bound from config: at least (maximize) or at most (minimize). */
    threshold: number;
    maxRegression: number;
}

export const DRIFT_METHODS = ["psi", "ks", "wasserstein"] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];

export const PRUNERS = ["median", "hyperband", "none"] as const;
export type Pruner = (typeof PRUNERS)[number];

export const PARAM_TYPES = ["float", "int", "categorical"] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** One hyperparameter of a study's search space (Optuna's suggest_float / suggest_int / suggest_categorical). */
export interface SearchParam {
    /** float | int | categorical. Required. */
    type: ParamType;
    /** Lower bound (float, int). Required for them. */
    low?: number;
    /** Upper bound, above low (float, int). Required for them. */
    high?: number;
    /** Sample on a log scale (float, int; low must be above 0). Defaults to false. */
    log?: boolean;
    /** Step between values (float, int; not with log). Defaults to none (int: 1). */
    step?: number;
    /** The values to choose from (categorical): at least two strings, numbers or booleans. */
    choices?: (string | number | boolean)[];
}

export interface TuningOptions {
    /** Cron schedule of a study run. Defaults to none: on demand (`kubectl create job --from=cronjob/<name>-tune`). */
    schedule?: string;
    /** Trials the study runs to (complete or pruned), across all workers. Defaults to 50. */
    trials?: number;
    /** Workers running trials at once (an Indexed Job, admitted by Kueue as one unit). Defaults to 4, at most trials. */
    parallelism?: number;
    /** The metric each trial reports. Defaults to the quality gate's metric. */
    objective?: string;
    /** maximize | minimize. Defaults to the quality gate's direction, else maximize. */
    direction?: Direction;
    /** Parameter name -> its range or choices. Required, at least one. */
    searchSpace: Record<string, SearchParam>;
    /** median | hyperband | none: stops unpromising trials early. Defaults to median. */
    pruner?: Pruner;
    /** Worker image. Defaults to the retraining image. */
    image?: string;
    /** GPUs per worker, on a training pool. Defaults to the retraining's GPUs. */
    gpu?: { count: number; pool: string };
    /** Per worker requests. Defaults to the retraining's. */
    resources?: { cpu?: string; memory?: string };
    /** Hard limit on a study run. Defaults to 720. */
    timeoutMinutes?: number;
}

export interface ResolvedTuning {
    /** Undefined: on demand (the CronJob is suspended). */
    schedule?: string;
    trials: number;
    parallelism: number;
    objective: string;
    direction: Direction;
    searchSpace: Record<string, SearchParam>;
    pruner: Pruner;
    image: string;
    /** Filled by the caller after checking it against the pools (same rules as retraining.gpu). */
    gpu?: { count: number; pool: string; acceleratorType: string };
    resources: { cpu: string; memory: string };
    timeoutMinutes: number;
    /** The Optuna study's name: the model's, so retraining finds it. */
    studyName: string;
}

export const LIFECYCLE_DEFAULTS = {
    maxRegression: 0.005,
    drift: { method: "psi" as DriftMethod, cooldownMinutes: 720 },
    tuning: { trials: 50, parallelism: 4, pruner: "median" as Pruner, timeoutMinutes: 720 },
};

const METRIC_NAME = /^[A-Za-z0-9_.\-/ ]{1,250}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Pure: the quality gate, or undefined when the model has none. */
export function resolveQuality(q: QualityOptions | undefined, report: Report): ResolvedQuality | undefined {
    if (!q) return undefined;
    if (typeof q.metric !== "string" || !METRIC_NAME.test(q.metric)) report("quality.metric", "must be an MLflow metric name (letters, digits, _ - . / and spaces, at most 250)", q.metric);
    const hasMin = q.minimum !== undefined;
    const hasMax = q.maximum !== undefined;
    if (hasMin === hasMax) report("quality", "takes exactly one of minimum (higher is better) and maximum (lower is better)", { minimum: q.minimum, maximum: q.maximum });
    const threshold = (hasMin ? q.minimum : q.maximum) ?? 0;
    if (!Number.isFinite(threshold)) report(hasMin ? "quality.minimum" : "quality.maximum", "must be a number", threshold);
    const maxRegression = q.maxRegression ?? LIFECYCLE_DEFAULTS.maxRegression;
    if (!(Number.isFinite(maxRegression) && maxRegression >= 0)) report("quality.maxRegression", "must be a number of at least 0, in the metric's units", maxRegression);
    return { metric: q.metric, direction: hasMax && !hasMin ? "minimize" : "maximize", threshold, maxRegression };
}

/** Pure: one search-space entry's problems, reported under `tuning.searchSpace.<name>`. */
function checkParam(name: string, p: SearchParam, report: Report): void {
    const key = `tuning.searchSpace.${name}`;
    if (!PARAM_NAME.test(name)) report(key, "must be a parameter name (a Python identifier of at most 63 chars)", name);
    if (!PARAM_TYPES.includes(p.type)) {
        report(`${key}.type`, `allowed: ${PARAM_TYPES.join(", ")}`, p.type);
        return;
    }
    if (p.type === "categorical") {
        if (!Array.isArray(p.choices) || p.choices.length < 2) report(`${key}.choices`, "must list at least two values for a categorical parameter", p.choices);
        for (const k of ["low", "high", "log", "step"] as const) if (p[k] !== undefined) report(`${key}.${k}`, "is only allowed with type float or int", p[k]);
        return;
    }
    if (p.choices !== undefined) report(`${key}.choices`, "is only allowed with type categorical", p.choices);
    const whole = p.type === "int";
    const num = (v: number | undefined) => typeof v === "number" && Number.isFinite(v) && (!whole || Number.isInteger(v));
    if (!num(p.low)) report(`${key}.low`, `is required: ${whole ? "a whole number" : "a number"}`, p.low);
    if (!num(p.high)) report(`${key}.high`, `is required: ${whole ? "a whole number" : "a number"}`, p.high);
    if (num(p.low) && num(p.high) && !(p.high! > p.low!)) report(`${key}.high`, `must be above low (${p.low})`, p.high);
    if (p.log && num(p.low) && !(p.low! > 0)) report(`${key}.low`, "must be above 0 with log: true", p.low);
    if (p.step !== undefined) {
        if (p.log) report(`${key}.step`, "cannot be combined with log: true (Optuna refuses both)", p.step);
        else if (!num(p.step) || !(p.step > 0)) report(`${key}.step`, `must be ${whole ? "a whole number" : "a number"} above 0`, p.step);
    }
}

export interface TuningContext {
    /** The model's name: the study's. */
    name: string;
    quality?: ResolvedQuality;
    retraining?: { image: string; resources: { cpu: string; memory: string } };
    /** Checks a schedule; returns its problem or undefined. */
    scheduleIssue: (schedule: string) => string | undefined;
}

/** Pure: the tuning study's settings, defaults from the model's quality gate and retraining. */
export function resolveTuning(t: TuningOptions | undefined, ctx: TuningContext, report: Report): ResolvedTuning | undefined {
    if (!t) return undefined;
    const d = LIFECYCLE_DEFAULTS.tuning;
    if (!ctx.retraining) report("tuning", "needs retraining: the study's best parameters feed the model's retraining runs");
    if (t.schedule !== undefined) {
        const bad = ctx.scheduleIssue(t.schedule);
        if (bad) report("tuning.schedule", bad, t.schedule);
    }
    const trials = t.trials ?? d.trials;
    if (!Number.isInteger(trials) || trials < 1 || trials > 10000) report("tuning.trials", "must be a whole number from 1 to 10000", trials);
    const parallelism = t.parallelism ?? Math.min(d.parallelism, trials);
    if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 64 || parallelism > trials) report("tuning.parallelism", `must be a whole number from 1 to 64 and at most trials (${trials})`, parallelism);
    const objective = t.objective ?? ctx.quality?.metric;
    if (objective === undefined) report("tuning.objective", "is required when the model has no quality gate: the metric each trial reports");
    else if (!METRIC_NAME.test(objective)) report("tuning.objective", "must be an MLflow metric name (letters, digits, _ - . / and spaces, at most 250)", objective);
    const direction = t.direction ?? ctx.quality?.direction ?? "maximize";
    if (!DIRECTIONS.includes(direction)) report("tuning.direction", `allowed: ${DIRECTIONS.join(", ")}`, direction);
    const space = t.searchSpace ?? {};
    const names = Object.keys(space);
    if (names.length === 0) report("tuning.searchSpace", "is required: at least one parameter, e.g. { learning_rate: { type: float, low: 0.0001, high: 0.1, log: true } }");
    for (const n of names) checkParam(n, space[n], report);
    const pruner = t.pruner ?? d.pruner;
    if (!PRUNERS.includes(pruner)) report("tuning.pruner", `allowed: ${PRUNERS.join(", ")}`, pruner);
    const image = t.image ?? ctx.retraining?.image ?? "";
    if (t.image !== undefined && imageIssue(t.image)) report("tuning.image", imageIssue(t.image)!, t.image);
    const resources = { ...(ctx.retraining?.resources ?? { cpu: "4", memory: "16Gi" }), ...definedOnly(t.resources) };
    for (const k of ["cpu", "memory"] as const) if (parseQuantity(resources[k]) === undefined) report(`tuning.resources.${k}`, QUANTITY_RULE, resources[k]);
    const timeoutMinutes = t.timeoutMinutes ?? d.timeoutMinutes;
    if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 10 || timeoutMinutes > 7 * 1440) report("tuning.timeoutMinutes", "must be a whole number of minutes from 10 to 10080", timeoutMinutes);
    return {
        schedule: t.schedule, trials, parallelism, objective: objective ?? "", direction, searchSpace: space, pruner, image,
        resources, timeoutMinutes, studyName: ctx.name,
    };
}
