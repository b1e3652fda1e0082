import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NamespaceQuota, ContainerDefaults } from "../namespaces/manifests";
import { PlatformNamespace } from "../namespaces/platformNamespace";
import { PlatformFlow, platformNetworkPolicies } from "../namespaces/platformPolicies";
import { RESTRICTED_CONTAINER } from "../workloads/podSecurity";
import { PRIORITIES } from "../workloads/priorities";

/**
 * The jetstack cert-manager chart, pinned. 1.21 is a supported release (supported until 1.23 ships).
 * Checked: cert-manager/cert-manager tag v1.21.1 (newest tag), deploy/charts/cert-manager/values.yaml and
 * values.schema.json (these values validate); cert-manager/website content/docs/releases/README.md
 * (supported: 1.21, 1.20), content/docs/variables.json (latest v1.21.1) and installation/helm.md (the
 * jetstack HTTP repository still serves the chart, a few hours after the OCI copy in quay.io/jetstack).
 */
export const CERT_MANAGER_CHART = { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" };
export const CERT_MANAGER_NAMESPACE = "cert-manager";
/** The webhook's HTTPS port, set explicitly so the NetworkPolicy and the chart cannot disagree (chart default 10250). */
export const CERT_MANAGER_WEBHOOK_PORT = 10250;
/** Where the controller, webhook and cainjector serve Prometheus metrics (the chart's fixed `http-metrics` port). */
export const CERT_MANAGER_METRICS_PORT = 9402;

export const ACME_SERVERS = {
    staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
    production: "https://acme-v02.api.letsencrypt.org/directory",
} as const;
export type AcmeServer = keyof typeof ACME_SERVERS;

/** A host served by a GKE (GCE) Ingress; its HTTP-01 challenge is answered through that Ingress. */
export interface TlsHost {
    hostname: string;
    /** Namespace and name of the Ingress serving it. */
    namespace: string;
    ingressName: string;
}

export interface ClusterTlsArgs {
    /** PriorityClasses cert-manager's pods name: created first, or the pods are rejected. Defaults to none. */
    priorityClasses?: pulumi.Resource[];
    /** Contact for the ACME account (expiry notices). Defaults to none (Let's Encrypt accepts accounts without one). */
    acmeEmail?: string;
    /** Let's Encrypt staging (untrusted certificates, generous limits) or production. Required. */
    acmeServer: AcmeServer;
    /** Hosts certificates will be issued for. Defaults to none. */
    hosts?: TlsHost[];
    /** The control plane's private endpoint range: cert-manager calls the API server, which calls the webhook. Required. */
    controlPlaneCidr: string;
    /** Namespace whose Prometheus scrapes cert-manager's metrics. Required. */
    monitoringNamespace: string;
}

/**
 * The ClusterIssuer spec: ACME with one HTTP-01 solver per host. GKE Ingress makes a load balancer (and an
 * IP) per Ingress, so each host's challenge must be answered through its own Ingress, not a new one. Pure.
 */
export function clusterIssuerSpec(email: string | undefined, server: AcmeServer, hosts: TlsHost[], accountSecret: string) {
    return {
        acme: {
            ...(email ? { email } : {}),
            server: ACME_SERVERS[server],
            privateKeySecretRef: { name: accountSecret },
            solvers: hosts.map((h) => ({
                selector: { dnsNames: [h.hostname] },
                http01: { ingress: { name: h.ingressName } },
            })),
        },
    };
}

/** Requests and limits for each cert-manager container. */
const SMALL = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };

/** Room for three deployments (a surge each) and the startup check; no GPUs, no volumes. */
export const CERT_MANAGER_QUOTA: NamespaceQuota = { requestsCpu: "500m", limitsCpu: "2", requestsMemory: "1Gi", limitsMemory: "3Gi", gpus: 0, pvcs: 0, storage: "0" };
/** For a container the chart leaves without resources. */
export const CERT_MANAGER_CONTAINER_DEFAULTS: ContainerDefaults = { cpu: "200m", memory: "256Mi", requestCpu: "20m", requestMemory: "64Mi" };

/** Pod labels the chart gives each component (release `cert-manager`). */
export function certManagerPods(component: "controller" | "webhook" | "cainjector") {
    return { matchLabels: { "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": component } };
}

/**
 * The chart's values. Pure. CRDs come with the chart (`crds.enabled`) and stay when the release goes
 * (`crds.keep`): deleting the CRDs would garbage-collect every Certificate and Issuer in the cluster.
 */
