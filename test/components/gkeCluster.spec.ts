// GkeCluster built directly under mocks that answer as a created cluster would (preview off): what the
// kubeconfig, which the plan can only show as a secret, really points at.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { GkeCluster, GkeClusterArgs } from "../../components/gke/gkeCluster";
import { Any, serially } from "../plans";

const DNS_ENDPOINT = "gke-4f2c1e0b9a7d.us-central1.gke.goog";
const IP_ENDPOINT = "172.16.0.2";
const CA = "Q0EtY2VydA==";
const PROJECT_NUMBER = "123456789012";

/** A created cluster's computed outputs, on top of the inputs the mocks echo. */
const mocks: pulumi.runtime.Mocks = {
    newResource: (a) => {
        const state: Any = { ...a.inputs, name: a.inputs.name ?? a.name };
        if (a.type === "gcp:container/cluster:Cluster") {
            state.endpoint = IP_ENDPOINT;
            state.masterAuth = { ...state.masterAuth, clusterCaCertificate: CA };
            state.controlPlaneEndpointsConfig = { ...state.controlPlaneEndpointsConfig, dnsEndpointConfig: { ...state.controlPlaneEndpointsConfig?.dnsEndpointConfig, endpoint: DNS_ENDPOINT } };
        }
        if (a.type === "gcp:serviceaccount/account:Account") state.email = `${a.inputs.accountId}@acme-test.iam.gserviceaccount.com`;
        return { id: `${a.name}-id`, state };
    },
    call: (a) => (a.token === "gcp:organizations/getProject:getProject" ? { projectId: a.inputs.projectId, number: PROJECT_NUMBER } : a.inputs),
};

const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((ok) => o.apply(ok));

/** Builds a cluster under the mocks and reads what a test needs, before the next plan takes the runtime. */
function built<T>(options: Partial<GkeClusterArgs>, read: (gke: GkeCluster) => Promise<T>): Promise<T> {
    return serially(async () => {
        await pulumi.runtime.setMocks(mocks, "mlops-platform", "unit", false);
        const gke = new GkeCluster("t", {
            project: "acme-test", region: "us-central1", network: "net", subnetwork: "subnet", nodeServiceAccountId: "gke-nodes-unit",
            deletionProtection: false, ...options,
        });
        return read(gke);
    });
}

describe("GkeCluster (under mocks, as created)", () => {
    it("points the kubeconfig at the DNS endpoint, with no cluster CA (its certificate is publicly trusted)", async () => {
        const [kubeconfig, host] = await built({ controlPlaneAccess: "dns" }, (g) => Promise.all([settle(g.kubeconfig), settle(g.apiServerHost)]));
        const kc = JSON.parse(kubeconfig);
        assert.deepEqual(kc.clusters[0].cluster, { server: `https://${DNS_ENDPOINT}` });
        assert.equal(kc.users[0].user.exec.command, "gke-gcloud-auth-plugin");
        assert.equal(host, DNS_ENDPOINT, "the stack's clusterEndpoint output");
    });

    it("points the kubeconfig at the IP endpoint, with the cluster CA, for private and authorizedNetworks access", async () => {
        for (const controlPlaneAccess of ["private", "authorizedNetworks"] as const) {
            const kubeconfig = await built({ controlPlaneAccess }, (g) => settle(g.kubeconfig));
            assert.deepEqual(JSON.parse(kubeconfig).clusters[0].cluster, { server: `https://${IP_ENDPOINT}`, "certificate-authority-data": CA }, controlPlaneAccess);
        }
    });
});
