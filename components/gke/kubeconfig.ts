/**
 * A kubeconfig for a GKE cluster that authenticates with `gke-gcloud-auth-plugin` (short-lived Google
 * credentials; no static token or client certificate is ever written). Pure, so it tests without a runtime.
 * @param endpoint host of the control plane: an IP endpoint, or the DNS endpoint (`<id>.<region>.gke.goog`).
 * @param caCertificate the cluster's CA (base64), for an IP endpoint. Omit it for the DNS endpoint, whose
 *   certificate is publicly trusted: the system's roots verify it.
 */
export function buildKubeconfig(clusterName: string, endpoint: string, caCertificate?: string): string {
    const context = clusterName;
    const tls = caCertificate === undefined ? {} : { "certificate-authority-data": caCertificate };
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: context, cluster: { server: `https://${endpoint}`, ...tls } }],
        contexts: [{ name: context, context: { cluster: context, user: context } }],
        "current-context": context,
        users: [{
            name: context,
            user: {
                exec: {
                    apiVersion: "client.authentication.k8s.io/v1beta1",
                    command: "gke-gcloud-auth-plugin",
                    installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                    provideClusterInfo: true,
                },
            },
        }],
    }, null, 2);
}
