// The AlertmanagerConfig custom resource rendered into Alertmanager's configuration file the way
// prometheus-operator does for `alertmanagerConfiguration` (the global configuration): see
// pkg/alertmanager/amcfg.go, initializeFromAlertmanagerConfig, convertRoute, convertReceiver,
// convertInhibitRule and makeNamespacedString. As the global configuration, its routes and inhibit rules get
// no namespace matcher (only AlertmanagerConfigs selected beside a base configuration do); receiver names
// are prefixed `<namespace>/<name>/`. Secret references become the placeholder values given.
import { stringify } from "yaml";

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Matcher { name: string; value: string; matchType?: string; regex?: boolean }

// The operator's openMetricsEscape: backslash, double quote and newline.
const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function matchers(ms: Matcher[] | undefined): string[] | undefined {
    if (!ms?.length) return undefined;
    return ms.map((m) => `${m.name}${m.matchType ?? (m.regex ? "=~" : "=")}"${escape(m.value)}"`);
}

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function renderAlertmanagerConfig(cr: { metadata: { name: string; namespace: string }; spec: Any }, secret: (key: string) => string): string {
    const prefix = `${cr.metadata.namespace}/${cr.metadata.name}/`;
    const route = (r: Any): Any => defined({
        receiver: r.receiver ? prefix + r.receiver : undefined,
        group_by: r.groupBy,
        group_wait: r.groupWait,
        group_interval: r.groupInterval,
        repeat_interval: r.repeatInterval,
        continue: r.continue,
        matchers: matchers(r.matchers),
        routes: r.routes?.map(route),
    });
    const receiver = (r: Any): Any => defined({
        name: prefix + r.name,
        slack_configs: r.slackConfigs?.map((c: Any) => defined({ send_resolved: c.sendResolved, api_url: secret(c.apiURL.key), channel: c.channel, title: c.title, text: c.text })),
        email_configs: r.emailConfigs?.map((c: Any) => defined({
            send_resolved: c.sendResolved, to: c.to, from: c.from, smarthost: c.smarthost, auth_username: c.authUsername,
            auth_password: c.authPassword ? secret(c.authPassword.key) : undefined, require_tls: c.requireTLS,
        })),
        webhook_configs: r.webhookConfigs?.map((c: Any) => defined({ send_resolved: c.sendResolved, url: c.urlSecret ? secret(c.urlSecret.key) : c.url })),
    });
    return stringify(defined({
        route: route(cr.spec.route),
        inhibit_rules: cr.spec.inhibitRules?.map((i: Any) => defined({ source_matchers: matchers(i.sourceMatch), target_matchers: matchers(i.targetMatch), equal: i.equal })),
        receivers: cr.spec.receivers.map(receiver),
    }));
}
