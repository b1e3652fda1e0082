import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RECEIVER_SECRET_KEYS, alertmanagerConfigSpec, receiverSecretData } from "../../components/monitoring/alertmanager";
import { ALERT_DEFAULTS, platformRuleGroups, ruleExpressions } from "../../components/monitoring/alertRules";
import { dcgmExporterSpec } from "../../components/monitoring/dcgmExporter";
import { DASHBOARDS_DIR, checkMonitoringNetwork, loadDashboards, resolveMonitoring } from "../../components/monitoring/monitoringStack";
import { alertmanagerEgressPorts, maxNodesIn, monitoringNetworkPolicies, nodeMetricsNetworkPolicies, nodeMetricsQuota } from "../../components/monitoring/namespaces";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { Any } from "../plans";
import { promqlErrors } from "../promql";

const withOverrides = platformRuleGroups([{ model: "fraud-detector", p95LatencySeconds: 0.25, retrainIntervalSeconds: 86400 }, { model: "churn.v2" }]);

describe("monitoring (pure parts)", () => {
    describe("rules", () => {
        it("every expression parses as PromQL, with and without per-model overrides", () => {
            const exprs = [...ruleExpressions(platformRuleGroups()), ...ruleExpressions(withOverrides)];
            assert.ok(exprs.length >= 40);
            for (const e of exprs) assert.deepEqual(promqlErrors(e), [], e);
        });

        it("the checker itself finds a syntax error (so the test above means something)", () => {
            assert.notDeepEqual(promqlErrors("sum by (model) (rate(x[5m])) {model=\"a\"}"), []);
            assert.notDeepEqual(promqlErrors("rate(x[5m]"), []);
        });

        it("has every alert the platform promises, each with severity, summary, description and runbook", () => {
            const alerts = platformRuleGroups().flatMap((g) => g.rules).filter((r) => r.alert);
            assert.deepEqual([...new Set(alerts.map((a) => a.alert))].sort(), [
                "BatchQueueAtQuota", "BatchWorkloadWaitingLong", "ContainerCpuHigh", "ContainerMemoryHigh", "DriftRetrainingTriggered", "GpuMemoryHigh", "GpuUnderutilizedDuringTraining", "MlflowDown",
                "ModelAutoscalerAtMaximum", "ModelDriftHigh", "ModelErrorRatioHigh", "ModelLatencyHigh", "ModelNoReplicasAvailable",
                "NamespaceQuotaNearlyUsed", "PersistentVolumeFillingUp", "QualityGateFailedTwice", "RetrainingFailed", "RetrainingStale", "TuningStudyStalled",
            ]);
            for (const a of alerts) {
                assert.match(a.labels!.severity, /^(info|warning|critical)$/, a.alert);
                assert.ok(a.annotations!.summary && a.annotations!.description, a.alert);
                assert.match(a.annotations!.runbook_url, /^https:\/\/.+#[a-z]+$/, a.alert);
            }
        });

        it("uses the documented thresholds and durations", () => {
            const byName = (n: string) => platformRuleGroups().flatMap((g) => g.rules).filter((r) => r.alert === n);
            assert.equal(byName("ModelLatencyHigh")[0].expr, 'model:request_latency_seconds:p95{model!~""} > 1');
            assert.deepEqual(byName("ModelErrorRatioHigh").map((r) => [r.expr, r.labels!.severity]), [
                ["model:request_errors:ratio_rate5m > 0.05", "warning"], ["model:request_errors:ratio_rate5m > 0.2", "critical"]]);
            assert.equal(byName("ModelAutoscalerAtMaximum")[0].for, "15m");
            assert.equal(byName("GpuUnderutilizedDuringTraining")[0].for, "30m");
            assert.match(byName("GpuUnderutilizedDuringTraining")[0].expr, /< 20 and on \(namespace, pod\)/);
            assert.match(byName("GpuMemoryHigh")[0].expr, /> 0\.9$/);
            assert.match(byName("PersistentVolumeFillingUp")[0].expr, /> 0\.9$/);
            assert.match(byName("NamespaceQuotaNearlyUsed")[0].expr, /> 0\.9$/);
            assert.deepEqual([byName("ContainerCpuHigh")[0].for, byName("ContainerMemoryHigh")[0].for], ["5m", "5m"]);
            assert.match(byName("ContainerMemoryHigh")[0].expr, /> 0\.85$/);
            assert.match(byName("RetrainingStale")[0].expr, new RegExp(`> ${2 * ALERT_DEFAULTS.retrainIntervalSeconds}$`));
        });

        it("applies per-model overrides and keeps the default for the other models, in one rule per alert", () => {
            const latency = withOverrides.flatMap((g) => g.rules).filter((r) => r.alert === "ModelLatencyHigh").map((r) => r.expr);
            assert.deepEqual(latency, [
                '(model:request_latency_seconds:p95{model="fraud-detector"} > 0.25) or (model:request_latency_seconds:p95{model!~"fraud-detector"} > 1)',
            ]);
            const stale = withOverrides.flatMap((g) => g.rules).filter((r) => r.alert === "RetrainingStale").map((r) => r.expr);
            assert.equal(stale.length, 1);
            assert.match(stale[0], /cronjob="fraud-detector-retrain".*> 172800\) or \(.*cronjob!~"\(fraud-detector\)-retrain".*> 1209600\)$/);
        });

        it("records the latency percentiles the dashboards read", () => {
            const records = platformRuleGroups().flatMap((g) => g.rules).flatMap((r) => r.record ?? []);
            assert.deepEqual(records, ["model:request_latency_seconds:p50", "model:request_latency_seconds:p95", "model:request_latency_seconds:p99", "model:requests:rate5m", "model:request_errors:ratio_rate5m"]);
            const serving = JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, "model-serving.json"), "utf8"));
            const exprs = serving.panels.flatMap((p: Any) => p.targets.map((t: Any) => t.expr)).join("\n");
            for (const r of records) assert.ok(exprs.includes(r), r);
        });
    });

    describe("dashboards", () => {
        const dashboards = loadDashboards(DASHBOARDS_DIR).map((d) => ({ ...d, parsed: JSON.parse(d.json) }));

        it("has the seven dashboards, each with a unique uid and a title", () => {
            assert.deepEqual(dashboards.map((d) => [d.file, d.parsed.uid, d.parsed.title]), [
                ["batch-queues.json", "mlops-batch-queues", "Batch queues"],
                ["drift.json", "mlops-drift", "Model drift"],
                ["gpu.json", "mlops-gpu", "GPUs"],
                ["model-serving.json", "mlops-model-serving", "Model serving"],
                ["platform-overview.json", "mlops-platform-overview", "Platform overview"],
                ["training.json", "mlops-training", "Training and retraining"],
                ["tuning.json", "mlops-tuning", "Hyperparameter search"],
            ]);
            assert.equal(new Set(dashboards.map((d) => d.uid)).size, dashboards.length);
        });

        it("each has namespace and model variables, panels, and only PromQL that parses", () => {
            for (const d of dashboards) {
                const vars = d.parsed.templating.list.map((v: Any) => v.name);
                assert.ok(vars.includes("namespace") && vars.includes("model"), d.file);
                assert.ok(d.parsed.panels.length >= 3, d.file);
                const exprs = [
                    ...d.parsed.panels.flatMap((p: Any) => p.targets.map((t: Any) => t.expr)),
                    ...d.parsed.templating.list.filter((v: Any) => v.type === "query").map((v: Any) => v.query.query.replace(/^label_values\((.*), \w+\)$/, "$1")),
                ];
                for (const e of exprs) assert.deepEqual(promqlErrors(e), [], `${d.file}: ${e}`);
                for (const p of d.parsed.panels) assert.ok(p.title && p.gridPos && p.targets.length > 0, `${d.file} panel ${p.id}`);
            }
        });

        it("shows what each dashboard promises", () => {
            const titles = (uid: string) => dashboards.find((d) => d.uid === uid)!.parsed.panels.map((p: Any) => p.title);
            assert.deepEqual(titles("mlops-model-serving"), [
                "Requests per second", "Error ratio (5xx)", "Latency p50 / p95 / p99", "Available replicas", "Canary share of traffic",
                "Release: traffic share per version", "Release: analysis results",
            ]);
            assert.deepEqual(titles("mlops-gpu"), ["GPU utilization per node", "GPU utilization per pod", "GPU memory used", "Power draw", "GPUs requested per namespace"]);
            assert.deepEqual(titles("mlops-tuning"), ["Best objective value over time", "Best objective value per finished trial", "Trials by state", "Tuning workers running", "Time since last trial finished"]);
            assert.deepEqual(titles("mlops-platform-overview"), ["MLflow up", "Pending pods", "Quota use per namespace and resource", "Nodes per pool", "GPU nodes by purpose"]);
        });
    });

    describe("AlertManager", () => {
        const all = { slackWebhookUrl: "https://hooks.slack.test/T/B/x", slackChannel: "#ml-alerts", webhookUrl: "https://events.test/v2", email: { to: "a@b.example", from: "c@b.example", smarthost: "smtp.b.example:587", authUsername: "am", authPassword: "pw" } };

        it("routes critical to every channel and warnings to Slack and the webhook, by reference to a Secret", () => {
            const spec = alertmanagerConfigSpec(all, "alertmanager-receivers") as Any;
            const critical = spec.receivers.find((r: Any) => r.name === "critical");
            const warning = spec.receivers.find((r: Any) => r.name === "warning");
            assert.deepEqual(Object.keys(critical).sort(), ["emailConfigs", "name", "slackConfigs", "webhookConfigs"]);
            assert.deepEqual(Object.keys(warning).sort(), ["name", "slackConfigs", "webhookConfigs"]);
            assert.deepEqual(critical.slackConfigs[0].apiURL, { name: "alertmanager-receivers", key: RECEIVER_SECRET_KEYS.slack });
            assert.deepEqual(critical.webhookConfigs[0].urlSecret, { name: "alertmanager-receivers", key: RECEIVER_SECRET_KEYS.webhook });
            assert.deepEqual(critical.emailConfigs[0].authPassword, { name: "alertmanager-receivers", key: RECEIVER_SECRET_KEYS.smtpPassword });
            assert.ok(!JSON.stringify(spec).includes("hooks.slack.test") && !JSON.stringify(spec).includes('"pw"'), "no secret inline");
            assert.deepEqual(receiverSecretData(all), { "slack-webhook-url": all.slackWebhookUrl, "webhook-url": all.webhookUrl, "smtp-auth-password": "pw" });
        });

        it("lets a critical alert silence the warning of the same alert, and groups by alert, namespace and model", () => {
            const spec = alertmanagerConfigSpec({}, "s") as Any;
            assert.deepEqual(spec.inhibitRules, [{ sourceMatch: [{ name: "severity", value: "critical", matchType: "=" }], targetMatch: [{ name: "severity", value: "warning", matchType: "=" }], equal: ["alertname", "namespace", "model"] }]);
            assert.deepEqual(spec.route.groupBy, ["alertname", "namespace", "model"]);
        });

        it("validates against the prometheus-operator schema, as do the rules", async () => {
            const meta = { name: "x", namespace: "monitoring" };
            assert.deepEqual(await validateObject(JSON.parse(JSON.stringify({ apiVersion: "monitoring.coreos.com/v1alpha1", kind: "AlertmanagerConfig", metadata: meta, spec: alertmanagerConfigSpec(all, "s") }))), []);
            assert.deepEqual(await validateObject(JSON.parse(JSON.stringify({ apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: meta, spec: { groups: withOverrides } }))), []);
        });
    });

    describe("GPU metrics (DCGM)", () => {
        const pod = (dcgmExporterSpec() as Any).template.spec;
        const exporter = pod.containers.find((c: Any) => c.name === "dcgm-exporter");
        const hostEngine = pod.initContainers.find((c: Any) => c.name === "nv-hostengine");
        const all = [...pod.initContainers, ...pod.containers];

        it("starts the exporter binary itself (the image's entrypoint runs ldconfig, which a read-only root refuses), with no capability and seccomp RuntimeDefault", () => {
            assert.deepEqual(exporter.command, ["/usr/bin/dcgm-exporter"]);
            assert.deepEqual(exporter.securityContext, {
                runAsNonRoot: false, runAsUser: 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
        });

        it("binds the host engine to the pod's loopback and reads it there: no hostPort, no host network, one privileged container", () => {
            assert.deepEqual(hostEngine.args.slice(0, 5), ["-n", "-b", "127.0.0.1", "-p", "5555"]);
            assert.deepEqual(exporter.args.slice(0, 2), ["--remote-hostengine-info", "127.0.0.1:5555"]);
            assert.deepEqual(all.flatMap((c: Any) => (c.ports ?? []).filter((p: Any) => p.hostPort !== undefined)), []);
            assert.equal(pod.hostNetwork, undefined);
            assert.deepEqual(all.filter((c: Any) => c.securityContext?.privileged).map((c: Any) => c.name), ["nv-hostengine"]);
            // A native sidecar whose startup probe gates the exporter, which exits if no host engine answers.
            assert.equal(hostEngine.restartPolicy, "Always");
            assert.deepEqual(hostEngine.startupProbe.exec.command, ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5555"]);
        });

        it("reaches every GPU node, flex-start ones included, at the platform's priority", () => {
            assert.deepEqual(pod.tolerations, [
                { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
                { key: "cloud.google.com/gke-queued", operator: "Exists", effect: "NoSchedule" },
            ]);
            assert.equal(pod.priorityClassName, "mlops-platform-critical");
            assert.equal(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key, "cloud.google.com/gke-accelerator");
            for (const c of all) assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory, c.name);
        });

        it("is a valid DaemonSet", async () => {
            const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "dcgm-exporter", namespace: "node-metrics" }, spec: dcgmExporterSpec() };
            assert.deepEqual(await validateObject(JSON.parse(JSON.stringify(ds))), []);
        });
    });

    describe("namespaces", () => {
        const flows = { monitoringNamespace: "monitoring", controlPlaneCidr: "172.16.0.0/28", nodesCidr: "10.10.0.0/20", pushgatewayClients: ["ml-training"], prometheusClients: ["argo-rollouts"], grafanaIngress: true, alertmanagerPorts: [443, 587] };
        const byName = (ps: { name: string; spec: Any }[]) => new Map(ps.map((p) => [p.name, p.spec]));

        it("node-metrics: default deny, then only monitoring to the exporter's port 9400, and no egress", () => {
            assert.deepEqual(nodeMetricsNetworkPolicies("monitoring"), [
                { name: "default-deny-all", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
                {
                    name: "allow-dcgm-scrape",
                    spec: {
                        podSelector: { matchLabels: { "app.kubernetes.io/name": "nvidia-dcgm", "app.kubernetes.io/component": "exporter", "app.kubernetes.io/part-of": "mlops-platform" } },
                        policyTypes: ["Ingress"],
                        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9400 }] }],
                    },
                },
            ]);
        });

        it("monitoring: default deny, then exactly the flows the stack needs, each on the chart's pods", () => {
            const ps = byName(monitoringNetworkPolicies(flows));
            assert.deepEqual([...ps.keys()], [
                "default-deny-all", "allow-same-namespace", "allow-dns", "allow-api-server-prometheus", "allow-api-server-operator",
                "allow-api-server-admission-jobs", "allow-api-server-grafana", "allow-api-server-kube-state-metrics",
                "allow-scrape-all-namespaces", "allow-scrape-nodes", "allow-admission-webhook", "allow-grafana-load-balancer",
                "allow-acme-http01-solver", "allow-pushgateway-clients", "allow-prometheus-clients", "allow-alertmanager-receivers",
            ]);
            assert.deepEqual(ps.get("allow-scrape-nodes").egress, [{ to: [{ ipBlock: { cidr: "10.10.0.0/20" } }], ports: [{ protocol: "TCP", port: 9100 }, { protocol: "TCP", port: 10250 }] }]);
            assert.deepEqual(ps.get("allow-scrape-all-namespaces"), { podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } }, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }] }] });
            assert.deepEqual(ps.get("allow-admission-webhook").ingress, [{ from: [{ ipBlock: { cidr: "172.16.0.0/28" } }], ports: [{ protocol: "TCP", port: 10250 }] }]);
            assert.deepEqual(ps.get("allow-admission-webhook").podSelector, { matchLabels: { app: "kube-prometheus-stack-operator", release: "monitoring" } });
            assert.deepEqual(ps.get("allow-grafana-load-balancer").ingress, [{ from: [{ ipBlock: { cidr: "35.191.0.0/16" } }, { ipBlock: { cidr: "130.211.0.0/22" } }], ports: [{ protocol: "TCP", port: 3000 }] }]);
            assert.deepEqual(ps.get("allow-pushgateway-clients").ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ml-training" } } }], ports: [{ protocol: "TCP", port: 9091 }] }]);
            assert.deepEqual(ps.get("allow-prometheus-clients").ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "argo-rollouts" } } }], ports: [{ protocol: "TCP", port: 9090 }] }]);
            assert.deepEqual(ps.get("allow-alertmanager-receivers").egress[0].ports, [{ protocol: "TCP", port: 443 }, { protocol: "TCP", port: 587 }]);
            assert.deepEqual(ps.get("allow-alertmanager-receivers").podSelector, { matchLabels: { "app.kubernetes.io/name": "alertmanager" } });
        });

        it("leaves out the flows nothing uses: no ingress, no clients, no receivers", () => {
            const names = [...byName(monitoringNetworkPolicies({ ...flows, pushgatewayClients: [], prometheusClients: [], grafanaIngress: false, alertmanagerPorts: [] })).keys()];
            for (const n of ["allow-grafana-load-balancer", "allow-acme-http01-solver", "allow-pushgateway-clients", "allow-prometheus-clients", "allow-alertmanager-receivers"]) assert.ok(!names.includes(n), n);
            assert.equal(names.length, 11);
        });

        it("opens Alertmanager only to its receivers' ports", () => {
            assert.deepEqual(alertmanagerEgressPorts({}), []);
            assert.deepEqual(alertmanagerEgressPorts({ slackWebhookUrl: "https://hooks.slack.test/x", webhookUrl: "https://events.test:8443/v2", email: { to: "a@b.example", from: "c@b.example", smarthost: "smtp.b.example:587" } }), [443, 587, 8443]);
        });

        it("sizes node-metrics' quota for one set of agents on every address of the node subnet; no GPUs, no volumes", () => {
            assert.equal(maxNodesIn("10.10.0.0/20"), 4092);
            const r = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu, memory } });
            assert.deepEqual(nodeMetricsQuota("10.0.0.0/29", [r("20m", "32Mi"), r("500m", "512Mi")]), {
                requestsCpu: "2080m", limitsCpu: "2080m", requestsMemory: "2176Mi", limitsMemory: "2176Mi", gpus: 0, pvcs: 0, storage: "0",
            });
        });

        it("rejects malformed network arguments, naming each", () => {
            const issues: string[] = [];
            checkMonitoringNetwork({ namespace: "node-metrics", controlPlaneCidr: "172.16.0.1/28", nodesCidr: "10.10.0.0", pushgatewayClients: ["ML_Training"], prometheusClients: [] }, (f) => issues.push(f));
            assert.deepEqual(issues, ["controlPlaneCidr", "nodesCidr", "pushgatewayClients[0]", "namespace"]);
        });
    });

    describe("config", () => {
        const none = () => assert.fail("no issue expected");
        it("defaults: 1 replica, 7d and 20Gi in dev; 2, 30d and 100Gi elsewhere", () => {
            const dev = resolveMonitoring({}, true, none);
            const prod = resolveMonitoring({}, false, none);
            assert.deepEqual([dev.replicas, dev.retention, dev.storageSize], [1, "7d", "20Gi"]);
            assert.deepEqual([prod.replicas, prod.retention, prod.storageSize], [2, "30d", "100Gi"]);
        });

        it("rejects bad values and never prints a secret", () => {
            const issues: { f: string; m: string; v: unknown[] }[] = [];
            resolveMonitoring({ retention: "30 days", storageSize: "100Mi", alerting: { slackWebhookUrl: "http://hooks.example/secret-token", email: { to: "x", from: "a@b.example", smarthost: "smtp" } } } as Any, false,
                (f, m, ...v) => issues.push({ f, m, v }));
            assert.deepEqual(issues.map((i) => i.f), ["retention", "storageSize", "alerting.slackWebhookUrl", "alerting.email.to", "alerting.email.smarthost"]);
            const slack = issues.find((i) => i.f === "alerting.slackWebhookUrl")!;
            assert.deepEqual(slack.v, [], "no value passed for a secret");
            assert.match(slack.m, /value not shown: it is a secret/);
        });
    });
});

describe("runbooks", () => {
    it("docs/monitoring.md's alert table lists exactly the platform's alerts", () => {
        const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "monitoring.md"), "utf8");
        const listed = [...doc.matchAll(/^\| ([A-Z][A-Za-z]+) \| (?:info|warning|critical)/gm)].map((m) => m[1]);
        const alerts = new Set(platformRuleGroups([], "https://x.example/runbooks.md").flatMap((g) => g.rules).flatMap((r) => r.alert ?? []));
        assert.deepEqual([...new Set(listed)].sort(), [...alerts].sort());
    });

    it("docs/runbooks.md has a section for every alert, where its runbook_url points", () => {
        const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "runbooks.md"), "utf8");
        const sections = [...doc.matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
        const anchors = new Set(platformRuleGroups([], "https://x.example/runbooks.md").flatMap((g) => g.rules).flatMap((r) => r.annotations?.runbook_url.split("#")[1] ?? []));
        assert.deepEqual([...anchors].sort(), [...sections].sort());
    });
});
