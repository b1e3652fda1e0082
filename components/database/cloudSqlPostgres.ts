import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Report } from "../../lib/errors";

export const POSTGRES_VERSIONS = ["POSTGRES_14", "POSTGRES_15", "POSTGRES_16", "POSTGRES_17"] as const;
export type PostgresVersion = (typeof POSTGRES_VERSIONS)[number];

/** When Cloud SQL may apply maintenance: day 1 (Monday) .. 7 (Sunday), hour 0..23 UTC. */
export interface SqlMaintenanceWindow {
    day: number;
    hour: number;
}

/** The user-facing options of the database (`mlops-platform:mlflow.database`). */
export interface DatabaseOptions {
    /** Machine tier, e.g. `db-custom-2-7680` (2 vCPU, 7.5 GB). Defaults to DATABASE_DEFAULTS[env].tier. */
    tier?: string;
    /** Defaults to POSTGRES_16. */
    version?: PostgresVersion;
    /** Regional instance with a standby in another zone. Defaults to true except in dev. */
    highAvailability?: boolean;
    /** Daily backups kept, 1..365. Defaults to 7 in dev, 30 otherwise. */
    backupRetentionDays?: number;
    /** Point-in-time recovery (write-ahead logs kept up to 7 days). Defaults to true. */
    pointInTimeRecovery?: boolean;
    /** Defaults to Sunday 03:00 UTC. */
    maintenanceWindow?: SqlMaintenanceWindow;
}

export type ResolvedDatabase = Required<DatabaseOptions>;

export const DATABASE_DEFAULTS = {
    dev: { tier: "db-custom-1-3840", highAvailability: false, backupRetentionDays: 7 },
    prod: { tier: "db-custom-2-7680", highAvailability: true, backupRetentionDays: 30 },
    version: "POSTGRES_16" as PostgresVersion,
    pointInTimeRecovery: true,
    maintenanceWindow: { day: 7, hour: 3 },
};

const TIER = /^db-(f1-micro|g1-small|custom-(\d+)-(\d+)|perf-optimized-N-\d+)$/;

/** Pure: fills defaults (dev or not) and reports every bad option. */
export function resolveDatabase(o: DatabaseOptions, dev: boolean, report: Report): ResolvedDatabase {
    const env = dev ? DATABASE_DEFAULTS.dev : DATABASE_DEFAULTS.prod;
    const tier = o.tier ?? env.tier;
    const m = TIER.exec(tier);
    if (!m) report("tier", "must be a Cloud SQL tier: db-custom-<vCPUs>-<memory MB> (e.g. db-custom-2-7680), db-perf-optimized-N-<vCPUs>, db-g1-small or db-f1-micro", tier);
    else if (m[2] !== undefined) {
        const cpus = Number(m[2]);
        const mb = Number(m[3]);
        if (cpus !== 1 && cpus % 2 !== 0) report("tier", "vCPUs must be 1 or an even number", tier);
        else if (mb % 256 !== 0 || mb < cpus * 921.6 || mb > cpus * 6656) report("tier", `memory must be a multiple of 256 MB, from 0.9 to 6.5 GB per vCPU (${Math.ceil((cpus * 921.6) / 256) * 256}..${cpus * 6656} MB here)`, tier);
    }
    const version = o.version ?? DATABASE_DEFAULTS.version;
    if (!POSTGRES_VERSIONS.includes(version)) report("version", `allowed: ${POSTGRES_VERSIONS.join(", ")}`, version);
    const backupRetentionDays = o.backupRetentionDays ?? env.backupRetentionDays;
    if (!Number.isInteger(backupRetentionDays) || backupRetentionDays < 1 || backupRetentionDays > 365) report("backupRetentionDays", "must be a whole number of days from 1 to 365", backupRetentionDays);
    const maintenanceWindow = o.maintenanceWindow ?? DATABASE_DEFAULTS.maintenanceWindow;
    if (!Number.isInteger(maintenanceWindow.day) || maintenanceWindow.day < 1 || maintenanceWindow.day > 7) report("maintenanceWindow.day", "must be 1 (Monday) to 7 (Sunday)", maintenanceWindow.day);
    if (!Number.isInteger(maintenanceWindow.hour) || maintenanceWindow.hour < 0 || maintenanceWindow.hour > 23) report("maintenanceWindow.hour", "must be an hour from 0 to 23 (UTC)", maintenanceWindow.hour);
    return {
        tier, version, backupRetentionDays, maintenanceWindow,
        highAvailability: o.highAvailability ?? env.highAvailability,
        pointInTimeRecovery: o.pointInTimeRecovery ?? DATABASE_DEFAULTS.pointInTimeRecovery,
    };
}

