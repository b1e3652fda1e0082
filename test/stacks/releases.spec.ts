// Releases by traffic in the real prod plan: Gateways, routes, the plugin, the mirror, analysis, endpoints.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Plan } from "../../scripts/harness/runPlan";
import { Any, ofType, one, planOf } from "../plans";
import { promqlErrors } from "../promql";

const T = {
    rollout: "kubernetes:argoproj.io/v1alpha1:Rollout",
    route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    backendPolicy: "kubernetes:networking.gke.io/v1:GCPBackendPolicy",
    armor: "gcp:compute/securityPolicy:SecurityPolicy",
    release: "kubernetes:helm.sh/v3:Release",
    cluster: "gcp:container/cluster:Cluster",
    subnet: "gcp:compute/subnetwork:Subnetwork",
    service: "kubernetes:core/v1:Service",
};
const PLUGIN = "argoproj-labs/gatewayAPI";

describe("releases by traffic in the prod plan", () => {
    let prod: Plan;
    before(async () => { prod = await planOf("prod"); });
    const route = (name: string) => one(prod, T.route, `${name}-route`).inputs;
    const strategy = (name: string) => one(prod, T.rollout, `${name}-rollout`).inputs.spec.strategy;
    const models = () => (prod.outputs as Any).models as Any[];

    it("declares a model per strategy and an external endpoint", () => {
        assert.deepEqual(models().map((m) => [m.name, m.strategy, m.exposure, m.routeName]), [
            ["fraud-detector", "canary", "external", "fraud-detector"],
            ["churn-predictor", "blueGreen", "vpc", "churn-predictor"],
            ["ranker", "rolling", "internal", "ranker"],
            ["price-elasticity", "abTest", "internal", "price-elasticity"],
            ["recommender", "shadow", "internal", "recommender"],
        ]);
        const fraud = models()[0];
        assert.deepEqual([fraud.url, fraud.vpcUrl, fraud.externalUrl], [
            "http://fraud-detector.ml-serving.cluster.models.internal", "http://fraud-detector.ml-serving.vpc.models.internal", "https://fraud.api.acme.example.com",
        ]);
        assert.equal(models()[2].vpcUrl, undefined);
        // Known after deployment: the IP the hostname's A record points to, and the CNAME for its certificate.
        assert.deepEqual([fraud.externalAddress, fraud.certificateDnsRecord], ["[unknown]", "[unknown]"]);
        assert.equal(models()[1].externalAddress, undefined);
    });

    it("enables the Gateway API on the cluster and gives the internal load balancer its proxy-only subnet", () => {
        assert.deepEqual(one(prod, T.cluster, "mlops-cluster").inputs.gatewayApiConfig, { channel: "CHANNEL_STANDARD" });
        const proxy = one(prod, T.subnet, "platform-proxy-only").inputs;
        assert.deepEqual([proxy.purpose, proxy.role, proxy.ipCidrRange], ["REGIONAL_MANAGED_PROXY", "ACTIVE", "10.40.0.0/23"]);
    });

    it("has one Gateway per exposure class; every route attaches to the internal one, the external model's also to the external one", () => {
        const internal = one(prod, T.gateway, "models-internal").inputs;
        assert.equal(internal.spec.gatewayClassName, "gke-l7-rilb");
        assert.deepEqual(internal.spec.listeners.map((l: Any) => [l.name, l.protocol, l.port, l.hostname]), [
            ["cluster", "HTTP", 80, "*.cluster.models.internal"], ["vpc", "HTTP", 80, "*.vpc.models.internal"],
        ]);
        assert.equal(internal.spec.addresses[0].type, "NamedAddress");
        for (const m of models()) {
            const parents = route(m.name).parentRefs ?? route(m.name).spec.parentRefs;
            assert.ok(parents.some((p: Any) => p.name === "models-internal" && p.sectionName === "cluster"), m.name);
            assert.equal(parents.some((p: Any) => p.name === "models-external"), m.exposure === "external", m.name);
        }
    });

    it("each canary step sets the route's weights through the plugin, and the route has the stable and canary backends", () => {
        for (const name of ["fraud-detector", "recommender", "price-elasticity"]) {
            const c = strategy(name).canary;
            assert.deepEqual(c.trafficRouting.plugins[PLUGIN].httpRoutes.map((r: Any) => r.name), [name], name);
            assert.equal(c.trafficRouting.plugins[PLUGIN].namespace, "ml-serving");
            const backends = route(name).spec.rules[0].backendRefs.map((b: Any) => [b.name, b.weight]);
            assert.deepEqual(backends, [[c.stableService, 100], [c.canaryService, 0]], name);
        }
        const steps = strategy("fraud-detector").canary.steps;
        assert.deepEqual(steps.filter((s: Any) => "setWeight" in s).map((s: Any) => s.setWeight), [5, 25, 50]);
        // Every weight is followed by a pause and an analysis of the canary's own Service against the stable one.
        steps.forEach((s: Any, i: number) => {
            if (!("setWeight" in s)) return;
            assert.ok(steps[i + 1].pause, `step ${i + 1}`);
            assert.deepEqual(steps[i + 2].analysis.args.slice(1, 3), [{ name: "service", value: "fraud-detector-canary" }, { name: "baseline", value: "fraud-detector-stable" }]);
        });
    });

    it("the A/B test routes requests with the header to the candidate for its duration, then promotes or aborts", () => {
        const c = strategy("price-elasticity").canary;
        assert.deepEqual(c.trafficRouting.managedRoutes, [{ name: "ab-test" }]);
        assert.equal(c.trafficRouting.plugins[PLUGIN].httpRoutes[0].useHeaderRoutes, true);
        assert.deepEqual(c.steps.map((s: Any) => Object.keys(s)[0]), ["setCanaryScale", "setHeaderRoute", "analysis", "setHeaderRoute", "setCanaryScale"]);
        assert.deepEqual(c.steps[1].setHeaderRoute, { name: "ab-test", match: [{ headerName: "X-Pricing-Variant", headerValue: { exact: "b" } }] });
        assert.deepEqual(c.steps[2].analysis.args.find((a: Any) => a.name === "count"), { name: "count", value: "120" });
        assert.ok(!c.steps.some((s: Any) => "setWeight" in s), "no random share: only the header reaches the candidate");
    });

    it("the shadow route mirrors every request to the candidate, which gets no user traffic until its analysis passes", () => {
        const rule = route("recommender").spec.rules[0];
        const c = strategy("recommender").canary;
        assert.deepEqual(rule.filters, [{ type: "RequestMirror", requestMirror: { backendRef: { name: c.canaryService, port: 8080 } } }]);
        assert.equal(c.canaryService, "recommender-canary");
        const kinds = c.steps.map((s: Any) => Object.keys(s)[0]);
        assert.deepEqual(kinds.slice(0, 4), ["setCanaryScale", "analysis", "setWeight", "setCanaryScale"]);
        assert.ok(kinds.indexOf("setWeight") > kinds.indexOf("analysis"));
        assert.deepEqual(c.steps[1].analysis.args.find((a: Any) => a.name === "count"), { name: "count", value: "60" });
    });

    it("blue-green sends the preview header to the preview Service; rolling has one backend", () => {
        const bg = route("churn-predictor").spec.rules;
        assert.deepEqual(bg[0].matches[0].headers, [{ type: "Exact", name: "X-Model-Preview", value: "true" }]);
        assert.deepEqual(bg.map((r: Any) => r.backendRefs[0].name), ["churn-predictor-preview", "churn-predictor"]);
        assert.deepEqual(route("ranker").spec.rules.map((r: Any) => r.backendRefs.map((b: Any) => b.name)), [["ranker"]]);
    });

    it("the external endpoint has TLS (HTTPS listener, managed certificate) and authentication (Cloud Armor on every backend)", () => {
        const g = one(prod, T.gateway, "models-external").inputs;
        assert.equal(g.spec.gatewayClassName, "gke-l7-global-external-managed");
        assert.deepEqual(g.spec.listeners.map((l: Any) => [l.protocol, l.port, l.hostname]), [["HTTPS", 443, "fraud.api.acme.example.com"]]);
        assert.ok(g.metadata.annotations["networking.gke.io/certmap"]);
        const entry = one(prod, "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry", "models-fraud-detector-cert-entry").inputs;
        assert.equal(entry.hostname, "fraud.api.acme.example.com");
        const armor = one(prod, T.armor, "fraud-detector-armor").inputs;
        assert.deepEqual(armor.rules.map((r: Any) => [r.action, r.match.config.srcIpRanges]), [
            ["allow", ["203.0.113.0/24", "198.51.100.16/28"]], ["deny(403)", ["*"]],
        ]);
        const policies = ofType(prod, T.backendPolicy).map((p) => [p.inputs.spec.targetRef.name, p.inputs.spec.default.securityPolicy]);
        assert.deepEqual(policies.map((p) => p[0]).sort(), ["fraud-detector", "fraud-detector-canary", "fraud-detector-stable"]);
        for (const [, sp] of policies) assert.equal(sp, armor.name ?? sp, "names the Cloud Armor policy");
        for (const s of ofType(prod, T.service).filter((x) => x.parent?.includes("ModelService"))) assert.equal(s.inputs.spec.type, "ClusterIP", s.name);
    });

    it("configures the plugin through the pinned chart, loaded from the platform bucket", () => {
        const values = one(prod, T.release, "delivery-argo-rollouts").inputs.values;
        assert.deepEqual(values.controller.trafficRouterPlugins, [{ name: PLUGIN, location: "file:///plugins/gatewayapi-plugin" }]);
        const init = values.controller.initContainers[0];
        assert.match(init.command[2], /storage\.googleapis\.com\/storage\/v1\/b\/mlflow-artifacts-bucket-[^/]+\/o\//);
        assert.match(init.command[2], /gatewayapi-plugin-linux-amd64-v0\.15\.0/);
        assert.equal(values.providerRBAC.providers.gatewayAPI, true);
        const obj = one(prod, "gcp:storage/bucketObject:BucketObject", "delivery-gatewayapi-plugin").inputs;
        assert.equal(obj.name, "platform/argo-rollouts-plugins/gatewayapi-plugin-linux-amd64-v0.15.0");
    });

    it("the model-serving dashboard has a release panel per model: traffic share per version and analysis results over time", () => {
        const d = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "dashboards", "model-serving.json"), "utf8"));
        const release = d.panels.filter((p: Any) => p.title.startsWith("Release:"));
        assert.deepEqual(release.map((p: Any) => [p.title, p.repeat]), [["Release: traffic share per version", "model"], ["Release: analysis results", "model"]]);
        const [share, analysis] = release.map((p: Any) => p.targets[0].expr);
        assert.match(share, /sum by \(service\) \(rate\(model_requests_total\{.*service=~"\$model\(-stable\|-canary\|-preview\)\?"/);
        assert.match(analysis, /analysis_run_metric_phase\{exported_namespace=~"\$namespace", name=~"\$model-\.\+"\}/);
        for (const q of [share, analysis]) assert.deepEqual(promqlErrors(q), [], q);
    });
});
