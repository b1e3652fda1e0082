// Monitoring in the real dev and prod plans, and with alerting secrets set as `secure:` config.
import * as assert from "node:assert/strict";
import { Plan } from "../../scripts/harness/runPlan";
import { fromConfigMap, loadStackConfig } from "../../scripts/harness/stackConfig";
import { SECRET } from "../../scripts/harness/values";
import { loadDashboards, DASHBOARDS_DIR } from "../../components/monitoring/monitoringStack";
import { Any, T, bothPlans, ofType, one, planSerially } from "../plans";

const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("monitoring in the stack plans", () => {
    let dev: Plan;
    let prod: Plan;
    before(async () => ({ dev, prod } = await bothPlans()));

    it("installs kube-prometheus-stack and the Pushgateway from pinned chart versions", () => {
        const kps = one(prod, RELEASE, "monitoring-kube-prometheus-stack").inputs;
        assert.deepEqual([kps.chart, kps.version, kps.repositoryOpts.repo, kps.namespace], ["kube-prometheus-stack", "88.5.3", "https://prometheus-community.github.io/helm-charts", "monitoring"]);
        const pg = one(prod, RELEASE, "monitoring-pushgateway").inputs;
        assert.deepEqual([pg.chart, pg.version], ["prometheus-pushgateway", "3.8.0"]);
        assert.equal(pg.values.serviceMonitor.enabled, true);
        // An exact version; some charts (jetstack's cert-manager) tag theirs with a leading "v".
        for (const r of ofType(prod, RELEASE)) assert.match(r.inputs.version, /^v?\d+\.\d+\.\d+$/, r.name);
    });

    it("runs 2 Prometheus and AlertManager replicas in prod and 1 in dev, with retention and volumes from config", () => {
        const values = (plan: Plan) => one(plan, RELEASE, "monitoring-kube-prometheus-stack").inputs.values;
        const p = values(prod);
        assert.deepEqual([p.prometheus.prometheusSpec.replicas, p.alertmanager.alertmanagerSpec.replicas], [2, 2]);
        assert.equal(p.prometheus.prometheusSpec.retention, "30d");
        assert.equal(p.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, "200Gi");
        const d = values(dev);
        assert.deepEqual([d.prometheus.prometheusSpec.replicas, d.alertmanager.alertmanagerSpec.replicas, d.prometheus.prometheusSpec.retention], [1, 1, "7d"]);
    });

    it("sets requests and limits on every component it configures, and selects monitors and rules in all namespaces", () => {
        const v = one(prod, RELEASE, "monitoring-kube-prometheus-stack").inputs.values;
        for (const r of [v.prometheus.prometheusSpec.resources, v.alertmanager.alertmanagerSpec.resources, v.prometheusOperator.resources, v.grafana.resources, v.grafana.sidecar.resources, v["kube-state-metrics"].resources, v["prometheus-node-exporter"].resources]) {
            assert.ok(r.requests.cpu && r.requests.memory && r.limits.cpu && r.limits.memory);
        }
        for (const k of ["serviceMonitorSelectorNilUsesHelmValues", "podMonitorSelectorNilUsesHelmValues", "ruleSelectorNilUsesHelmValues"]) assert.equal(v.prometheus.prometheusSpec[k], false, k);
        assert.deepEqual(v.alertmanager.alertmanagerSpec.alertmanagerConfiguration, { name: "platform-alerting" });
    });

    it("gives Grafana a random admin password kept in a Secret, never in the chart values", () => {
        const v = one(prod, RELEASE, "monitoring-kube-prometheus-stack").inputs.values;
        assert.deepEqual(v.grafana.admin, { existingSecret: "grafana-admin", passwordKey: "admin-password", userKey: "admin-user" });
        assert.equal(one(prod, "kubernetes:core/v1:Secret", "monitoring-grafana-admin").inputs.stringData, SECRET);
        assert.equal(one(prod, "random:index/randomPassword:RandomPassword", "monitoring-grafana-admin-password").inputs.length, 24);
        assert.equal((prod.outputs as Any).grafanaAdminSecret, "monitoring/grafana-admin");
    });

    it("serves Grafana over HTTPS in prod with a cert-manager certificate answered through its Ingress", () => {
        const v = one(prod, RELEASE, "monitoring-kube-prometheus-stack").inputs.values;
        assert.equal(v.grafana.ingress.enabled, true);
        assert.deepEqual(v.grafana.ingress.hosts, ["grafana.ml.acme.example.com"]);
        const cert = one(prod, "kubernetes:cert-manager.io/v1:Certificate", "monitoring-grafana-certificate").inputs;
        assert.deepEqual(cert.spec.dnsNames, ["grafana.ml.acme.example.com"]);
        const solvers = one(prod, "kubernetes:cert-manager.io/v1:ClusterIssuer", "tls-issuer").inputs.spec.acme.solvers;
        assert.deepEqual(solvers.map((s: Any) => [s.selector.dnsNames[0], s.http01.ingress.name]), [["mlflow.ml.acme.example.com", "mlflow"], ["grafana.ml.acme.example.com", "grafana"]]);
        assert.equal(one(dev, RELEASE, "monitoring-kube-prometheus-stack").inputs.values.grafana.ingress, undefined);
    });

    it("loads every dashboard file as a ConfigMap for the Grafana sidecar", () => {
        const files = loadDashboards(DASHBOARDS_DIR);
        const maps = ofType(prod, "kubernetes:core/v1:ConfigMap").filter((c) => c.inputs.metadata.labels?.grafana_dashboard === "1");
        assert.equal(maps.length, files.length);
        for (const f of files) {
            const map = maps.find((m) => m.inputs.data[f.file]);
            assert.ok(map, f.file);
            assert.equal(JSON.parse(map.inputs.data[f.file]).uid, f.uid);
        }
    });

    it("has the platform's rules and AlertManager routing as custom resources after the chart (CRDs)", () => {
        const release = one(prod, RELEASE, "monitoring-kube-prometheus-stack");
        const rules = one(prod, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-rules");
        const routing = one(prod, "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", "monitoring-alertmanager-config");
        assert.ok(rules.dependsOn.includes(release.urn) && routing.dependsOn.includes(release.urn));
        assert.ok(rules.inputs.spec.groups.length >= 5);
        const critical = routing.inputs.spec.receivers.find((r: Any) => r.name === "critical");
        assert.deepEqual(critical.emailConfigs[0].to, "ml-oncall@acme.example.com");
    });

    it("scrapes GPUs with DCGM and MLflow with its credentials", () => {
        const monitor = one(prod, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "monitoring-dcgm-exporter-monitor").inputs;
        assert.deepEqual([monitor.metadata.namespace, monitor.spec.endpoints[0].port], ["node-metrics", "metrics"]);
        const mlflow = one(prod, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "mlflow-service-monitor").inputs.spec.endpoints[0];
        assert.deepEqual([mlflow.port, mlflow.path, mlflow.basicAuth.password.name], ["http", "/metrics", "mlflow-credentials"]);
    });

    describe("node agents and the namespaces' boundaries", () => {
        const NS = T.namespace;
        const enforce = (plan: Plan) => Object.fromEntries(ofType(plan, NS).map((n) => [n.inputs.metadata.name, n.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]]));
        const policiesIn = (plan: Plan, ns: string) => ofType(plan, T.networkPolicy).filter((p) => p.inputs.metadata.namespace === ns);
        const workloadsIn = (plan: Plan, ns: string) => plan.resources.filter((r) => /^kubernetes:(apps|batch)\/v1:/.test(r.type) && (r as Any).inputs.metadata?.namespace === ns) as Any[];
        const dcgm = (plan: Plan) => one(plan, "kubernetes:apps/v1:DaemonSet", "monitoring-dcgm-exporter").inputs;

        it("only node-metrics is privileged, in both plans; monitoring enforces baseline and warns at restricted", () => {
            for (const plan of [dev, prod]) {
                const levels = enforce(plan);
                assert.deepEqual(Object.keys(levels).filter((n) => levels[n] === "privileged"), ["node-metrics"]);
                assert.equal(levels.monitoring, "baseline");
                const labels = one(plan, NS, "monitoring-ns").inputs.metadata.labels;
                assert.deepEqual([labels["pod-security.kubernetes.io/warn"], labels["pod-security.kubernetes.io/audit"]], ["restricted", "restricted"]);
            }
        });

        it("runs DCGM and the node exporter in node-metrics; no container there has a hostPort, and the host engine listens on 127.0.0.1", () => {
            for (const plan of [dev, prod]) {
                const ds = dcgm(plan);
                assert.equal(ds.metadata.namespace, "node-metrics");
                const workloads = workloadsIn(plan, "node-metrics");
                assert.deepEqual(workloads.map((w) => w.name), ["monitoring-dcgm-exporter"]);
                assert.deepEqual(ofType(plan, "kubernetes:apps/v1:DaemonSet").filter((d) => d.inputs.metadata.namespace === "monitoring"), [], "no DaemonSet left beside Grafana");
                for (const w of workloads) {
                    const pod = w.inputs.spec.template.spec;
                    assert.notEqual(pod.hostNetwork, true, w.name);
                    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) for (const p of c.ports ?? []) assert.equal(p.hostPort, undefined, `${w.name}/${c.name}`);
                }
                const engine = ds.spec.template.spec.initContainers[0];
                assert.deepEqual([engine.name, engine.args[1], engine.args[2]], ["nv-hostengine", "-b", "127.0.0.1"]);
                const values = one(plan, RELEASE, "monitoring-kube-prometheus-stack").inputs.values;
                assert.equal(values["prometheus-node-exporter"].namespaceOverride, "node-metrics");
            }
        });

        it("DCGM reaches flex-start and GPU nodes: it tolerates cloud.google.com/gke-queued and nvidia.com/gpu", () => {
            const keys = dcgm(prod).spec.template.spec.tolerations.map((t: Any) => `${t.key}:${t.operator}:${t.effect}`);
            assert.deepEqual(keys, ["nvidia.com/gpu:Exists:NoSchedule", "cloud.google.com/gke-queued:Exists:NoSchedule"]);
        });

        it("gives DCGM, every chart component and the Pushgateway the platform's priority class, never system-node-critical", () => {
            assert.equal(dcgm(prod).spec.template.spec.priorityClassName, "mlops-platform-critical");
            const v = one(prod, RELEASE, "monitoring-kube-prometheus-stack").inputs.values;
            const classes = [
                v.prometheus.prometheusSpec.priorityClassName, v.alertmanager.alertmanagerSpec.priorityClassName,
                v.prometheusOperator.priorityClassName, v.prometheusOperator.admissionWebhooks.patch.priorityClassName,
                v.grafana.priorityClassName, v["kube-state-metrics"].priorityClassName, v["prometheus-node-exporter"].priorityClassName,
                one(prod, RELEASE, "monitoring-pushgateway").inputs.values.priorityClassName,
            ];
            assert.deepEqual(new Set(classes), new Set(["mlops-platform-critical"]));
            assert.ok(!JSON.stringify(prod.resources).includes("system-node-critical"));
        });

        it("node-metrics has a quota, a LimitRange, a default deny and only Prometheus in, on 9400", () => {
            for (const plan of [dev, prod]) {
                assert.equal(ofType(plan, T.quota).filter((q) => q.inputs.metadata.namespace === "node-metrics").length, 1);
                assert.equal(ofType(plan, T.limitRange).filter((q) => q.inputs.metadata.namespace === "node-metrics").length, 1);
                const ps = policiesIn(plan, "node-metrics");
                assert.deepEqual(ps.map((p) => p.inputs.metadata.name).sort(), ["allow-dcgm-scrape", "default-deny-all"]);
                assert.deepEqual(ps.flatMap((p) => p.inputs.spec.egress ?? []), [], "no egress at all");
                const scrape = ps.find((p) => p.inputs.metadata.name === "allow-dcgm-scrape")!.inputs.spec;
                assert.deepEqual(scrape.ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ port: 9400, protocol: "TCP" }] }]);
            }
            const quota = ofType(prod, T.quota).find((q) => q.inputs.metadata.namespace === "node-metrics")!.inputs.spec.hard;
            assert.deepEqual([quota["requests.nvidia.com/gpu"], quota.persistentvolumeclaims], ["0", "0"]);
        });

        it("monitoring has a default deny and exactly its flows, from the stack's control plane, nodes and namespaces", () => {
            const names = (plan: Plan) => policiesIn(plan, "monitoring").map((p) => p.inputs.metadata.name).sort();
            const base = ["default-deny-all", "allow-same-namespace", "allow-dns", "allow-api-server-prometheus", "allow-api-server-operator",
                "allow-api-server-admission-jobs", "allow-api-server-grafana", "allow-api-server-kube-state-metrics", "allow-scrape-all-namespaces",
                "allow-scrape-nodes", "allow-admission-webhook", "allow-pushgateway-clients", "allow-prometheus-clients"];
            // Prod publishes Grafana and mails alerts; dev does neither.
            assert.deepEqual(names(prod), [...base, "allow-grafana-load-balancer", "allow-acme-http01-solver", "allow-alertmanager-receivers"].sort());
            assert.deepEqual(names(dev), [...base].sort());
            const spec = (n: string) => policiesIn(prod, "monitoring").find((p) => p.inputs.metadata.name === n)!.inputs.spec;
            assert.deepEqual(spec("allow-api-server-operator").egress[0].to, [{ ipBlock: { cidr: "172.16.0.0/28" } }]);
            assert.deepEqual(spec("allow-scrape-nodes").egress[0].to, [{ ipBlock: { cidr: "10.10.0.0/20" } }]);
            assert.deepEqual(spec("allow-pushgateway-clients").ingress[0].from.map((f: Any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]), ["ml-serving", "ml-training", "ml-experiments"]);
            assert.deepEqual(spec("allow-prometheus-clients").ingress[0].from.map((f: Any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]), ["argo-rollouts"]);
            assert.deepEqual(spec("allow-alertmanager-receivers").egress[0].ports, [{ port: 587, protocol: "TCP" }]);
            // The chart installs after its NetworkPolicies (its install Jobs call the API server) and node-metrics' guardrails.
            const release = one(prod, RELEASE, "monitoring-kube-prometheus-stack");
            for (const n of ["monitoring-allow-api-server-admission-jobs", "monitoring-node-metrics-quota"]) {
                const dep = prod.resources.find((r) => r.name === n)!;
                assert.ok(release.dependsOn.includes(dep.urn), n);
            }
        });
    });

    it("keeps alerting secrets set as `secure:` config out of every plain input and output", async () => {
        const base = loadStackConfig("prod").values as Any;
        const monitoring = structuredClone(base["mlops-platform:monitoring"]);
        monitoring.alerting.slackWebhookUrl = { secure: "v1:AAAA" };
        monitoring.alerting.slackChannel = "#ml-alerts";
        monitoring.alerting.webhookUrl = { secure: "v1:BBBB" };
        monitoring.alerting.email.authUsername = "alertmanager";
        monitoring.alerting.email.authPassword = { secure: "v1:CCCC" };
        const config = fromConfigMap({ ...base, "mlops-platform:monitoring": monitoring });
        assert.deepEqual(config.secretKeys, ["mlops-platform:monitoring"]);
        // The offline placeholder is not a valid https URL, so give the real shape a secret value would have.
        const values = config.values["mlops-platform:monitoring"] as Any;
        values.alerting.slackWebhookUrl = "https://hooks.slack.test/services/T000/B000/SECRETVALUE1";
        values.alerting.webhookUrl = "https://events.test/v2/SECRETVALUE2";
        values.alerting.email.authPassword = "SECRETVALUE3";
        const plan = await planSerially("prod", config);
        const text = JSON.stringify(plan);
        for (const s of ["SECRETVALUE1", "SECRETVALUE2", "SECRETVALUE3"]) assert.ok(!text.includes(s), s);
        assert.equal(one(plan, "kubernetes:core/v1:Secret", "monitoring-alertmanager-receivers").inputs.stringData, SECRET);
        const routing = one(plan, "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", "monitoring-alertmanager-config").inputs.spec;
        const critical = routing.receivers.find((r: Any) => r.name === "critical");
        assert.deepEqual(critical.slackConfigs[0].apiURL, { key: "slack-webhook-url", name: "alertmanager-receivers" });
        assert.equal(critical.slackConfigs[0].channel, "#ml-alerts");
    });
});
