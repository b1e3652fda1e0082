// Alerting and data: critical alerts reach a person, the alert rules stay, and data survives a bad change.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { byType, ofTypes, Props, TYPES } from "./util";

const q = JSON.stringify;
const AM_CONFIG = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";
const PROM_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
/** Receiver integrations of the Alertmanager CRD (monitoring.coreos.com/v1alpha1). */
const INTEGRATIONS = ["emailConfigs", "slackConfigs", "pagerdutyConfigs", "opsgenieConfigs", "webhookConfigs", "victoropsConfigs", "pushoverConfigs", "wechatConfigs", "telegramConfigs", "snsConfigs", "msteamsConfigs", "discordConfigs", "webexConfigs"];
const delivers = (r: Props | undefined) => !!r && INTEGRATIONS.some((k) => (r[k] ?? []).length > 0);
const matchesCritical = (route: Props) => (route.matchers ?? []).some((m: Props) => m.name === "severity" && (m.matchType ?? "=") === "=" && m.value === "critical")
    || route.match?.severity === "critical";

interface Alerts { requiredAlerts: string[] }

export const alertingStackPolicies: StackValidationPolicy[] = [
    {
        name: "alerting-critical-reaches-someone",
        description: "Critical alerts route to a receiver that delivers (email, chat, pager), and Alertmanager uses that configuration.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const configs = byType(args.resources, AM_CONFIG);
            const stack = args.resources.find((r) => r.type === TYPES.helmRelease && r.props.chart === "kube-prometheus-stack");
            if (stack) {
                const used = stack.props.values?.alertmanager?.alertmanagerSpec?.alertmanagerConfiguration?.name;
                if (!configs.some((c) => c.props.metadata?.name === used)) report(`Helm release ${stack.name} must point Alertmanager at the stack's AlertmanagerConfig (values.alertmanager.alertmanagerSpec.alertmanagerConfiguration.name ${q(used)}; the stack has ${q(configs.map((c) => c.props.metadata?.name))}).`, stack.urn);
            }
            for (const c of configs) {
                const spec = c.props.spec ?? {};
                const receivers = new Map<string, Props>((spec.receivers ?? []).map((r: Props) => [r.name, r]));
                const route = spec.route ?? {};
                // Alertmanager takes the first matching child route (continue: false), else the root's receiver.
                const child = (route.routes ?? []).find((r: Props) => matchesCritical(r));
                const receiver = child?.receiver ?? route.receiver;
                const where = `AlertmanagerConfig ${c.props.metadata?.namespace}/${c.props.metadata?.name}`;
                if (!delivers(receivers.get(receiver))) report(`${where} must route severity=critical to a receiver that delivers (it goes to ${q(receiver)}${child ? " by spec.route.routes" : " by spec.route.receiver"}, which ${receivers.has(receiver) ? "has no email, chat or pager config" : "is not defined"}).`, c.urn);
            }
            if (stack && configs.length === 0) report("The stack must define an AlertmanagerConfig with a critical receiver (none found).", stack.urn);
        },
    },
    {
        name: "alerting-rules-kept",
        description: "The platform's alert rules stay defined, and the ones that page stay critical.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { requiredAlerts: { type: "array", items: { type: "string" }, default: ["MlflowDown", "ModelNoReplicasAvailable", "ModelErrorRatioHigh"] } } },
        validateStack: (args, report) => {
            const { requiredAlerts } = args.getConfig<Alerts>();
            const rules = byType(args.resources, PROM_RULE);
            const all = rules.flatMap((r) => (r.props.spec?.groups ?? []).flatMap((g: Props) => (g.rules ?? []).map((x: Props) => ({ res: r, rule: x }))));
            const anchor = rules[0]?.urn;
            for (const name of requiredAlerts) {
                const found = all.filter((a) => a.rule.alert === name);
                if (found.length === 0) report(`PrometheusRule must define the alert ${name} (no group of ${rules.map((r) => r.props.metadata?.name).join(", ") || "no PrometheusRule"} has it).`, anchor);
                else if (!found.some((a) => a.rule.labels?.severity === "critical")) report(`Alert ${name} must page (labels.severity "critical"; found ${q(found.map((a) => a.rule.labels?.severity))}).`, found[0].res.urn);
                for (const a of found) if (!a.rule.expr || a.rule.expr === "vector(0)") report(`Alert ${name} must have an expression that can fire (expr ${q(a.rule.expr)}).`, a.res.urn);
            }
        },
    },
];

interface Retention { minSoftDeleteDays: number }
interface SqlRetention { minRetainedBackups: number; minLogRetentionDays: number }