export function certManagerValues() {
    const pod = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
    return {
        crds: { enabled: true, keep: true },
        global: { priorityClassName: PRIORITIES.platformCritical.name },
        resources: SMALL,
        securityContext: pod,
        containerSecurityContext: RESTRICTED_CONTAINER,
        cainjector: { resources: SMALL, securityContext: pod, containerSecurityContext: RESTRICTED_CONTAINER },
        webhook: { securePort: CERT_MANAGER_WEBHOOK_PORT, resources: SMALL, securityContext: pod, containerSecurityContext: RESTRICTED_CONTAINER },
        startupapicheck: { resources: SMALL, securityContext: pod, containerSecurityContext: RESTRICTED_CONTAINER },
        prometheus: { enabled: true },
    };
}

/**
 * cert-manager's flows beyond default deny: DNS and the API server for every pod; the control plane to the
 * webhook; Prometheus to the metrics port; the controller out to the internet for ACME (443) and the
 * HTTP-01 self-check against the load balancer's public address (80). Pure.
 */
export function certManagerFlows(controlPlaneCidr: string, monitoringNamespace: string): Record<string, PlatformFlow> {
    return {
        "dns": { kind: "dns" },
        "api-server": { kind: "apiServer", controlPlaneCidr },
        "webhook-from-control-plane": { kind: "fromControlPlane", controlPlaneCidr, ports: [CERT_MANAGER_WEBHOOK_PORT], pods: certManagerPods("webhook") },
        "metrics-scrape": { kind: "scrape", monitoringNamespace, ports: [CERT_MANAGER_METRICS_PORT] },
        "acme": { kind: "internet", ports: [443, 80], pods: certManagerPods("controller") },
    };
}

/** cert-manager's NetworkPolicies: default deny, then certManagerFlows. Pure. */
export function certManagerNetworkPolicies(controlPlaneCidr: string, monitoringNamespace: string) {
    return platformNetworkPolicies(certManagerFlows(controlPlaneCidr, monitoringNamespace));
}

/**
 * cert-manager in its own guarded namespace (quota, container defaults, default-deny NetworkPolicies with
 * exactly its flows), from the jetstack chart through a plain Helm release, and a ClusterIssuer for Let's
 * Encrypt. Not `@pulumi/kubernetes-cert-manager`: its 0.2.0 component has no `crds` input, only the
 * deprecated `installCRDs`, which cannot keep the CRDs on uninstall.
 */
export class ClusterTls extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly certManager: k8s.helm.v3.Release;
    public readonly issuer: k8s.apiextensions.CustomResource;
    /** The ClusterIssuer's name, for `cert-manager.io/cluster-issuer` and Certificates. */
    public readonly issuerName: string;

    constructor(name: string, args: ClusterTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:tls:ClusterTls", name, {}, opts);
        const child = { parent: this };
        // Same logical names as the component's own children had (`<name>-ns`, ...); the Namespace keeps its identity.
        const guarded = new PlatformNamespace(name, {
            name: CERT_MANAGER_NAMESPACE,
            quota: CERT_MANAGER_QUOTA,
            containerDefaults: CERT_MANAGER_CONTAINER_DEFAULTS,
            flows: certManagerFlows(args.controlPlaneCidr, args.monitoringNamespace),
            namespaceAliases: [{ name: `${name}-ns`, parent: this }],
        }, child);
        this.namespace = guarded.namespace;
        const ns = guarded.name;

        const c = CERT_MANAGER_CHART;
        // The policies first: the chart's startup check needs DNS and the API server to pass.
        this.certManager = new k8s.helm.v3.Release(`${name}-cert-manager`, {
            name: "cert-manager",
            chart: c.chart,
            version: c.version,
            repositoryOpts: { repo: c.repo },
            namespace: ns,
            values: certManagerValues(),
        }, { ...child, dependsOn: [...guarded.guardrails, ...(args.priorityClasses ?? [])] });

        this.issuerName = `letsencrypt-${args.acmeServer}`;
        this.issuer = new k8s.apiextensions.CustomResource(`${name}-issuer`, {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: this.issuerName },
            spec: clusterIssuerSpec(args.acmeEmail, args.acmeServer, args.hosts ?? [], `${this.issuerName}-account-key`),
        }, { ...child, dependsOn: [this.certManager] });

        this.registerOutputs({ namespace: this.namespace, certManager: this.certManager, issuer: this.issuer, issuerName: this.issuerName });
    }
}
