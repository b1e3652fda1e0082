// Readers for the platform services' config keys: `mlops-platform:mlflow` and `mlops-platform:tls`.
import { DatabaseOptions } from "../components/database/cloudSqlPostgres";
import { MlflowOptions } from "../components/mlflow/mlflowServer";
import { BucketOptions } from "../components/storage/platformBucket";
import { MonitoringOptions } from "../components/monitoring/monitoringStack";
import { Exposure, ExternalAuth, ModelOptions, Strategy } from "../components/serving/modelConfig";
import { Direction, DriftMethod, ParamType, Pruner, QualityOptions, SearchParam, TuningOptions } from "../components/serving/lifecycleConfig";
import { AcmeServer } from "../components/tls/clusterTls";
import { FieldReader } from "../lib/validate";

type Obj = Record<string, unknown>;

export function readMlflow(r: FieldReader, raw: unknown, key: string): MlflowOptions {
    const o = r.object(raw, key, ["image", "replicas", "workers", "resources", "database", "artifactBucket", "datasetsBucket", "hostname", "auth", "extraDatabases"]);
    const resKey = `${key}.resources`;
    const res = r.object(o?.resources, resKey, ["requests", "limits"]);
    const pair = (v: unknown, k: string) => {
        const x = r.object(v, k, ["cpu", "memory"]);
        return x && { cpu: r.quantity(x, "cpu", k), memory: r.quantity(x, "memory", k) };
    };
    const authKey = `${key}.auth`;
    const auth = r.object(o?.auth, authKey, ["type", "adminUser"]);
    return {
        image: r.string(o, "image", key),
        replicas: r.integer(o, "replicas", key),
        workers: r.integer(o, "workers", key),
        resources: res && { requests: pair(res.requests, `${resKey}.requests`), limits: pair(res.limits, `${resKey}.limits`) },
        database: readDatabase(r, o?.database, `${key}.database`),
        artifactBucket: readBucket(r, o?.artifactBucket, `${key}.artifactBucket`),
        datasetsBucket: readBucket(r, o?.datasetsBucket, `${key}.datasetsBucket`),
        hostname: r.string(o, "hostname", key),
        auth: auth && { type: r.string(auth, "type", authKey) as "basic" | undefined, adminUser: r.string(auth, "adminUser", authKey) },
        extraDatabases: r.stringList(o, "extraDatabases", key),
    };
}

function readDatabase(r: FieldReader, raw: unknown, key: string): DatabaseOptions | undefined {
    const o = r.object(raw, key, ["tier", "version", "highAvailability", "backupRetentionDays", "pointInTimeRecovery", "maintenanceWindow"]);
    if (!o) return undefined;
    const mwKey = `${key}.maintenanceWindow`;
    const mw = r.object(o.maintenanceWindow, mwKey, ["day", "hour"]);
    const day = r.integer(mw, "day", mwKey, "1 (Monday) to 7 (Sunday)");
    const hour = r.integer(mw, "hour", mwKey, "0 to 23 (UTC)");
    return {
        tier: r.string(o, "tier", key),
        version: r.string(o, "version", key) as DatabaseOptions["version"],
        highAvailability: r.boolean(o, "highAvailability", key),
        backupRetentionDays: r.integer(o, "backupRetentionDays", key),
        pointInTimeRecovery: r.boolean(o, "pointInTimeRecovery", key),
        maintenanceWindow: day !== undefined && hour !== undefined ? { day, hour } : undefined,
    };
}

function readBucket(r: FieldReader, raw: unknown, key: string): BucketOptions | undefined {
    const o: Obj | undefined = r.object(raw, key, ["location", "versioning", "noncurrentVersionDays"]);
    return o && {
        location: r.string(o, "location", key),
        versioning: r.boolean(o, "versioning", key),
        noncurrentVersionDays: r.integer(o, "noncurrentVersionDays", key),
    };
}

