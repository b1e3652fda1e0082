// The options of one model (an entry of `mlops-platform:models`) and their pure resolver.
import { CronExpressionParser } from "cron-parser";
import { Report } from "../../lib/errors";
import { imageIssue, isDns1123Label, parseQuantity, QUANTITY_RULE } from "../../lib/validate";
import { ResolvedGpuPool } from "../gke/gpuNodePool";
import { DRIFT_METHODS, DriftMethod, LIFECYCLE_DEFAULTS, QualityOptions, resolveQuality, resolveTuning, ResolvedQuality, ResolvedTuning, TuningOptions } from "./lifecycleConfig";

export const STRATEGIES = ["canary", "blueGreen", "rolling", "abTest", "shadow"] as const;
export type Strategy = (typeof STRATEGIES)[number];
/** Strategies whose new version takes a share of the route's traffic (Argo Rollouts sets HTTPRoute weights). */
export const TRAFFIC_SPLIT_STRATEGIES: readonly Strategy[] = ["canary", "abTest", "shadow"];

export const EXPOSURES = ["internal", "vpc", "external"] as const;
export type Exposure = (typeof EXPOSURES)[number];
export const EXTERNAL_AUTH = ["iap", "cloudArmor"] as const;
export type ExternalAuth = (typeof EXTERNAL_AUTH)[number];

export interface EndpointOptions {
    /** internal (cluster only) | vpc (internal load balancer, VPC-wide name) | external (hostname, TLS, auth). Defaults to internal. */
    exposure?: Exposure;
    /** Public DNS name. Required with external, never set otherwise. */
    hostname?: string;
    /** How callers of an external endpoint authenticate: iap | cloudArmor. Required with external: never open. */
    auth?: ExternalAuth;
    /** Source ranges Cloud Armor admits (everything else is denied). Required with auth cloudArmor. */
    allowList?: string[];
}

export interface AbTestOptions {
    /** Percent of requests the candidate serves, 1..50. Defaults to 50 unless header or cookie is set. */
    share?: number;
    /** Only requests carrying this header (exact value) reach the candidate. Defaults to none. */
    header?: { name: string; value: string };
    /** Only requests carrying this cookie (name=value) reach the candidate. Defaults to none. */
    cookie?: { name: string; value: string };
    /** How long the comparison runs before the winner is decided. Defaults to 60. */
    durationMinutes?: number;
}

export interface GpuRequest {
    /** GPUs per pod, at most the pool's GPUs per node. */
    count: number;
    /** A GPU pool's name (`mlops-platform:gpuNodePools`). */
    pool: string;
}

