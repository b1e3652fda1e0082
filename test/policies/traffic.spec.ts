// The release rules (policies/traffic.ts), served by run-policy-pack and called over AnalyzeStack as the engine
// does: a complying set of resources, then one change that violates each rule.
import * as assert from "node:assert/strict";
import { Analyzer, Violation } from "../../scripts/harness/policy";
import { ResourceRecord } from "../../scripts/harness/recorder";
import { Plain } from "../../scripts/harness/values";
import { trafficPolicies } from "../../policies/traffic";
import { Any } from "../plans";
import { sharedAnalyzer } from "./analyzer";

/** The rules this file covers (rules.spec.ts leaves them to it). */
const RELEASE_RULES = trafficPolicies.map((p) => p.name);

let n = 0;
function rec(type: string, inputs: Any, dependsOn: string[] = []): ResourceRecord {
    const name = `rel${n++}`;
    return {
        urn: `urn:pulumi:test::mlops-platform::${type}::${name}`, type, name, parent: null, provider: null, custom: true,
        inputs: inputs as Plain, protect: false, dependsOn, ignoreChanges: [], retainOnDelete: false, deleteBeforeReplace: false, additionalSecretOutputs: [],
    };
}

const T = {
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    backendPolicy: "kubernetes:networking.gke.io/v1:GCPBackendPolicy",
    rollout: "kubernetes:argoproj.io/v1alpha1:Rollout",
    ksa: "kubernetes:core/v1:ServiceAccount",
    gsa: "gcp:serviceaccount/account:Account",
    bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember",
};

/** A shadow model behind an external Gateway, as the platform builds it. */
function stack() {
    const gsa = rec(T.gsa, { accountId: "m-srv" });
    return {
        gateway: rec(T.gateway, {
            metadata: { name: "models-external", namespace: "model-gateways", annotations: { "networking.gke.io/certmap": "certs" } },
            spec: { gatewayClassName: "gke-l7-global-external-managed", listeners: [{ name: "https-m", protocol: "HTTPS", port: 443, hostname: "m.example.com" }] },
        }),
        route: rec(T.route, {
            metadata: { name: "m", namespace: "ml-serving" },
            spec: {
                parentRefs: [{ name: "models-external", namespace: "model-gateways", sectionName: "https-m" }],
                rules: [{
                    filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "m-canary", port: 8080 } } }],
                    backendRefs: [{ name: "m-stable", port: 8080, weight: 100 }, { name: "m-canary", port: 8080, weight: 0 }],
                }],
            },
        }),
        policies: ["m-stable", "m-canary"].map((svc) => rec(T.backendPolicy, {
            metadata: { name: svc, namespace: "ml-serving" },
            spec: { default: { securityPolicy: "m-armor" }, targetRef: { group: "", kind: "Service", name: svc } },
        })),
        rollout: rec(T.rollout, {
            metadata: { name: "m", namespace: "ml-serving" },
            spec: {
                template: { spec: { serviceAccountName: "m" } },
                strategy: { canary: {
                    stableService: "m-stable", canaryService: "m-canary",
                    trafficRouting: { plugins: { "argoproj-labs/gatewayAPI": { namespace: "ml-serving", httpRoutes: [{ name: "m" }] } } },
                    steps: [{ setCanaryScale: { replicas: 2 } }, { analysis: { templates: [{ templateName: "m-analysis" }] } }, { setWeight: 10 }],
                } },
            },
        }),
        gsa,
        // The annotation's value is only known after deployment: the grant is linked through the Account it comes from.
        ksa: rec(T.ksa, { metadata: { name: "m", namespace: "ml-serving", annotations: { "iam.gke.io/gcp-service-account": "[unknown]" } } }, [gsa.urn]),
        read: rec(T.bucketIam, { bucket: "artifacts", role: "roles/storage.objectViewer", member: "[unknown]" }, [gsa.urn]),
    };
}
type Stack = ReturnType<typeof stack>;
const all = (s: Stack): ResourceRecord[] => [s.gateway, s.route, ...s.policies, s.rollout, s.gsa, s.ksa, s.read];
const only = (vs: Violation[], rule: string) => vs.filter((v) => v.policy === rule);

