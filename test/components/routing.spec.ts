// How requests reach a model (components/serving/routing.ts): the Gateways' VIP and listeners, each model's
// hostnames and HTTPRoute, and the backend policy of external models. Whole objects with concrete values, so a
// changed listener, weight, header or address fails.
import * as assert from "node:assert/strict";
import { ModelContext, ModelOptions, resolveModel } from "../../components/serving/modelConfig";
import {
    GATEWAY_NAMES, GATEWAY_NAMESPACE, backendPolicy, externalGatewaySpec, httpRouteSpec, internalGatewayIp, internalGatewaySpec, modelHostnames,
} from "../../components/serving/routing";
import { modelTestContext } from "../helpers";

const none = () => assert.fail("no issue expected");
const ctx: ModelContext = modelTestContext();
const base: ModelOptions = { name: "fraud-detector", image: "us-docker.pkg.dev/acme/models/fraud-detector:1.4.2", port: 9000 };
const model = (o: Partial<ModelOptions>) => resolveModel({ ...base, ...o }, ctx, none);
const EXTERNAL = { exposure: "external", hostname: "fraud.api.example.com", auth: "iap" } as const;
const GW = { internal: "models-internal", external: "models-external", namespace: "model-gateways" };

/** What a Gateway admits: HTTPRoutes from the named namespaces, selected by their name label. */
const routesFrom = (values: string[]) => ({
    kinds: [{ kind: "HTTPRoute" }],
    namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values }] } },
});

