import * as certmanager from "@pulumi/kubernetes-cert-manager";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaceLabels } from "../namespaces/manifests";

/** The cert-manager Helm chart version, pinned. */
export const CERT_MANAGER_CHART_VERSION = "v1.16.2";

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
    /** Contact for the ACME account (expiry notices). Defaults to none (Let's Encrypt accepts accounts without one). */
    acmeEmail?: string;
    /** Let's Encrypt staging (untrusted certificates, generous limits) or production. Required. */
    acmeServer: AcmeServer;
    /** Hosts certificates will be issued for. Defaults to none. */
    hosts?: TlsHost[];
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

/** Requests and limits for cert-manager's three deployments. */
const SMALL = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };

/**
 * cert-manager (from its Helm chart via `@pulumi/kubernetes-cert-manager`, CRDs included) in its own
 * namespace, and a ClusterIssuer for Let's Encrypt.
 */
export class ClusterTls extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly certManager: certmanager.CertManager;
    public readonly issuer: k8s.apiextensions.CustomResource;
    /** The ClusterIssuer's name, for `cert-manager.io/cluster-issuer` and Certificates. */
    public readonly issuerName: string;

    constructor(name: string, args: ClusterTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:tls:ClusterTls", name, {}, opts);
        this.namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: "cert-manager", labels: namespaceLabels("cert-manager", "restricted") },
        }, { parent: this });

        const securityContext = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
        this.certManager = new certmanager.CertManager(`${name}-cert-manager`, {
            installCRDs: true,
            resources: SMALL,
            containerSecurityContext: securityContext,
            cainjector: { resources: SMALL, containerSecurityContext: securityContext },
            webhook: { resources: SMALL, containerSecurityContext: securityContext },
            startupapicheck: { resources: SMALL, securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
            prometheus: { enabled: true },
            helmOptions: { namespace: this.namespace.metadata.name, version: CERT_MANAGER_CHART_VERSION },
        }, { parent: this });

        this.issuerName = `letsencrypt-${args.acmeServer}`;
        this.issuer = new k8s.apiextensions.CustomResource(`${name}-issuer`, {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: this.issuerName },
            spec: clusterIssuerSpec(args.acmeEmail, args.acmeServer, args.hosts ?? [], `${this.issuerName}-account-key`),
        }, { parent: this, dependsOn: [this.certManager] });

        this.registerOutputs({ namespace: this.namespace, certManager: this.certManager, issuer: this.issuer, issuerName: this.issuerName });
    }
}