export interface ModelOptions {
    /** DNS-1123 label, unique. Required. */
    name: string;
    /** Team namespace serving it. Defaults to the first of `mlops-platform:namespaces`. */
    namespace?: string;
    /** Server image pinned by tag or digest. Required. */
    image: string;
    /** Container port of the HTTP API and `/metrics`. Defaults to 8080. */
    port?: number;
    /** Health endpoint for probes. Defaults to `/health`. */
    healthPath?: string;
    /**
     * The registered model version served. Pinning it makes each promotion a new Rollout revision (released
     * through the model's strategy and analysis). Defaults to none: the server loads the `champion` alias.
     */
    version?: number;
    /** MLflow model URI the server loads. Defaults to `models:/<name>/<version>`, or `models:/<name>@champion`. */
    modelUri?: string;
    /** What a retrained version must reach to become `challenger`, and what a release checks before traffic. Defaults to none. */
    quality?: QualityOptions;
    /** Autoscaling bounds. Defaults to 2..10 (1..3 in dev). */
    replicas?: { min?: number; max?: number };
    /** Per pod requests (limits: memory equal, CPU twice). Defaults to 1 CPU, 2Gi. */
    resources?: { cpu?: string; memory?: string };
    /** GPUs per pod on a serving pool. Defaults to none (CPU only). */
    gpu?: GpuRequest;
    /** Where the model can be called from. Defaults to internal (in-cluster, through the internal Gateway). */
    endpoint?: EndpointOptions;
    rollout?: {
        /** canary | blueGreen | rolling | abTest | shadow. Defaults to canary. */
        strategy?: Strategy;
        /** Canary weights, rising, ending at 100. Defaults to [10, 25, 50, 100]. */
        steps?: number[];
        /** Pause after each canary step. Defaults to 5. */
        pauseMinutes?: number;
        /** What the analysis requires of the new version. Defaults to 0.99 and 1 s. */
        analysis?: { successRate?: number; p95LatencySeconds?: number };
        /** abTest only: the candidate's share or header/cookie, and how long the comparison runs. */
        abTest?: AbTestOptions;
        /** shadow only: how long the candidate receives mirrored requests before any user traffic moves. Defaults to 30. */
        shadow?: { durationMinutes?: number };
    };
    retraining?: {
        /** Cron schedule: five fields, or a macro such as `@daily`. Required with retraining. */
        schedule: string;
        /** IANA time zone of the schedule. Defaults to Etc/UTC. */
        timeZone?: string;
        /** Training image pinned by tag or digest. Required with retraining. */
        image: string;
        /** GPUs per pod on a training pool. Defaults to none. */
        gpu?: GpuRequest;
        /** Per pod requests. Defaults to 4 CPU, 16Gi. */
        resources?: { cpu?: string; memory?: string };
        /** Hard limit on a run. Defaults to 240. */
        timeoutMinutes?: number;
        /** Nodes of a multi-node run (a JobSet admitted by Kueue as one unit). Defaults to 1. */
        nodes?: number;
        /** GPUs per node of a multi-node run, at most the pool's GPUs per node. Defaults to the pool's GPUs per node. */
        gpusPerNode?: number;
    };
    drift?: {
        /** Cron schedule. Required with drift. */
        schedule: string;
        /** Score above which the ModelDriftHigh alert fires, 0..1. Defaults to 0.2. */
        threshold?: number;
        /** Drift-check image. Defaults to the retraining image. */
        image?: string;
        /** psi | ks | wasserstein: the score the check publishes per feature and for the model. Defaults to psi. */
        method?: DriftMethod;
        /** Start a retraining run when the score is above the threshold. Defaults to true when the model retrains. */
        retrain?: boolean;
        /** Least time between two drift-started runs. Defaults to 720 (12 h). */
        cooldownMinutes?: number;
    };
    /** Hyperparameter search (Optuna) whose best parameters feed retraining. Defaults to none. */
    tuning?: TuningOptions;
}

export interface ResolvedModel {
    name: string;
    namespace: string;
    image: string;
    port: number;
    healthPath: string;
    /** The pinned registered version, when set. */
    version?: number;
    modelUri: string;
    /** The registered model the server loads (from modelUri). */
    registeredModel: string;
    quality?: ResolvedQuality;
    replicas: { min: number; max: number };
    resources: { cpu: string; memory: string };
    gpu?: GpuRequest & { acceleratorType: string };
    endpoint: { exposure: Exposure; hostname?: string; auth?: ExternalAuth; allowList: string[] };
    rollout: {
        strategy: Strategy; steps: number[]; pauseMinutes: number; analysis: { successRate: number; p95LatencySeconds: number };
        abTest?: { share: number; header?: { name: string; value: string }; cookie?: { name: string; value: string }; durationMinutes: number };
        shadow?: { durationMinutes: number };
    };
    retraining?: {
        schedule: string; timeZone: string; image: string; gpu?: GpuRequest & { acceleratorType: string }; resources: { cpu: string; memory: string };
        timeoutMinutes: number; intervalSeconds: number;
        /** Nodes and GPUs per node; nodes > 1 runs as a JobSet. */
        nodes: number; gpusPerNode: number;
    };
    drift?: {
        schedule: string; threshold: number; image: string; timeZone: string; method: DriftMethod;
        /** Set when a score above the threshold starts retraining: the least minutes between two such runs. */
        retrain?: { cooldownMinutes: number };
    };
    tuning?: ResolvedTuning;
}

export const MODEL_DEFAULTS = {
    port: 8080,
    healthPath: "/health",
    replicas: { dev: { min: 1, max: 3 }, prod: { min: 2, max: 10 } },
    resources: { cpu: "1", memory: "2Gi" },
    rollout: { strategy: "canary" as Strategy, steps: [10, 25, 50, 100], pauseMinutes: 5, analysis: { successRate: 0.99, p95LatencySeconds: 1 } },
    endpoint: { exposure: "internal" as Exposure },
    abTest: { share: 50, durationMinutes: 60 },
    shadow: { durationMinutes: 30 },
    training: { resources: { cpu: "4", memory: "16Gi" }, timeoutMinutes: 240, timeZone: "Etc/UTC" },
    drift: { threshold: 0.2 },
};