export interface TlsConfig {
    /** ACME account contact; required when any service has a hostname. */
    acmeEmail?: string;
    acmeServer: AcmeServer;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** `acmeServer` defaults to Let's Encrypt staging in dev and production elsewhere. */
export function readTls(r: FieldReader, raw: unknown, key: string, dev: boolean, needsEmail: boolean): TlsConfig {
    const o = r.object(raw, key, ["acmeEmail", "acmeServer"]);
    const acmeEmail = r.string(o, "acmeEmail", key);
    if (acmeEmail !== undefined && !EMAIL.test(acmeEmail)) r.add(`${key}.acmeEmail`, "must be an email address", acmeEmail);
    if (acmeEmail === undefined && needsEmail) r.add(`${key}.acmeEmail`, "is required when a service has a hostname: the contact for Let's Encrypt expiry notices");
    const acmeServer = (r.string(o, "acmeServer", key) ?? (dev ? "staging" : "production")) as AcmeServer;
    if (acmeServer !== "staging" && acmeServer !== "production") r.add(`${key}.acmeServer`, "allowed: staging, production", acmeServer);
    return { acmeEmail, acmeServer };
}

export function readMonitoring(r: FieldReader, raw: unknown, key: string): MonitoringOptions {
    const o = r.object(raw, key, ["retention", "storageSize", "replicas", "grafanaHostname", "alerting", "runbookBaseUrl"]);
    const aKey = `${key}.alerting`;
    const a = r.object(o?.alerting, aKey, ["slackWebhookUrl", "slackChannel", "email", "webhookUrl"]);
    const eKey = `${aKey}.email`;
    const e = r.object(a?.email, eKey, ["to", "from", "smarthost", "authUsername", "authPassword"]);
    return {
        retention: r.string(o, "retention", key),
        storageSize: r.quantity(o, "storageSize", key),
        replicas: r.integer(o, "replicas", key),
        grafanaHostname: r.string(o, "grafanaHostname", key),
        runbookBaseUrl: r.string(o, "runbookBaseUrl", key),
        alerting: a && {
            // Secret leaves: their values are never quoted in errors.
            slackWebhookUrl: r.secretString(a, "slackWebhookUrl", aKey),
            slackChannel: r.string(a, "slackChannel", aKey),
            webhookUrl: r.secretString(a, "webhookUrl", aKey),
            email: e && {
                to: r.string(e, "to", eKey, "the address alerts go to") ?? "",
                from: r.string(e, "from", eKey, "the sender address") ?? "",
                smarthost: r.string(e, "smarthost", eKey, "the SMTP server as host:port") ?? "",
                authUsername: r.string(e, "authUsername", eKey),
                authPassword: r.secretString(e, "authPassword", eKey),
            },
        },
    };
}

const MODEL_KEYS = ["name", "namespace", "image", "port", "healthPath", "version", "modelUri", "quality", "tuning", "replicas", "resources", "gpu", "endpoint", "rollout", "retraining", "drift", "allowFrom"];

export function readModel(r: FieldReader, raw: unknown, key: string): (ModelOptions & { allowFrom?: string[] }) | undefined {
    const o = r.object(raw, key, MODEL_KEYS);
    if (!o) {
        if (raw === undefined || raw === null) r.add(key, "must be an object with at least name and image", raw);
        return undefined;
    }
    const name = r.string(o, "name", key, "the model's name");
    const image = r.string(o, "image", key, "the model server image, pinned by tag or digest");
    const resources = (v: unknown, k: string) => {
        const x = r.object(v, k, ["cpu", "memory"]);
        return x && { cpu: r.quantity(x, "cpu", k), memory: r.quantity(x, "memory", k) };
    };
    const gpu = (v: unknown, k: string) => {
        const x = r.object(v, k, ["count", "pool"]);
        if (!x) return undefined;
        const pool = r.string(x, "pool", k, "a GPU pool's name");
        return pool === undefined ? undefined : { count: r.integer(x, "count", k) ?? 1, pool };
    };
    const repKey = `${key}.replicas`;
    const rep = r.object(o.replicas, repKey, ["min", "max"]);
    const roKey = `${key}.rollout`;
    const ro = r.object(o.rollout, roKey, ["strategy", "steps", "pauseMinutes", "analysis", "abTest", "shadow"]);
    const abKey = `${roKey}.abTest`;
    const ab = r.object(ro?.abTest, abKey, ["share", "header", "cookie", "durationMinutes"]);
    const match = (v: unknown, k: string) => {
        const x = r.object(v, k, ["name", "value"]);
        if (!x) return undefined;
        const n = r.string(x, "name", k, "the name to match");
        const val = r.string(x, "value", k, "the exact value to match");
        return n !== undefined && val !== undefined ? { name: n, value: val } : undefined;
    };
    const shKey = `${roKey}.shadow`;
    const sh = r.object(ro?.shadow, shKey, ["durationMinutes"]);
    const epKey = `${key}.endpoint`;
    const ep = r.object(o.endpoint, epKey, ["exposure", "hostname", "auth", "allowList"]);
    const anKey = `${roKey}.analysis`;
    const an = r.object(ro?.analysis, anKey, ["successRate", "p95LatencySeconds"]);
    const steps = r.list(ro?.steps, `${roKey}.steps`);
    if (steps?.some((x) => typeof x !== "number")) r.add(`${roKey}.steps`, "must be a list of numbers", steps);
    const rtKey = `${key}.retraining`;
    const rt = r.object(o.retraining, rtKey, ["schedule", "timeZone", "image", "gpu", "resources", "timeoutMinutes", "nodes", "gpusPerNode"]);
    const dKey = `${key}.drift`;
    const dr = r.object(o.drift, dKey, ["schedule", "threshold", "image", "method", "retrain", "cooldownMinutes"]);
    const rtSchedule = r.string(rt, "schedule", rtKey, "a cron schedule such as \"0 2 * * 0\"");
    const rtImage = r.string(rt, "image", rtKey, "the training image, pinned by tag or digest");
    const drSchedule = r.string(dr, "schedule", dKey, "a cron schedule such as \"0 */6 * * *\"");
    if (!name || !image) return undefined;
    return {
        name, image,
        namespace: r.string(o, "namespace", key),
        port: r.integer(o, "port", key),
        healthPath: r.string(o, "healthPath", key),
        modelUri: r.string(o, "modelUri", key),
        replicas: rep && { min: r.integer(rep, "min", repKey), max: r.integer(rep, "max", repKey) },
        resources: resources(o.resources, `${key}.resources`) as ModelOptions["resources"],
        gpu: gpu(o.gpu, `${key}.gpu`),
        rollout: ro && {
            strategy: r.string(ro, "strategy", roKey) as Strategy | undefined,
            steps: steps?.every((x) => typeof x === "number") ? (steps as number[]) : undefined,
            pauseMinutes: r.integer(ro, "pauseMinutes", roKey),
            analysis: an && { successRate: r.number(an, "successRate", anKey), p95LatencySeconds: r.number(an, "p95LatencySeconds", anKey) },
            abTest: ab && {
                share: r.integer(ab, "share", abKey),
                header: match(ab.header, `${abKey}.header`),
                cookie: match(ab.cookie, `${abKey}.cookie`),
                durationMinutes: r.integer(ab, "durationMinutes", abKey),
            },
            shadow: sh && { durationMinutes: r.integer(sh, "durationMinutes", shKey) },
        },
        endpoint: ep && {
            exposure: r.string(ep, "exposure", epKey) as Exposure | undefined,
            hostname: r.string(ep, "hostname", epKey),
            auth: r.string(ep, "auth", epKey) as ExternalAuth | undefined,
            allowList: r.stringList(ep, "allowList", epKey),
        },
        retraining: rt && rtSchedule && rtImage ? {
            schedule: rtSchedule, image: rtImage,
            timeZone: r.string(rt, "timeZone", rtKey),
            gpu: gpu(rt.gpu, `${rtKey}.gpu`),
            resources: resources(rt.resources, `${rtKey}.resources`) as NonNullable<ModelOptions["retraining"]>["resources"],
            timeoutMinutes: r.integer(rt, "timeoutMinutes", rtKey),
            nodes: r.integer(rt, "nodes", rtKey),
            gpusPerNode: r.integer(rt, "gpusPerNode", rtKey),
        } : undefined,
        drift: dr && drSchedule ? {
            schedule: drSchedule, threshold: r.number(dr, "threshold", dKey), image: r.string(dr, "image", dKey),
            method: r.string(dr, "method", dKey) as DriftMethod | undefined,
            retrain: r.boolean(dr, "retrain", dKey),
            cooldownMinutes: r.integer(dr, "cooldownMinutes", dKey),
        } : undefined,
        version: r.integer(o, "version", key),
        quality: readQuality(r, o.quality, `${key}.quality`),
        tuning: readTuning(r, o.tuning, `${key}.tuning`),
        allowFrom: r.stringList(o, "allowFrom", key),
    };
}

function readQuality(r: FieldReader, raw: unknown, key: string): QualityOptions | undefined {
    const o = r.object(raw, key, ["metric", "minimum", "maximum", "maxRegression"]);
    const metric = r.string(o, "metric", key, "the MLflow metric the training run logs, e.g. accuracy");
    if (!o || metric === undefined) return undefined;
    return { metric, minimum: r.number(o, "minimum", key), maximum: r.number(o, "maximum", key), maxRegression: r.number(o, "maxRegression", key) };
}

function readTuning(r: FieldReader, raw: unknown, key: string): TuningOptions | undefined {
    const o = r.object(raw, key, ["schedule", "trials", "parallelism", "objective", "direction", "searchSpace", "pruner", "image", "gpu", "resources", "timeoutMinutes"]);
    if (!o) return undefined;
    const ssKey = `${key}.searchSpace`;
    const ss = o.searchSpace;
    const searchSpace: Record<string, SearchParam> = {};
    if (ss !== undefined && (typeof ss !== "object" || ss === null || Array.isArray(ss))) r.add(ssKey, "must be a map of parameter name to { type, low, high } or { type: categorical, choices }", ss);
    else for (const [name, v] of Object.entries((ss ?? {}) as Obj)) {
        const pKey = `${ssKey}.${name}`;
        const p = r.object(v, pKey, ["type", "low", "high", "log", "step", "choices"]);
        if (!p) {
            if (v === null || v === undefined) r.add(pKey, "must be an object such as { type: float, low: 0.001, high: 0.1 }", v);
            continue;
        }
        const choices = r.list(p.choices, `${pKey}.choices`);
        if (choices?.some((c) => !["string", "number", "boolean"].includes(typeof c))) r.add(`${pKey}.choices`, "must be strings, numbers or booleans", choices);
        searchSpace[name] = {
            type: r.string(p, "type", pKey, "float, int or categorical") as ParamType,
            low: r.number(p, "low", pKey), high: r.number(p, "high", pKey), log: r.boolean(p, "log", pKey), step: r.number(p, "step", pKey),
            choices: choices as SearchParam["choices"],
        };
    }
    const gKey = `${key}.gpu`;
    const g = r.object(o.gpu, gKey, ["count", "pool"]);
    const pool = r.string(g, "pool", gKey, "a training GPU pool's name");
    const resKey = `${key}.resources`;
    const res = r.object(o.resources, resKey, ["cpu", "memory"]);
    return {
        schedule: r.string(o, "schedule", key),
        trials: r.integer(o, "trials", key),
        parallelism: r.integer(o, "parallelism", key),
        objective: r.string(o, "objective", key),
        direction: r.string(o, "direction", key) as Direction | undefined,
        searchSpace,
        pruner: r.string(o, "pruner", key) as Pruner | undefined,
        image: r.string(o, "image", key),
        gpu: g && pool !== undefined ? { count: r.integer(g, "count", gKey) ?? 1, pool } : undefined,
        resources: res && { cpu: r.quantity(res, "cpu", resKey), memory: r.quantity(res, "memory", resKey) },
        timeoutMinutes: r.integer(o, "timeoutMinutes", key),
    };
}