export const dataPolicies: ResourceValidationPolicy[] = [
    {
        name: "gcs-no-force-destroy",
        description: "A bucket with objects cannot be deleted by Pulumi: forceDestroy would take the models and datasets with it.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.bucket], (p, args, report) => {
            if (p.forceDestroy === true) report(`Bucket ${args.name} must not set forceDestroy: true (it deletes every object on delete or replace).`);
        }),
    },
    {
        name: "gcs-soft-delete",
        description: "Deleted objects stay recoverable for the soft-delete window.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { minSoftDeleteDays: { type: "integer", minimum: 0, default: 7 } } },
        validateResource: ofTypes([TYPES.bucket], (p, args, report) => {
            const { minSoftDeleteDays } = args.getConfig<Retention>();
            // Absent, GCS applies its 7-day default.
            const seconds = p.softDeletePolicy?.retentionDurationSeconds ?? 604800;
            if (seconds < minSoftDeleteDays * 86400) report(`Bucket ${args.name} must keep deleted objects at least ${minSoftDeleteDays} days (softDeletePolicy.retentionDurationSeconds ${seconds}).`);
        }),
    },
    {
        name: "sql-backup-retention",
        description: "Backups and transaction logs are kept long enough to notice a bad change and restore before it.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { minRetainedBackups: { type: "integer", minimum: 1, default: 7 }, minLogRetentionDays: { type: "integer", minimum: 1, default: 7 } } },
        validateResource: ofTypes([TYPES.sqlInstance], (p, args, report) => {
            const { minRetainedBackups, minLogRetentionDays } = args.getConfig<SqlRetention>();
            const b = p.settings?.backupConfiguration ?? {};
            const kept = b.backupRetentionSettings?.retainedBackups ?? 7; // Cloud SQL's default
            if (kept < minRetainedBackups) report(`Cloud SQL instance ${args.name} must keep at least ${minRetainedBackups} backups (backupConfiguration.backupRetentionSettings.retainedBackups ${kept}).`);
            const logs = b.transactionLogRetentionDays ?? 7;
            if (logs < minLogRetentionDays) report(`Cloud SQL instance ${args.name} must keep transaction logs at least ${minLogRetentionDays} days (backupConfiguration.transactionLogRetentionDays ${logs}).`);
        }),
    },
];

export const exposurePolicies: ResourceValidationPolicy[] = [
    {
        name: "k8s-ingress-tls",
        description: "Every host an Ingress serves is covered by its TLS section: nothing of the platform is served in clear text.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes(["kubernetes:networking.k8s.io/v1:Ingress"], (p, _args, report) => {
            const tlsHosts = new Set((p.spec?.tls ?? []).flatMap((t: Props) => t.hosts ?? []));
            const hosts: string[] = (p.spec?.rules ?? []).map((r: Props) => r.host ?? "*");
            const bare = hosts.filter((h) => !tlsHosts.has(h));
            if (!(p.spec?.tls?.length) || bare.length) report(`Ingress ${p.metadata?.namespace}/${p.metadata?.name} must serve ${q(bare.length ? bare : hosts)} over TLS (spec.tls is ${q(p.spec?.tls ?? null)}); add the host to spec.tls with its certificate's secret.`);
        }),
    },
    {
        name: "helm-grafana-hardened",
        description: "Grafana (in kube-prometheus-stack) takes its admin password from a Secret, allows no anonymous or sign-up access, and serves its Ingress over TLS.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.helmRelease], (p, args, report) => {
            const g = p.chart === "grafana" ? p.values : p.chart === "kube-prometheus-stack" ? p.values?.grafana : undefined;
            if (!g || g.enabled === false) return;
            const at = p.chart === "grafana" ? "values" : "values.grafana";
            if (!g.admin?.existingSecret) report(`Helm release ${args.name} must take Grafana's admin credentials from a Secret (${at}.admin.existingSecret is ${q(g.admin?.existingSecret)}).`);
            const ini = g["grafana.ini"] ?? {};
            if (String(ini["auth.anonymous"]?.enabled ?? ini.auth?.anonymous?.enabled) === "true") report(`Helm release ${args.name} must keep Grafana's anonymous access off (${at}["grafana.ini"]["auth.anonymous"].enabled true).`);
            if (String(ini.users?.allow_sign_up) === "true") report(`Helm release ${args.name} must not let anyone sign up to Grafana (${at}["grafana.ini"].users.allow_sign_up true).`);
            if (g.ingress?.enabled && !(g.ingress.tls?.length)) report(`Helm release ${args.name} must serve Grafana's Ingress over TLS (${at}.ingress.tls is ${q(g.ingress.tls ?? null)}).`);
        }),
    },
];