const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/**
 * Checks a Kubernetes CronJob schedule (five fields, or a macro) with a cron parser.
 * @returns the seconds between two consecutive runs, or the reason it is invalid.
 */
export function cronInterval(schedule: string, timeZone = "Etc/UTC"): { seconds: number } | { error: string } {
    const fields = schedule.trim().split(/\s+/);
    if (!(fields.length === 5 || (fields.length === 1 && CRON_MACROS.includes(fields[0])))) {
        return { error: "must be a cron schedule with five fields (minute hour day-of-month month day-of-week) or a macro such as @daily" };
    }
    try {
        const it = CronExpressionParser.parse(schedule, { tz: timeZone, currentDate: new Date("2025-01-01T00:00:00Z") });
        const a = it.next().getTime();
        const b = it.next().getTime();
        return { seconds: (b - a) / 1000 };
    } catch (e) {
        return { error: `is not a valid cron schedule (${e instanceof Error ? e.message : String(e)})` };
    }
}

function isTimeZone(tz: string): boolean {
    try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}

export interface ModelContext {
    dev: boolean;
    pools: ResolvedGpuPool[];
    namespaces: string[];
}

function checkGpu(gpu: GpuRequest | undefined, purpose: "serving" | "training", field: string, ctx: ModelContext, report: Report) {
    if (!gpu) return undefined;
    const pool = ctx.pools.find((p) => p.name === gpu.pool);
    if (!pool) {
        report(`${field}.pool`, `is not a GPU pool; allowed: ${ctx.pools.filter((p) => p.purpose === purpose).map((p) => p.name).join(", ") || `none (add a ${purpose} pool to mlops-platform:gpuNodePools)`}`, gpu.pool);
        return undefined;
    }
    if (pool.purpose !== purpose) {
        report(`${field}.pool`, `is a ${pool.purpose} pool; ${field} needs a ${purpose} pool: ${ctx.pools.filter((p) => p.purpose === purpose).map((p) => p.name).join(", ") || "none configured"}`, gpu.pool);
        return undefined;
    }
    // Time-shared GPUs are requested one at a time; MIG partitions count as GPUs of their own.
    const max = pool.sharing ? 1 : pool.schedulableGpusPerNode;
    if (!Number.isInteger(gpu.count) || gpu.count < 1 || gpu.count > max) {
        report(`${field}.count`, `must be a whole number from 1 to ${max} (the GPUs${pool.partitionSize ? ` (${pool.partitionSize} partitions)` : ""} per node of pool ${pool.name}${pool.sharing ? ", shared: one per pod" : ""})`, gpu.count);
        return undefined;
    }
    return { ...gpu, acceleratorType: pool.acceleratorType };
}

function checkResources(r: { cpu: string; memory: string }, field: string, report: Report) {
    for (const k of ["cpu", "memory"] as const) if (parseQuantity(r[k]) === undefined) report(`${field}.${k}`, QUANTITY_RULE, r[k]);
}

