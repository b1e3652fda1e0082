// Pure, typed builders for how requests reach a model: the platform's Gateways (one per exposure class), each
// model's HTTPRoute, and the GKE backend policy that authenticates external callers. Gateway API objects are
// typed with @kubernetes-models/gateway-api, so a misspelt field fails the type check.
import type { IGateway } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway";
import type { IHTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { parseCidr } from "../../lib/validate";
import { NAMESPACE_NAME_LABEL } from "../namespaces/manifests";
import { ResolvedModel } from "./modelConfig";
import { PREVIEW_HEADER, serviceNames } from "./manifests";

/**
 * GKE GatewayClasses. Checked: "GatewayClass capabilities" (cloud.google.com/kubernetes-engine/docs/how-to/
 * gatewayclass-capabilities, its header as indexed in 2026-11: both classes single-cluster, Google-hosted
 * controller, Gateway API 1.1 to 1.5 by GKE version; its per-filter rows could not be read offline) and GKE's
 * conformance setup (GoogleCloudPlatform/gke-gateway-api conformance/conformance_test.go at fc40d60): it declares
 * Gateway, HTTPRoute (core: weighted backendRefs, exact header matches) and HTTPRouteRequestMirror supported, its
 * README runs the mirror test against gke-l7-rilb; multiple mirrors, query-param and method matches are exempt.
 * The classic classes (gke-l7-gxlb, gke-l7-rilb-mc) are not used.
 */
export const GATEWAY_CLASSES = {
    /** Regional internal Application Load Balancer: a VIP in the node subnet, proxies in the proxy-only subnet. */
    internal: "gke-l7-rilb",
    /** Global external Application Load Balancer: Google front ends, Certificate Manager certificates, Cloud Armor, IAP. */
    external: "gke-l7-global-external-managed",
} as const;

/** Namespace holding the platform's Gateways; routes in model namespaces attach across namespaces. */
export const GATEWAY_NAMESPACE = "model-gateways";
export const GATEWAY_NAMES = { internal: "models-internal", external: "models-external" } as const;

/**
 * Private DNS zone (VPC-visible: kube-dns forwards non-cluster names to the metadata server, which answers from
 * it) for model names. In-cluster callers use `<model>.<namespace>.cluster.<domain>`, VPC callers
 * `<model>.<namespace>.vpc.<domain>`; both resolve to the internal Gateway's VIP.
 */
export const MODEL_DOMAIN = "models.internal";


/**
 * The internal Gateway's VIP: a fixed address near the end of the node subnet, so namespaces' egress policies
 * can name it before it exists. The last 4 addresses of a GCP subnet are reserved; this is the 8th from the end.
 * @throws when the subnet is not a valid CIDR or too small.
 */
export function internalGatewayIp(subnetCidr: string): string {
    const c = parseCidr(subnetCidr);
    if ("error" in c || c.prefix > 28) throw new Error(`subnet ${subnetCidr} must be a valid IPv4 block of /28 or larger`);
    const ip = c.base + 2 ** (32 - c.prefix) - 8;
    return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}

/** Listener names on the external Gateway: one HTTPS listener per external hostname. */
export const externalListener = (model: string) => `https-${model}`;

/** A model's hostnames: in-cluster always, VPC for vpc and external, the public one for external. */
export function modelHostnames(m: Pick<ResolvedModel, "name" | "namespace" | "endpoint">) {
    const base = `${m.name}.${m.namespace}`;
    return {
        cluster: `${base}.cluster.${MODEL_DOMAIN}`,
        vpc: m.endpoint.exposure === "internal" ? undefined : `${base}.vpc.${MODEL_DOMAIN}`,
        external: m.endpoint.exposure === "external" ? m.endpoint.hostname : undefined,
    };
}

/**
 * The internal Gateway: HTTP on port 80 at a named static internal address, one listener for in-cluster names
 * and one for VPC names, accepting routes only from the model namespaces.
 */
export function internalGatewaySpec(addressName: string, modelNamespaces: string[]): IGateway["spec"] {
    const allowedRoutes = routesFrom(modelNamespaces);
    return {
        gatewayClassName: GATEWAY_CLASSES.internal,
        addresses: [{ type: "NamedAddress", value: addressName }],
        listeners: [
            { name: "cluster", protocol: "HTTP", port: 80, hostname: `*.cluster.${MODEL_DOMAIN}`, allowedRoutes },
            { name: "vpc", protocol: "HTTP", port: 80, hostname: `*.vpc.${MODEL_DOMAIN}`, allowedRoutes },
        ],
    };
}

/**
 * The external Gateway: HTTPS only (no HTTP listener at all), one listener per external hostname, at a named
 * global static address. Certificates come from a Certificate Manager map (annotation on the Gateway).
 */
export function externalGatewaySpec(addressName: string, hosts: { model: string; namespace: string; hostname: string }[]): IGateway["spec"] {
    return {
        gatewayClassName: GATEWAY_CLASSES.external,
        addresses: [{ type: "NamedAddress", value: addressName }],
        listeners: hosts.map((h) => ({
            name: externalListener(h.model), protocol: "HTTPS" as const, port: 443, hostname: h.hostname, allowedRoutes: routesFrom([h.namespace]),
        })),
    };
}

function routesFrom(namespaces: string[]) {
    return {
        kinds: [{ kind: "HTTPRoute" }],
        namespaces: { from: "Selector" as const, selector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In" as const, values: [...new Set(namespaces)].sort() }] } },
    };
}

/**
 * A model's HTTPRoute. Every caller goes through it, in-cluster ones included, so the weights Argo Rollouts
 * sets are the real traffic split:
 * - canary / abTest / shadow: one rule to the stable and canary Services (weights 100/0; the plugin moves
 *   them); shadow adds a RequestMirror filter copying every request to the canary Service (responses
 *   discarded by the load balancer);
 * - blueGreen: the active Service, plus a rule for requests carrying PREVIEW_HEADER to the preview Service;
 * - rolling: the model's Service.
 */
export function httpRouteSpec(m: ResolvedModel, gateways: { internal: string; external?: string; namespace: string }): IHTTPRoute["spec"] {
    const names = serviceNames(m);
    const h = modelHostnames(m);
    const backend = (name: string, weight?: number) => ({ name, port: m.port, ...(weight === undefined ? {} : { weight }) });
    const parentRefs = [
        { name: gateways.internal, namespace: gateways.namespace, sectionName: "cluster" },
        ...(h.vpc ? [{ name: gateways.internal, namespace: gateways.namespace, sectionName: "vpc" }] : []),
        ...(h.external && gateways.external ? [{ name: gateways.external, namespace: gateways.namespace, sectionName: externalListener(m.name) }] : []),
    ];
    const hostnames = [h.cluster, h.vpc, h.external].filter((x): x is string => !!x);
    const s = m.rollout.strategy;
    let rules: NonNullable<IHTTPRoute["spec"]>["rules"];
    if (s === "canary" || s === "abTest" || s === "shadow") {
        rules = [{
            matches: [{ path: { type: "PathPrefix", value: "/" } }],
            ...(s === "shadow" ? { filters: [{ type: "RequestMirror" as const, requestMirror: { backendRef: backend(names.canary!) } }] } : {}),
            backendRefs: [backend(names.stable!, 100), backend(names.canary!, 0)],
        }];
    } else if (s === "blueGreen") {
        rules = [
            { matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", ...PREVIEW_HEADER }] }], backendRefs: [backend(names.canary!)] },
            { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [backend(names.main)] },
        ];
    } else {
        rules = [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [backend(names.main)] }];
    }
    return { parentRefs, hostnames, rules };
}

/** GKE's backend policy (networking.gke.io/v1 GCPBackendPolicy, no kubernetes-models package: the harness checks its CRD). */
export interface GcpBackendPolicy {
    apiVersion: "networking.gke.io/v1";
    kind: "GCPBackendPolicy";
    metadata: { name: string; namespace: string; labels?: Record<string, string> };
    spec: {
        default: { iap?: { enabled: boolean }; securityPolicy?: string; logging?: { enabled: boolean; sampleRate?: number } };
        targetRef: { group: ""; kind: "Service"; name: string };
    };
}

/**
 * Authentication of an external model's backends: IAP (callers need a Google identity with
 * roles/iap.httpsResourceAccessor; Google-managed OAuth client) or a Cloud Armor policy that admits only the
 * allow-list. It targets a Service, so it applies to that Service's backends on every Gateway.
 */
export function backendPolicy(m: ResolvedModel, service: string, securityPolicy: string | undefined, labels: Record<string, string>): GcpBackendPolicy {
    const auth = m.endpoint.auth === "iap" ? { iap: { enabled: true } } : { securityPolicy: securityPolicy! };
    return {
        apiVersion: "networking.gke.io/v1", kind: "GCPBackendPolicy",
        metadata: { name: service, namespace: m.namespace, labels },
        spec: { default: { ...auth, logging: { enabled: true, sampleRate: 1000000 } }, targetRef: { group: "", kind: "Service", name: service } },
    };
}