export interface CloudSqlPostgresArgs {
    /** Resolved options (see resolveDatabase). Required. */
    options: ResolvedDatabase;
    region: string;
    /** VPC the instance gets its private IP in (Private Service Access must be set up). Required. */
    network: pulumi.Input<string>;
    /** The Private Service Access peering; the instance waits for it. Required. */
    privateServicesConnection: pulumi.Resource;
    /** Databases to create. Required. */
    databases: string[];
    /** The built-in user the application logs in as. Required. */
    userName: string;
    /** GKE-side deletion protection and Pulumi `protect` on the instance. Defaults to true. */
    deletionProtection?: boolean;
}

/**
 * Cloud SQL for PostgreSQL with a private IP only (no public IP), encrypted connections only, daily
 * backups with point-in-time recovery, query insights, a maintenance window, one user with a random
 * password (a secret) and the databases asked for.
 */
export class CloudSqlPostgres extends pulumi.ComponentResource {
    public readonly instance: gcp.sql.DatabaseInstance;
    public readonly databases: gcp.sql.Database[];
    public readonly user: gcp.sql.User;
    /** The user's password. Secret. */
    public readonly password: pulumi.Output<string>;
    /** `project:region:instance`, what the Cloud SQL Auth Proxy connects to. */
    public readonly connectionName: pulumi.Output<string>;

    constructor(name: string, args: CloudSqlPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:database:CloudSqlPostgres", name, {}, opts);
        const o = args.options;
        const protect = args.deletionProtection ?? true;

        this.instance = new gcp.sql.DatabaseInstance(`${name}-postgres`, {
            region: args.region,
            databaseVersion: o.version,
            deletionProtection: protect,
            settings: {
                tier: o.tier,
                edition: o.tier.startsWith("db-perf-optimized") ? "ENTERPRISE_PLUS" : "ENTERPRISE",
                availabilityType: o.highAvailability ? "REGIONAL" : "ZONAL",
                deletionProtectionEnabled: protect,
                diskType: "PD_SSD",
                diskAutoresize: true,
                ipConfiguration: {
                    ipv4Enabled: false,
                    privateNetwork: args.network,
                    // Every connection is TLS; the Auth Proxy's mutual TLS satisfies this.
                    sslMode: "ENCRYPTED_ONLY",
                },
                backupConfiguration: {
                    enabled: true,
                    startTime: "02:00",
                    pointInTimeRecoveryEnabled: o.pointInTimeRecovery,
                    transactionLogRetentionDays: Math.min(7, o.backupRetentionDays),
                    backupRetentionSettings: { retainedBackups: o.backupRetentionDays, retentionUnit: "COUNT" },
                },
                maintenanceWindow: { day: o.maintenanceWindow.day, hour: o.maintenanceWindow.hour, updateTrack: "stable" },
                insightsConfig: { queryInsightsEnabled: true, queryStringLength: 1024, recordApplicationTags: true, recordClientAddress: false },
                databaseFlags: [
                    { name: "log_min_duration_statement", value: "1000" },
                    { name: "log_lock_waits", value: "on" },
                ],
                userLabels: { "mlops-platform": pulumi.getStack() },
            },
        }, { parent: this, protect, dependsOn: [args.privateServicesConnection] });

        // Dropping a database or user that owns data is refused by Postgres; abandon instead of failing.
        this.databases = args.databases.map((db) => new gcp.sql.Database(`${name}-${db.replace(/_/g, "-")}`, {
            instance: this.instance.name, name: db, deletionPolicy: "ABANDON",
        }, { parent: this }));

        const password = new random.RandomPassword(`${name}-${args.userName}-password`, {
            length: 32,
            // Letters and digits only: the password goes into a connection URI unescaped.
            special: false,
        }, { parent: this });
        this.password = password.result;
        this.user = new gcp.sql.User(`${name}-${args.userName}`, {
            instance: this.instance.name, name: args.userName, password: password.result, deletionPolicy: "ABANDON",
        }, { parent: this });
        this.connectionName = this.instance.connectionName;

        this.registerOutputs({ instance: this.instance, databases: this.databases, user: this.user, password: this.password, connectionName: this.connectionName });
    }
}
