// AlertManager routing as an AlertmanagerConfig resource (the operator's global configuration). Receivers'
// secrets (webhook URLs, SMTP password) are references into a Kubernetes Secret, never inline. Pure.

export interface AlertingOptions {
    /** Slack incoming webhook URL. Secret. */
    slackWebhookUrl?: string;
    /** Channel override for Slack, e.g. `#ml-alerts`. */
    slackChannel?: string;
    email?: { to: string; from: string; smarthost: string; authUsername?: string; authPassword?: string };
    /** Generic webhook (e.g. PagerDuty Events, Opsgenie, an incident bot). Secret. */
    webhookUrl?: string;
}

/** Keys in the receivers' Secret. */
export const RECEIVER_SECRET_KEYS = { slack: "slack-webhook-url", webhook: "webhook-url", smtpPassword: "smtp-auth-password" } as const;

const eq = (name: string, value: string) => ({ name, value, matchType: "=" });

/** Which Secret keys the configured receivers need, and their (secret) values. */
export function receiverSecretData(a: AlertingOptions): Record<string, string> {
    const data: Record<string, string> = {};
    if (a.slackWebhookUrl) data[RECEIVER_SECRET_KEYS.slack] = a.slackWebhookUrl;
    if (a.webhookUrl) data[RECEIVER_SECRET_KEYS.webhook] = a.webhookUrl;
    if (a.email?.authPassword) data[RECEIVER_SECRET_KEYS.smtpPassword] = a.email.authPassword;
    return data;
}

/**
 * Routes critical alerts to every configured channel (Slack, email, webhook) and warnings to Slack and the
 * webhook; groups by alert, namespace and model; a critical alert silences the warning of the same alert.
 * With no receiver configured, alerts stay in AlertManager's UI only.
 */
export function alertmanagerConfigSpec(a: AlertingOptions, secretName: string) {
    const ref = (key: string) => ({ name: secretName, key });
    const slack = a.slackWebhookUrl ? [{
        apiURL: ref(RECEIVER_SECRET_KEYS.slack),
        ...(a.slackChannel ? { channel: a.slackChannel } : {}),
        sendResolved: true,
        title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})",
        text: "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}",
    }] : [];
    const webhook = a.webhookUrl ? [{ urlSecret: ref(RECEIVER_SECRET_KEYS.webhook), sendResolved: true }] : [];
    const email = a.email ? [{
        to: a.email.to, from: a.email.from, smarthost: a.email.smarthost, requireTLS: true, sendResolved: true,
        ...(a.email.authUsername ? { authUsername: a.email.authUsername } : {}),
        ...(a.email.authPassword ? { authPassword: ref(RECEIVER_SECRET_KEYS.smtpPassword) } : {}),
    }] : [];
    const receiver = (name: string, configs: { slack?: unknown[]; email?: unknown[]; webhook?: unknown[] }) => ({
        name,
        ...(configs.slack?.length ? { slackConfigs: configs.slack } : {}),
        ...(configs.email?.length ? { emailConfigs: configs.email } : {}),
        ...(configs.webhook?.length ? { webhookConfigs: configs.webhook } : {}),
    });
    return {
        route: {
            receiver: "null",
            groupBy: ["alertname", "namespace", "model"],
            groupWait: "30s",
            groupInterval: "5m",
            repeatInterval: "4h",
            routes: [
                // kube-prometheus-stack's always-firing heartbeat and info-level inhibitor: nobody is paged.
                { matchers: [{ name: "alertname", value: "Watchdog|InfoInhibitor", matchType: "=~" }], receiver: "null" },
                { matchers: [eq("severity", "critical")], receiver: "critical", repeatInterval: "1h" },
                { matchers: [eq("severity", "warning")], receiver: "warning" },
            ],
        },
        receivers: [
            { name: "null" },
            receiver("critical", { slack, email, webhook }),
            receiver("warning", { slack, webhook }),
        ],
        inhibitRules: [
            { sourceMatch: [eq("severity", "critical")], targetMatch: [eq("severity", "warning")], equal: ["alertname", "namespace", "model"] },
        ],
    };
}
