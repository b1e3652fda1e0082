// Pure builders for the cluster's control plane access, Binary Authorization and Secrets encryption.
// No Pulumi runtime here, so each is tested without one.
import { Cidr, cidrsOverlap, parseCidr } from "../../lib/validate";

/**
 * How clients outside the cluster reach the control plane:
 * - `dns`: the DNS-based endpoint only, with Google credentials that IAM checks (`container.clusters.connect`)
 *   before a request reaches the API server; no public IP endpoint.
 * - `private`: the private IP endpoint only (in `masterCidr`), from the VPC and networks connected to it.
 * - `authorizedNetworks`: the public IP endpoint, limited to `masterAuthorizedNetworks`.
 * In every mode nodes and in-cluster controllers use the private endpoint.
 */
export const CONTROL_PLANE_ACCESS = ["dns", "private", "authorizedNetworks"] as const;
export type ControlPlaneAccess = (typeof CONTROL_PLANE_ACCESS)[number];

/** `enforce` blocks untrusted images; `dryRun` admits them and writes an audit log entry; `off` checks nothing. */
export const BINARY_AUTHORIZATION_MODES = ["enforce", "dryRun", "off"] as const;
export type BinaryAuthorizationMode = (typeof BINARY_AUTHORIZATION_MODES)[number];

/** `kms`: Secrets in the cluster's database are also encrypted with the stack's Cloud KMS key; `googleManaged`: only Google's default encryption at rest. */
export const SECRETS_ENCRYPTION = ["kms", "googleManaged"] as const;
export type SecretsEncryption = (typeof SECRETS_ENCRYPTION)[number];

/** The KMS key makes a new primary version every 90 days (in seconds, as Cloud KMS takes it). */
export const KMS_ROTATION_PERIOD = "7776000s";
/** The one role GKE needs on the key: wrap and unwrap the data keys of Secrets. */
export const KMS_ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

/** The GKE service agent of a project: the identity the control plane calls Cloud KMS with. */
export function gkeServiceAgent(projectNumber: string): string {
    return `service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`;
}

/** The cluster fields one access mode sets. IP endpoints stay on in every mode: nodes use the private one. */
export function controlPlaneSettings(access: ControlPlaneAccess) {
    return {
        enablePrivateEndpoint: access !== "authorizedNetworks",
        controlPlaneEndpointsConfig: {
            dnsEndpointConfig: { allowExternalTraffic: access === "dns" },
            ipEndpointsConfig: { enabled: true },
        },
    };
}

/**
 * Where the kubeconfig points. The DNS endpoint presents a publicly trusted certificate, not one signed by
 * the cluster's CA, so its kubeconfig carries no CA and the system's roots verify it.
 */
export function apiServerTarget(access: ControlPlaneAccess, cluster: { ipEndpoint: string; dnsEndpoint: string; caCertificate: string }): { host: string; caCertificate?: string } {
    return access === "dns" ? { host: cluster.dnsEndpoint } : { host: cluster.ipEndpoint, caCertificate: cluster.caCertificate };
}

/** `<prefix>**`: Binary Authorization's trailing `**` matches any rest of an image name, `/` included. */
export function allowlistPatterns(prefixes: readonly string[]): { namePattern: string }[] {
    return prefixes.map((p) => ({ namePattern: `${p}**` }));
}

/**
 * The project's Binary Authorization policy: images matching the allowlist are admitted, every other image
 * is denied (or, in dryRun, admitted and logged). Google's system images pass by the global policy.
 */
export function binaryAuthorizationPolicy(mode: Exclude<BinaryAuthorizationMode, "off">, trustedPrefixes: readonly string[]) {
    return {
        globalPolicyEvaluationMode: "ENABLE",
        admissionWhitelistPatterns: allowlistPatterns(trustedPrefixes),
        defaultAdmissionRule: {
            evaluationMode: "ALWAYS_DENY",
            enforcementMode: mode === "enforce" ? "ENFORCED_BLOCK_AND_AUDIT_LOG" : "DRYRUN_AUDIT_LOG_ONLY",
        },
    };
}

const INTERNAL_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((t) => parseCidr(t) as Cidr);

/** True when a block lies inside RFC 1918 or RFC 6598 space: addresses that can reach a private endpoint. */
export function isInternalRange(c: Cidr): boolean {
    return INTERNAL_RANGES.some((r) => r.prefix <= c.prefix && cidrsOverlap(r, c));
}