/** Pure: fills defaults and reports every bad option, by field name. */
export function resolveModel(o: ModelOptions, ctx: ModelContext, report: Report): ResolvedModel {
    const d = MODEL_DEFAULTS;
    // Names become Service, Rollout and CronJob names: `<name>-retrain` must stay within 52 characters.
    if (!isDns1123Label(o.name) || o.name.length > 40) report("name", "must be a DNS-1123 label of at most 40 chars (lowercase letters, digits, '-')", o.name);
    const namespace = o.namespace ?? ctx.namespaces[0] ?? "";
    if (!ctx.namespaces.includes(namespace)) report("namespace", `must be one of mlops-platform:namespaces: ${ctx.namespaces.join(", ") || "none configured"}`, o.namespace);
    const bad = imageIssue(o.image);
    if (bad) report("image", bad, o.image);
    const port = o.port ?? d.port;
    if (!Number.isInteger(port) || port < 1024 || port > 65535) report("port", "must be a non-privileged port, 1024..65535", port);
    const healthPath = o.healthPath ?? d.healthPath;
    if (o.version !== undefined && (!Number.isInteger(o.version) || o.version < 1)) report("version", "must be a registered model version: a whole number from 1", o.version);
    if (o.version !== undefined && o.modelUri !== undefined) report("modelUri", "cannot be combined with version (the version makes the URI models:/<name>/<version>)", o.modelUri);
    const modelUri = o.modelUri ?? (o.version !== undefined ? `models:/${o.name}/${o.version}` : `models:/${o.name}@champion`);
    const registeredModel = /^models:\/([^/@]+)/.exec(modelUri)?.[1] ?? o.name;
    const quality = resolveQuality(o.quality, report);
    // A gate is only worth having if promotion is a release: the served version is pinned, not an alias.
    if (quality && o.version === undefined) report("version", "is required with quality: promotion is a release (a version bump in stack config), so the served version must be pinned");
    if (!/^\/\S*$/.test(healthPath)) report("healthPath", "must be a path starting with /", healthPath);

    const envReplicas = ctx.dev ? d.replicas.dev : d.replicas.prod;
    const replicas = { min: o.replicas?.min ?? envReplicas.min, max: o.replicas?.max ?? envReplicas.max };
    if (!Number.isInteger(replicas.min) || replicas.min < 1) report("replicas.min", "must be a whole number, at least 1", replicas.min);
    if (!Number.isInteger(replicas.max) || replicas.max < replicas.min || replicas.max > 500) report("replicas.max", `must be a whole number from replicas.min (${replicas.min}) to 500`, replicas.max);
    const resources = { ...d.resources, ...o.resources };
    checkResources(resources, "resources", report);
    const gpu = checkGpu(o.gpu, "serving", "gpu", ctx, report);

    const strategy = o.rollout?.strategy ?? d.rollout.strategy;
    if (!STRATEGIES.includes(strategy)) report("rollout.strategy", `allowed: ${STRATEGIES.join(", ")}`, strategy);
    const steps = o.rollout?.steps ?? d.rollout.steps;
    if (steps.length === 0 || steps.some((w, i) => !Number.isInteger(w) || w < 1 || w > 100 || (i > 0 && w <= steps[i - 1])) || steps[steps.length - 1] !== 100) {
        report("rollout.steps", "must be rising whole-number weights from 1 to 100, ending at 100, e.g. [5, 25, 50, 100]", steps);
    }
    const pauseMinutes = o.rollout?.pauseMinutes ?? d.rollout.pauseMinutes;
    if (!Number.isInteger(pauseMinutes) || pauseMinutes < 1 || pauseMinutes > 1440) report("rollout.pauseMinutes", "must be a whole number of minutes from 1 to 1440", pauseMinutes);
    const analysis = { ...d.rollout.analysis, ...o.rollout?.analysis };
    if (!(analysis.successRate > 0 && analysis.successRate <= 1)) report("rollout.analysis.successRate", "must be a fraction above 0 and at most 1, e.g. 0.99", analysis.successRate);
    if (!(analysis.p95LatencySeconds > 0 && analysis.p95LatencySeconds <= 600)) report("rollout.analysis.p95LatencySeconds", "must be seconds above 0, at most 600", analysis.p95LatencySeconds);

    const ab = o.rollout?.abTest;
    const sh = o.rollout?.shadow;
    if (ab && strategy !== "abTest") report("rollout.abTest", "is only allowed with strategy abTest", strategy);
    if (sh && strategy !== "shadow") report("rollout.shadow", "is only allowed with strategy shadow", strategy);
    let abTest: ResolvedModel["rollout"]["abTest"];
    if (strategy === "abTest") {
        if (ab?.header && ab?.cookie) report("rollout.abTest", "takes header or cookie, not both", Object.keys(ab));
        const share = ab?.share ?? (ab?.header || ab?.cookie ? 0 : d.abTest.share);
        if (!Number.isInteger(share) || share < 0 || share > 50 || (share === 0 && !ab?.header && !ab?.cookie)) {
            report("rollout.abTest.share", "must be a whole percent from 1 to 50 (0 only with header or cookie)", share);
        }
        const headerName = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
        if (ab?.header && !headerName.test(ab.header.name)) report("rollout.abTest.header.name", "must be an HTTP header name (RFC 7230 token)", ab.header.name);
        if (ab?.cookie && !/^[A-Za-z0-9_-]+$/.test(ab.cookie.name)) report("rollout.abTest.cookie.name", "must be a cookie name of letters, digits, '_' or '-'", ab.cookie.name);
        const durationMinutes = ab?.durationMinutes ?? d.abTest.durationMinutes;
        if (!Number.isInteger(durationMinutes) || durationMinutes < 5 || durationMinutes > 10080) report("rollout.abTest.durationMinutes", "must be a whole number of minutes from 5 to 10080", durationMinutes);
        abTest = { share, header: ab?.header, cookie: ab?.cookie, durationMinutes };
    }
    let shadow: ResolvedModel["rollout"]["shadow"];
    if (strategy === "shadow") {
        const durationMinutes = sh?.durationMinutes ?? d.shadow.durationMinutes;
        if (!Number.isInteger(durationMinutes) || durationMinutes < 5 || durationMinutes > 10080) report("rollout.shadow.durationMinutes", "must be a whole number of minutes from 5 to 10080", durationMinutes);
        shadow = { durationMinutes };
    }

    const e = o.endpoint ?? {};
    const exposure = e.exposure ?? d.endpoint.exposure;
    if (!EXPOSURES.includes(exposure)) report("endpoint.exposure", `allowed: ${EXPOSURES.join(", ")}`, exposure);
    const allowList = e.allowList ?? [];
    if (exposure === "external") {
        // Never open: an external endpoint names its hostname (for its certificate) and how callers authenticate.
        if (!e.hostname || !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/.test(e.hostname)) report("endpoint.hostname", "is required with exposure external: a DNS name such as fraud.api.example.com (lowercase)", e.hostname);
        if (!e.auth || !EXTERNAL_AUTH.includes(e.auth)) report("endpoint.auth", `is required with exposure external (never open); allowed: ${EXTERNAL_AUTH.join(", ")}`, e.auth);
        if (e.auth === "cloudArmor" && allowList.length === 0) report("endpoint.allowList", "is required with auth cloudArmor: the source ranges admitted, everything else is denied", allowList);
        if (e.auth === "iap" && allowList.length > 0) report("endpoint.allowList", "is only used with auth cloudArmor", allowList);
        allowList.forEach((c, j) => {
            if (!/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(c) || c === "0.0.0.0/0") report(`endpoint.allowList[${j}]`, "must be an IPv4 CIDR block other than 0.0.0.0/0", c);
        });
    } else {
        for (const k of ["hostname", "auth", "allowList"] as const) if (e[k] !== undefined) report(`endpoint.${k}`, "is only allowed with exposure external", e[k]);
    }

    let retraining: ResolvedModel["retraining"];
    if (o.retraining) {
        const t = o.retraining;
        const timeZone = t.timeZone ?? d.training.timeZone;
        if (!isTimeZone(timeZone)) report("retraining.timeZone", "must be an IANA time zone such as Europe/Berlin or Etc/UTC", timeZone);
        const interval = cronInterval(t.schedule, isTimeZone(timeZone) ? timeZone : "Etc/UTC");
        if ("error" in interval) report("retraining.schedule", interval.error, t.schedule);
        const img = imageIssue(t.image);
        if (img) report("retraining.image", img, t.image);
        const res = { ...d.training.resources, ...t.resources };
        checkResources(res, "retraining.resources", report);
        const timeoutMinutes = t.timeoutMinutes ?? d.training.timeoutMinutes;
        if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 1 || timeoutMinutes > 7 * 1440) report("retraining.timeoutMinutes", "must be a whole number of minutes from 1 to 10080", timeoutMinutes);
        const nodes = t.nodes ?? 1;
        const pool = ctx.pools.find((p) => p.name === t.gpu?.pool);
        let gpusPerNode = t.gpusPerNode ?? (nodes > 1 ? pool?.acceleratorCount ?? 1 : t.gpu?.count ?? 0);
        // A multi-node run takes whole nodes: the GPU request is per node, checked here.
        const gpu = nodes > 1 && t.gpu ? (pool ? { ...t.gpu, count: gpusPerNode, acceleratorType: pool.acceleratorType } : checkGpu(t.gpu, "training", "retraining.gpu", ctx, report)) : checkGpu(t.gpu, "training", "retraining.gpu", ctx, report);
        if (!Number.isInteger(nodes) || nodes < 1 || nodes > 64) report("retraining.nodes", "must be a whole number from 1 to 64", nodes);
        else if (nodes > 1) {
            if (!t.gpu) report("retraining.gpu", "is required with nodes > 1: multi-node training runs on a GPU training pool");
            else if (!pool || pool.purpose !== "training") report("retraining.gpu.pool", "must be a training pool", t.gpu.pool);
            else {
                if (pool.placement !== "compact") report("retraining.gpu.pool", `must have placement: compact for multi-node training (nodes close together); ${pool.name} does not`, t.gpu.pool);
                if (!Number.isInteger(gpusPerNode) || gpusPerNode < 1 || gpusPerNode > pool.acceleratorCount) {
                    report("retraining.gpusPerNode", `must be a whole number from 1 to ${pool.acceleratorCount} (the GPUs per node of pool ${pool.name})`, gpusPerNode);
                    gpusPerNode = 1;
                }
            }
        }
        retraining = {
            schedule: t.schedule, timeZone, image: t.image, resources: res, timeoutMinutes, gpu,
            intervalSeconds: "seconds" in interval ? interval.seconds : 0,
            nodes, gpusPerNode,
        };
    }
    let drift: ResolvedModel["drift"];
    if (o.drift) {
        const interval = cronInterval(o.drift.schedule);
        if ("error" in interval) report("drift.schedule", interval.error, o.drift.schedule);
        const threshold = o.drift.threshold ?? d.drift.threshold;
        if (!(threshold > 0 && threshold <= 1)) report("drift.threshold", "must be a score above 0 and at most 1", threshold);
        const image = o.drift.image ?? o.retraining?.image;
        if (image === undefined) report("drift.image", "is required when the model has no retraining image");
        else if (imageIssue(image)) report("drift.image", imageIssue(image)!, image);
        const method = o.drift.method ?? LIFECYCLE_DEFAULTS.drift.method;
        if (!DRIFT_METHODS.includes(method)) report("drift.method", `allowed: ${DRIFT_METHODS.join(", ")}`, method);
        const retrain = o.drift.retrain ?? retraining !== undefined;
        if (retrain && !retraining) report("drift.retrain", "needs retraining: a drift trigger starts the model's retraining run", o.drift.retrain);
        const cooldownMinutes = o.drift.cooldownMinutes ?? LIFECYCLE_DEFAULTS.drift.cooldownMinutes;
        if (!Number.isInteger(cooldownMinutes) || cooldownMinutes < 60 || cooldownMinutes > 10080) report("drift.cooldownMinutes", "must be a whole number of minutes from 60 to 10080", cooldownMinutes);
        if (!retrain && o.drift.cooldownMinutes !== undefined) report("drift.cooldownMinutes", "is only used with retrain: true", cooldownMinutes);
        drift = {
            schedule: o.drift.schedule, threshold, image: image ?? "", timeZone: retraining?.timeZone ?? d.training.timeZone, method,
            ...(retrain ? { retrain: { cooldownMinutes } } : {}),
        };
    }
    const tuning = resolveTuning(o.tuning, {
        name: o.name, quality, retraining,
        scheduleIssue: (s) => {
            const i = cronInterval(s, retraining?.timeZone);
            return "error" in i ? i.error : undefined;
        },
    }, report);
    if (tuning) tuning.gpu = o.tuning?.gpu ? checkGpu(o.tuning.gpu, "training", "tuning.gpu", ctx, report) : retraining?.gpu;
    // One trial is one pod: a multi-node model's trials would not be its retraining (docs/lifecycle.md, Hyperparameter search).
    if (tuning && retraining && retraining.nodes > 1 && !o.tuning?.gpu) report("tuning.gpu", `is required when retraining runs on ${retraining.nodes} nodes: trials run one per pod on a single node (multi-node trials on JobSet or KubeRay are not built); set the GPUs of one trial, e.g. { count: ${retraining.gpusPerNode}, pool: ${retraining.gpu?.pool ?? "<pool>"} }`);
    return {
        name: o.name, namespace, image: o.image, port, healthPath, version: o.version, modelUri, registeredModel, quality,
        replicas, resources, gpu, endpoint: { exposure, hostname: e.hostname, auth: e.auth, allowList },
        rollout: { strategy, steps, pauseMinutes, analysis, abTest, shadow }, retraining, drift, tuning,
    };
}
