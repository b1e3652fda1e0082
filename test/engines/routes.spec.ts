// Alertmanager routing as Alertmanager loads it: the plan's AlertmanagerConfig rendered as prometheus-operator
// renders it, checked by `amtool check-config` and routed by `amtool config routes test`.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { RECEIVER_SECRET_KEYS, alertmanagerConfigSpec } from "../../components/monitoring/alertmanager";
import { Any, one, planOf } from "../plans";
import { renderAlertmanagerConfig } from "./alertmanager";
import { onPath, run, tempDir, toolsPresent } from "./tools";

type Stack = "dev" | "prod";
const PLACEHOLDERS: Record<string, string> = {
    [RECEIVER_SECRET_KEYS.slack]: "https://hooks.slack.test/services/T0/B0/placeholder",
    [RECEIVER_SECRET_KEYS.webhook]: "https://events.test/v2/placeholder",
    [RECEIVER_SECRET_KEYS.smtpPassword]: "placeholder",
};
const R = (name: string) => `monitoring/platform-alerting/${name}`;

/** Label sets and the one receiver each must reach, in both stacks. */
const ROUTES: { labels: Record<string, string>; receiver: string; why: string }[] = [
    { labels: { alertname: "ModelErrorRatioHigh", severity: "critical", namespace: "ml-serving", model: "fraud-detector" }, receiver: R("critical"), why: "critical pages" },
    { labels: { alertname: "MlflowDown", severity: "critical", job: "mlflow" }, receiver: R("critical"), why: "critical without a model" },
    { labels: { alertname: "ModelErrorRatioHigh", severity: "warning", namespace: "ml-serving", model: "fraud-detector" }, receiver: R("warning"), why: "warnings to the warning receiver" },
    { labels: { alertname: "GpuMemoryHigh", severity: "warning", namespace: "ml-training" }, receiver: R("warning"), why: "warnings of any team namespace" },
    { labels: { alertname: "Watchdog", severity: "none" }, receiver: R("null"), why: "the heartbeat goes nowhere" },
    { labels: { alertname: "Watchdog", severity: "critical" }, receiver: R("null"), why: "the heartbeat goes nowhere whatever its severity" },
    { labels: { alertname: "InfoInhibitor", severity: "none" }, receiver: R("null"), why: "the info inhibitor goes nowhere" },
    { labels: { alertname: "KubeletInfo", severity: "info" }, receiver: R("null"), why: "info falls to the root's null receiver" },
    { labels: { alertname: "NoSeverity" }, receiver: R("null"), why: "no severity falls to the root" },
];

describe("Alertmanager routing, checked by amtool", function () {
    this.timeout(120_000);
    const config: Partial<Record<Stack, { file: string; dir: string; yaml: Any; check: string; code: number }>> = {};
    let amtool = "";

    before(async function () {
        if (!toolsPresent(["amtool"], "routing tests (amtool check-config, amtool config routes test)")) return this.skip();
        amtool = onPath("amtool")!;
        for (const stack of ["dev", "prod"] as Stack[]) {
            const cr = one(await planOf(stack), "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", "monitoring-alertmanager-config").inputs;
            const dir = tempDir(`amtool-${stack}`);
            const file = path.join(dir, "alertmanager.yaml");
            const text = renderAlertmanagerConfig(cr, (key) => PLACEHOLDERS[key] ?? assert.fail(`no placeholder for Secret key ${key}`));
            fs.writeFileSync(file, text);
            const check = await run(amtool, ["check-config", file]);
            config[stack] = { file, dir, yaml: parse(text), check: check.stdout + check.stderr, code: check.code };
        }
    });

    after(() => {
        for (const c of Object.values(config)) if (c) fs.rmSync(c.dir, { recursive: true, force: true });
    });

    for (const stack of ["dev", "prod"] as Stack[]) {
        describe(stack, () => {
            it("amtool check-config accepts the rendered configuration", () => {
                assert.equal(config[stack]!.code, 0, config[stack]!.check);
                assert.match(config[stack]!.check, /SUCCESS/);
            });

            for (const r of ROUTES) {
                it(`${Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(" ")} reaches ${r.receiver} only (${r.why})`, async () => {
                    const args = ["config", "routes", "test", `--config.file=${config[stack]!.file}`, `--verify.receivers=${r.receiver}`,
                        ...Object.entries(r.labels).map(([k, v]) => `${k}=${v}`)];
                    const res = await run(amtool, args);
                    assert.equal(res.code, 0, res.stdout + res.stderr);
                    assert.equal(res.stdout.trim(), r.receiver);
                });
            }

            it("the verification is live: a wrong receiver fails", async () => {
                const res = await run(amtool, ["config", "routes", "test", `--config.file=${config[stack]!.file}`, `--verify.receivers=${R("critical")}`, "alertname=X", "severity=warning"]);
                assert.notEqual(res.code, 0);
            });

            it("a critical alert inhibits the warning of the same alert, namespace and model", () => {
                assert.deepEqual(config[stack]!.yaml.inhibit_rules, [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "namespace", "model"] }]);
            });
        });
    }

    it("with every receiver kind configured (Slack, email, webhook), amtool accepts it and critical reaches all three", async () => {
        const all = { slackWebhookUrl: "https://hooks.slack.test/x", slackChannel: "#ml-alerts", webhookUrl: "https://events.test/v2", email: { to: "a@b.example", from: "c@b.example", smarthost: "smtp.b.example:587", authUsername: "am", authPassword: "pw" } };
        const dir = tempDir("amtool-all");
        const file = path.join(dir, "alertmanager.yaml");
        const text = renderAlertmanagerConfig({ metadata: { name: "platform-alerting", namespace: "monitoring" }, spec: alertmanagerConfigSpec(all, "alertmanager-receivers") }, (k) => PLACEHOLDERS[k]);
        fs.writeFileSync(file, text);
        const check = await run(amtool, ["check-config", file]);
        fs.rmSync(dir, { recursive: true, force: true });
        assert.equal(check.code, 0, check.stdout + check.stderr);
        const critical = parse(text).receivers.find((r: Any) => r.name === R("critical"));
        assert.deepEqual(Object.keys(critical).sort(), ["email_configs", "name", "slack_configs", "webhook_configs"]);
        assert.equal(critical.slack_configs[0].api_url, PLACEHOLDERS[RECEIVER_SECRET_KEYS.slack]);
    });

    it("prod pages on critical (email to on-call) and warnings never page; dev has no receiver configured", () => {
        const receivers = (stack: Stack) => Object.fromEntries(config[stack]!.yaml.receivers.map((r: Any) => [r.name, r]));
        const prod = receivers("prod");
        assert.deepEqual(prod[R("critical")].email_configs.map((e: Any) => [e.to, e.smarthost, e.require_tls]), [["ml-oncall@acme.example.com", "smtp-relay.acme.example.com:587", true]]);
        for (const k of ["email_configs", "webhook_configs"]) assert.equal(prod[R("warning")][k], undefined, `warning receiver has no ${k}`);
        assert.deepEqual(Object.keys(prod[R("null")]), ["name"]);
        const dev = receivers("dev");
        for (const n of ["null", "critical", "warning"]) assert.deepEqual(Object.keys(dev[R(n)]), ["name"], n);
    });
});
