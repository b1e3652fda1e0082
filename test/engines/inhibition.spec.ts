// Inhibition, as Alertmanager itself applies it: the prod configuration loaded by Debian's
// prometheus-alertmanager on a loopback port, alerts posted to its API, and each alert's inhibitedBy read back.
// amtool cannot evaluate inhibit rules; the engine can.
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { RECEIVER_SECRET_KEYS } from "../../components/monitoring/alertmanager";
import { Any, one, planOf } from "../plans";
import { renderAlertmanagerConfig } from "./alertmanager";
import { onPath, tempDir, toolsPresent } from "./tools";

const freePort = () => new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
    });
    srv.on("error", reject);
});

describe("Alertmanager inhibition, applied by Alertmanager", function () {
    this.timeout(60_000);
    let am: ChildProcess | undefined;
    let dir = "";
    let base = "";

    before(async function () {
        if (!toolsPresent(["prometheus-alertmanager"], "inhibition test (prometheus-alertmanager)")) return this.skip();
        const cr = one(await planOf("prod"), "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", "monitoring-alertmanager-config").inputs;
        dir = tempDir("alertmanager");
        const file = path.join(dir, "alertmanager.yaml");
        fs.writeFileSync(file, renderAlertmanagerConfig(cr, (key) => ({
            [RECEIVER_SECRET_KEYS.slack]: "https://hooks.slack.test/x", [RECEIVER_SECRET_KEYS.webhook]: "https://events.test/x", [RECEIVER_SECRET_KEYS.smtpPassword]: "x",
        })[key] ?? assert.fail(`no placeholder for Secret key ${key}`)));
        const port = await freePort();
        base = `http://127.0.0.1:${port}`;
        am = spawn(onPath("prometheus-alertmanager")!, [
            `--config.file=${file}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address=", "--log.level=warn",
        ], { stdio: "ignore" });
        for (let i = 0; i < 100; i++) {
            try {
                if ((await fetch(`${base}/-/ready`)).ok) return;
            } catch { /* not up yet */ }
            await new Promise((r) => setTimeout(r, 100));
        }
        assert.fail("Alertmanager did not become ready");
    });

    after(async () => {
        // Wait for Alertmanager to exit: it writes its state on the way out.
        if (am && am.exitCode === null) await new Promise((r) => { am!.once("exit", r); am!.kill(); });
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a critical alert inhibits the warning of the same alert, namespace and model, and nothing else", async () => {
        const alert = (severity: string, model: string) => ({ labels: { alertname: "ModelErrorRatioHigh", severity, namespace: "ml-serving", model }, startsAt: new Date().toISOString() });
        const posted = await fetch(`${base}/api/v2/alerts`, {
            method: "POST", headers: { "content-type": "application/json" },
            body: JSON.stringify([alert("critical", "fraud-detector"), alert("warning", "fraud-detector"), alert("warning", "churn-predictor")]),
        });
        assert.equal(posted.status, 200);
        let alerts: Any[] = [];
        // Inhibition is marked when Alertmanager reads the alerts; allow the first read to race the post.
        for (let i = 0; i < 50; i++) {
            alerts = await (await fetch(`${base}/api/v2/alerts`)).json() as Any[];
            if (alerts.length === 3) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        const state = Object.fromEntries(alerts.map((a) => [`${a.labels.severity}/${a.labels.model}`, a.status.state]));
        assert.deepEqual(state, { "critical/fraud-detector": "active", "warning/fraud-detector": "suppressed", "warning/churn-predictor": "active" });
        const inhibited = alerts.find((a) => a.labels.severity === "warning" && a.labels.model === "fraud-detector");
        assert.equal(inhibited.status.inhibitedBy.length, 1);
    });
});
