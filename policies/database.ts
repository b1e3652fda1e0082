// Cloud SQL.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ofTypes, TYPES } from "./util";

const sql = (name: string, description: string, check: Parameters<typeof ofTypes>[1]): ResourceValidationPolicy => ({
    name, description, enforcementLevel: "mandatory", validateResource: ofTypes([TYPES.sqlInstance], check),
});

export const databasePolicies: ResourceValidationPolicy[] = [
    sql("sql-no-public-ip", "The database is reachable only from the VPC.", (p, _a, report) => {
        if (p.settings?.ipConfiguration?.ipv4Enabled !== false) report("Cloud SQL instances must not have a public IP (ipConfiguration.ipv4Enabled: false).");
    }),
    sql("sql-tls-required", "Credentials and data never cross the network in the clear.", (p, _a, report) => {
        const ip = p.settings?.ipConfiguration ?? {};
        const ok = ["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"].includes(ip.sslMode) || ip.requireSsl === true;
        if (!ok) report(`Cloud SQL instances must require TLS (sslMode ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED, got ${JSON.stringify(ip.sslMode)}).`);
    }),
    sql("sql-backups-and-pitr", "Data can be restored to any point in the retention window.", (p, _a, report) => {
        const b = p.settings?.backupConfiguration;
        if (b?.enabled !== true) report("Cloud SQL instances must enable automated backups.");
        if (b?.pointInTimeRecoveryEnabled !== true) report("Cloud SQL instances must enable point-in-time recovery.");
    }),
    sql("sql-deletion-protection", "A protected database cannot be deleted by a stray change.", (p, args, report) => {
        if (p.deletionProtection !== true || p.settings?.deletionProtectionEnabled !== true || !args.opts.protect) {
            report("Cloud SQL instances must have deletionProtection, settings.deletionProtectionEnabled and Pulumi protect.");
        }
    }),
    sql("sql-regional-availability", "A standby in another zone takes over when a zone fails.", (p, _a, report) => {
        if (p.settings?.availabilityType !== "REGIONAL") report(`Cloud SQL instances must be REGIONAL (got ${JSON.stringify(p.settings?.availabilityType)}).`);
    }),
];