describe("release rules (policies/traffic.ts, over AnalyzeStack)", () => {
    let analyzer: Analyzer;
    const run = async (change?: (s: Stack) => ResourceRecord[] | void) => {
        const s = stack();
        return analyzer.analyzeStack(change?.(s) ?? all(s));
    };
    before(async () => {
        analyzer = await sharedAnalyzer();
        await analyzer.configure({ all: "mandatory" });
    });

    it("the pack serves them, mandatory, with descriptions", async () => {
        const info = (await analyzer.info()).filter((p) => RELEASE_RULES.includes(p.name));
        assert.deepEqual(info.map((p) => [p.name, p.enforcementLevel]), RELEASE_RULES.map((r) => [r, "mandatory"]));
        for (const p of info) assert.ok(p.description.length > 40, p.name);
    });

    it("a shadow model behind an external Gateway, done right, passes every release rule", async () => {
        const vs = await run();
        assert.deepEqual(vs.filter((v) => RELEASE_RULES.includes(v.policy)), []);
    });

    describe("stack-external-endpoint-tls-and-auth", () => {
        const rule = "stack-external-endpoint-tls-and-auth";
        it("an HTTP listener on an external Gateway", async () => {
            const [v] = only(await run((s) => { (s.gateway.inputs as Any).spec.listeners[0].protocol = "HTTP"; }), rule);
            assert.match(v.message, /Gateway model-gateways\/models-external is external: listener https-m must be HTTPS \(got HTTP\)/);
        });
        it("an HTTPS listener without a certificate", async () => {
            const [v] = only(await run((s) => { delete (s.gateway.inputs as Any).metadata.annotations; }), rule);
            assert.match(v.message, /must carry a certificate/);
        });
        it("a Service behind the external route without authentication (the mirror target counts)", async () => {
            const vs = only(await run((s) => [s.gateway, s.route, s.policies[0], s.rollout, s.gsa, s.ksa, s.read]), rule);
            assert.deepEqual(vs.map((v) => v.message), [
                "Service ml-serving/m-canary behind external Gateway model-gateways/models-external (route m) must have a GCPBackendPolicy enabling IAP or naming a Cloud Armor securityPolicy.",
            ]);
        });
        it("IAP instead of Cloud Armor complies; an internal Gateway is not checked", async () => {
            const iap = await run((s) => { for (const p of s.policies) (p.inputs as Any).spec.default = { iap: { enabled: true } }; });
            assert.deepEqual(only(iap, rule), []);
            const internal = await run((s) => { (s.gateway.inputs as Any).spec.gatewayClassName = "gke-l7-rilb"; (s.gateway.inputs as Any).spec.listeners[0].protocol = "HTTP"; return [s.gateway, s.route, s.rollout]; });
            assert.deepEqual(only(internal, rule), []);
        });
    });

    describe("stack-traffic-split-has-analysis", () => {
        const rule = "stack-traffic-split-has-analysis";
        it("a canary with traffic routing and no analysis step", async () => {
            const [v] = only(await run((s) => { (s.rollout.inputs as Any).spec.strategy.canary.steps = [{ setWeight: 10 }, { pause: { duration: "5m" } }]; }), rule);
            assert.match(v.message, /Rollout ml-serving\/m splits traffic: its canary must run analysis/);
        });
        it("a blue-green without pre-promotion analysis; with it, it passes", async () => {
            const bg = (analysis: boolean) => (s: Stack) => {
                (s.rollout.inputs as Any).spec.strategy = { blueGreen: { activeService: "m", previewService: "m-preview", ...(analysis ? { prePromotionAnalysis: { templates: [{ templateName: "a" }] } } : {}) } };
            };
            const [v] = only(await run(bg(false)), rule);
            assert.match(v.message, /Rollout ml-serving\/m switches traffic: its blue-green strategy must have prePromotionAnalysis/);
            assert.deepEqual(only(await run(bg(true)), rule), []);
        });
    });

    describe("stack-shadow-no-production-writes", () => {
        const rule = "stack-shadow-no-production-writes";
        it("a write grant to the shadow candidate's Google service account (linked through the Account resource)", async () => {
            const [v] = only(await run((s) => [...all(s), rec(T.bucketIam, { bucket: "features", role: "roles/storage.objectAdmin", member: "[unknown]" }, [s.gsa.urn])]), rule);
            assert.match(v.message, /Rollout ml-serving\/m is a shadow candidate \(mirror target m-canary\): its service account ml-serving\/m must not hold write role roles\/storage.objectAdmin/);
        });
        it("a write grant to its Kubernetes service account's Workload Identity principal, or by known email", async () => {
            const principal = "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p.svc.id.goog/subject/ns/ml-serving/sa/m";
            const vs = only(await run((s) => {
                (s.ksa.inputs as Any).metadata.annotations["iam.gke.io/gcp-service-account"] = "m-srv@p.iam.gserviceaccount.com";
                return [...all(s),
                    rec("gcp:bigquery/datasetIamMember:DatasetIamMember", { datasetId: "prod", role: "roles/bigquery.dataEditor", member: principal }),
                    rec("gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/cloudsql.client", member: "serviceAccount:m-srv@p.iam.gserviceaccount.com" })];
            }), rule);
            assert.deepEqual(vs.map((v) => /write role (\S+)/.exec(v.message)![1]), ["roles/bigquery.dataEditor", "roles/cloudsql.client"]);
        });
        it("a model without a mirror is not a shadow candidate: its writer grants are not this rule's business", async () => {
            const vs = await run((s) => {
                (s.route.inputs as Any).spec.rules[0].filters = [];
                return [...all(s), rec(T.bucketIam, { bucket: "features", role: "roles/storage.objectAdmin", member: "[unknown]" }, [s.gsa.urn])];
            });
            assert.deepEqual(only(vs, rule), []);
        });
    });
});
