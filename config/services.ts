// Readers for the platform services' config keys: `mlops-platform:mlflow` and `mlops-platform:tls`.
import { DatabaseOptions } from "../components/database/cloudSqlPostgres";
import { MlflowOptions } from "../components/mlflow/mlflowServer";
import { BucketOptions } from "../components/storage/platformBucket";
import { MonitoringOptions } from "../components/monitoring/monitoringStack";
import { AcmeServer } from "../components/tls/clusterTls";
import { FieldReader } from "./validate";

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
