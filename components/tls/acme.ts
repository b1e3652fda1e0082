// Facts about cert-manager's ACME solver that other namespaces' policies need. Pure.

/**
 * cert-manager's HTTP-01 solver: a pod it starts in the Certificate's namespace, labelled so and listening on
 * 8089, which Let's Encrypt reaches through the host's GKE Ingress (so from Google's load balancer ranges).
 * Checked: cert-manager/cert-manager pkg/apis/acme/v1/types.go (label), pkg/issuer/acme/http/http.go (port);
 * pkg/issuer/acme/http/pod.go at v1.21.1: the solver runs non-root, RuntimeDefault seccomp, no privilege
 * escalation, ALL capabilities dropped, so the restricted namespaces it starts in admit it.
 */
export const ACME_HTTP01_SOLVER = { pods: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } }, port: 8089 };
