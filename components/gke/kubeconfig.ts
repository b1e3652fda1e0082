/**
 * A kubeconfig for a GKE cluster that authenticates with `gke-gcloud-auth-plugin` (short-lived Google
 * credentials; no static token or client certificate is ever written). Pure, so it tests without a runtime.
 */
export function buildKubeconfig(clusterName: string, endpoint: string, caCertificate: string): string {
    const context = clusterName;
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: context, cluster: { server: `https://${endpoint}`, "certificate-authority-data": caCertificate } }],
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
