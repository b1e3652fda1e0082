// Monitoring in the real dev and prod plans, and with alerting secrets set as `secure:` config.
import * as assert from "node:assert/strict";
import { Plan } from "../../scripts/harness/runPlan";
import { fromConfigMap, loadStackConfig } from "../../scripts/harness/stackConfig";
import { SECRET } from "../../scripts/harness/values";
import { loadDashboards, DASHBOARDS_DIR } from "../../components/monitoring/monitoringStack";
import { Any, bothPlans, ofType, one, planSerially } from "../plans";

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
        const dcgm = one(prod, "kubernetes:apps/v1:DaemonSet", "monitoring-dcgm-exporter").inputs.spec.template.spec;
        assert.deepEqual(dcgm.tolerations, [{ effect: "NoSchedule", key: "nvidia.com/gpu", operator: "Exists" }, { effect: "NoSchedule", key: "cloud.google.com/gke-queued", operator: "Exists" }]);
        assert.equal(one(prod, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "monitoring-dcgm-exporter-monitor").inputs.spec.endpoints[0].port, "metrics");
        const mlflow = one(prod, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "mlflow-service-monitor").inputs.spec.endpoints[0];
        assert.deepEqual([mlflow.port, mlflow.path, mlflow.basicAuth.password.name], ["http", "/metrics", "mlflow-credentials"]);
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