describe("serving routing", () => {
    it("the Gateways live in one namespace under fixed names (namespaces' egress policies name them)", () => {
        assert.equal(GATEWAY_NAMESPACE, "model-gateways");
        assert.deepEqual(GATEWAY_NAMES, { internal: "models-internal", external: "models-external" });
    });

    describe("internalGatewayIp: the 8th address from the end of the node subnet", () => {
        const cases: [string, string][] = [
            ["10.10.0.0/20", "10.10.15.248"],
            ["192.168.4.0/22", "192.168.7.248"],
            ["172.16.0.0/12", "172.31.255.248"],
            ["10.0.0.0/8", "10.255.255.248"],
            // The smallest subnet allowed: 16 addresses, the VIP is the 9th.
            ["10.0.0.16/28", "10.0.0.24"],
        ];
        for (const [cidr, ip] of cases) it(`${cidr} -> ${ip}`, () => assert.equal(internalGatewayIp(cidr), ip));

        const bad = ["10.0.0.0/29", "10.0.0.0/32", "10.0.0.1/20", "10.0.0/20", "subnet"];
        for (const cidr of bad) {
            it(`rejects ${cidr}`, () => assert.throws(() => internalGatewayIp(cidr),
                { message: `subnet ${cidr} must be a valid IPv4 block of /28 or larger` }));
        }
    });

    it("hostnames by exposure: in-cluster always, VPC for vpc and external, the public one for external", () => {
        const cases: [ModelOptions["endpoint"], ReturnType<typeof modelHostnames>][] = [
            [undefined, { cluster: "fraud-detector.ml-serving.cluster.models.internal", vpc: undefined, external: undefined }],
            [{ exposure: "vpc" }, {
                cluster: "fraud-detector.ml-serving.cluster.models.internal", vpc: "fraud-detector.ml-serving.vpc.models.internal", external: undefined,
            }],
            [EXTERNAL, {
                cluster: "fraud-detector.ml-serving.cluster.models.internal", vpc: "fraud-detector.ml-serving.vpc.models.internal",
                external: "fraud.api.example.com",
            }],
        ];
        assert.equal(cases.length, 3);
        for (const [endpoint, hosts] of cases) assert.deepEqual(modelHostnames(model({ endpoint })), hosts, endpoint?.exposure);
        // Only an external endpoint publishes its hostname, whatever else the endpoint carries.
        assert.deepEqual(modelHostnames({ name: "m", namespace: "ns", endpoint: { exposure: "vpc", hostname: "m.example.com", allowList: [] } }),
            { cluster: "m.ns.cluster.models.internal", vpc: "m.ns.vpc.models.internal", external: undefined });
    });

    it("the internal Gateway: HTTP on 80 at the named address, cluster and VPC listeners, routes from the model namespaces once each, sorted", () =>
        assert.deepEqual(internalGatewaySpec("models-internal-vip", ["ml-serving", "ml-batch", "ml-serving"]), {
            gatewayClassName: "gke-l7-rilb",
            addresses: [{ type: "NamedAddress", value: "models-internal-vip" }],
            listeners: [
                { name: "cluster", protocol: "HTTP", port: 80, hostname: "*.cluster.models.internal", allowedRoutes: routesFrom(["ml-batch", "ml-serving"]) },
                { name: "vpc", protocol: "HTTP", port: 80, hostname: "*.vpc.models.internal", allowedRoutes: routesFrom(["ml-batch", "ml-serving"]) },
            ],
        }));

    it("the external Gateway: one HTTPS listener on 443 per hostname, each admitting only its model's namespace", () => {
        const hosts = [
            { model: "fraud-detector", namespace: "ml-serving", hostname: "fraud.api.example.com" },
            { model: "churn", namespace: "ml-batch", hostname: "churn.api.example.com" },
        ];
        assert.deepEqual(externalGatewaySpec("models-external-vip", hosts), {
            gatewayClassName: "gke-l7-global-external-managed",
            addresses: [{ type: "NamedAddress", value: "models-external-vip" }],
            listeners: [
                { name: "https-fraud-detector", protocol: "HTTPS", port: 443, hostname: "fraud.api.example.com", allowedRoutes: routesFrom(["ml-serving"]) },
                { name: "https-churn", protocol: "HTTPS", port: 443, hostname: "churn.api.example.com", allowedRoutes: routesFrom(["ml-batch"]) },
            ],
        });
        assert.deepEqual(externalGatewaySpec("models-external-vip", []).listeners, []);
    });

    describe("httpRouteSpec", () => {
        const everything = [{ path: { type: "PathPrefix", value: "/" } }];
        const split = [{ name: "fraud-detector-stable", port: 9000, weight: 100 }, { name: "fraud-detector-canary", port: 9000, weight: 0 }];
        const cluster = { name: "models-internal", namespace: "model-gateways", sectionName: "cluster" };
        const vpc = { name: "models-internal", namespace: "model-gateways", sectionName: "vpc" };
        const external = { name: "models-external", namespace: "model-gateways", sectionName: "https-fraud-detector" };

        describe("rules by strategy", () => {
            const cases: [string, Partial<ModelOptions>, unknown][] = [
                ["canary: stable 100, canary 0", { rollout: { strategy: "canary" } }, [{ matches: everything, backendRefs: split }]],
                ["abTest: stable 100, canary 0", { rollout: { strategy: "abTest" } }, [{ matches: everything, backendRefs: split }]],
                ["shadow: the split, and a mirror of every request to the canary", { rollout: { strategy: "shadow" } }, [{
                    matches: everything,
                    filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "fraud-detector-canary", port: 9000 } } }],
                    backendRefs: split,
                }]],
                ["blueGreen: the preview header to the preview Service, the rest to the active one", { rollout: { strategy: "blueGreen" } }, [
                    {
                        matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "X-Model-Preview", value: "true" }] }],
                        backendRefs: [{ name: "fraud-detector-preview", port: 9000 }],
                    },
                    { matches: everything, backendRefs: [{ name: "fraud-detector", port: 9000 }] },
                ]],
                ["rolling: the model's Service", { rollout: { strategy: "rolling" } }, [{ matches: everything, backendRefs: [{ name: "fraud-detector", port: 9000 }] }]],
            ];
            for (const [title, o, rules] of cases) {
                it(title, () => assert.deepEqual(httpRouteSpec(model(o), GW), {
                    parentRefs: [cluster],
                    hostnames: ["fraud-detector.ml-serving.cluster.models.internal"],
                    rules,
                }));
            }
        });

        describe("parents and hostnames by exposure", () => {
            const cases: [string, ModelOptions["endpoint"], typeof GW | Omit<typeof GW, "external">, unknown[], string[]][] = [
                ["internal: the cluster listener only, even with an external Gateway", undefined, GW, [cluster],
                    ["fraud-detector.ml-serving.cluster.models.internal"]],
                ["vpc: the cluster and VPC listeners", { exposure: "vpc" }, GW, [cluster, vpc],
                    ["fraud-detector.ml-serving.cluster.models.internal", "fraud-detector.ml-serving.vpc.models.internal"]],
                ["external: and the model's HTTPS listener", EXTERNAL, GW, [cluster, vpc, external],
                    ["fraud-detector.ml-serving.cluster.models.internal", "fraud-detector.ml-serving.vpc.models.internal", "fraud.api.example.com"]],
                ["external without an external Gateway: no external parent", EXTERNAL, { internal: GW.internal, namespace: GW.namespace }, [cluster, vpc],
                    ["fraud-detector.ml-serving.cluster.models.internal", "fraud-detector.ml-serving.vpc.models.internal", "fraud.api.example.com"]],
            ];
            for (const [title, endpoint, gateways, parentRefs, hostnames] of cases) {
                it(title, () => {
                    const r = httpRouteSpec(model({ endpoint }), gateways);
                    assert.deepEqual(r, { parentRefs, hostnames, rules: [{ matches: everything, backendRefs: split }] });
                });
            }
        });
    });

    describe("backendPolicy: authenticates an external model's Service, logging every request", () => {
        const labels = { "app.kubernetes.io/name": "fraud-detector" };
        const policy = (auth: object) => ({
            apiVersion: "networking.gke.io/v1", kind: "GCPBackendPolicy",
            metadata: { name: "fraud-detector-stable", namespace: "ml-serving", labels },
            spec: {
                default: { ...auth, logging: { enabled: true, sampleRate: 1000000 } },
                targetRef: { group: "", kind: "Service", name: "fraud-detector-stable" },
            },
        });

        it("IAP", () => assert.deepEqual(
            backendPolicy(model({ endpoint: EXTERNAL }), "fraud-detector-stable", undefined, labels),
            policy({ iap: { enabled: true } })));

        it("Cloud Armor: the given security policy", () => assert.deepEqual(
            backendPolicy(model({ endpoint: { ...EXTERNAL, auth: "cloudArmor", allowList: ["203.0.113.0/24"] } }), "fraud-detector-stable", "fraud-detector-allow", labels),
            policy({ securityPolicy: "fraud-detector-allow" })));
    });
});
