// What the mock engine answers for each resource during the offline plan. A preview, like `pulumi preview`:
// inputs are echoed, outputs the cloud computes are unknown, autonamed names are filled as the engine would.
import * as pulumi from "@pulumi/pulumi";
import { shortHash } from "../../config/naming";
import { WIRE_UNKNOWN } from "./values";

/**
 * Outputs each resource type computes on creation; they are unknown in a preview. A program that reads an
 * output not listed here gets undefined, so list every output the program reads.
 */
export const COMPUTED_OUTPUTS: Record<string, string[]> = {
    "gcp:compute/network:Network": ["selfLink", "gatewayIpv4", "numericId"],
    "gcp:compute/subnetwork:Subnetwork": ["selfLink", "gatewayAddress"],
    "gcp:compute/router:Router": ["selfLink"],
    "gcp:container/cluster:Cluster": ["endpoint", "selfLink", "masterVersion", "labelFingerprint", "operation"],
    "gcp:container/nodePool:NodePool": ["instanceGroupUrls", "managedInstanceGroupUrls", "version", "operation"],
    "gcp:serviceaccount/account:Account": ["email", "name", "uniqueId", "member"],
    "gcp:compute/globalAddress:GlobalAddress": ["selfLink", "address"],
    "gcp:servicenetworking/connection:Connection": ["peering"],
    "gcp:sql/databaseInstance:DatabaseInstance": ["connectionName", "privateIpAddress", "selfLink", "serviceAccountEmailAddress", "dnsName"],
    "gcp:storage/bucket:Bucket": ["url", "selfLink"],
    "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
};

/** Google Cloud types without a `name` to autoname. */
const GCP_WITHOUT_NAME = [
    /IAM(Member|Binding|Policy)$/,
    /^gcp:serviceaccount\/account:Account$/,
    /^gcp:servicenetworking\/connection:Connection$/,
];

/**
 * Pulumi autonames a resource `<logical name>-<random suffix>` at preview time. The plan uses a hash of the
 * type and logical name instead of randomness, so plans are stable between runs and diffable.
 */
export function autoname(type: string, name: string, suffixLength: number): string {
    return `${name}-${shortHash(`${type}::${name}`, suffixLength)}`;
}

export function mockState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    const state: Record<string, unknown> = { ...args.inputs };
    const { type, name } = args;
    if (type.startsWith("gcp:") && state.name === undefined && !GCP_WITHOUT_NAME.some((re) => re.test(type))) {
        state.name = autoname(type, name, 7);
    }
    if (type.startsWith("kubernetes:") && !type.startsWith("pulumi:providers:")) {
        const metadata = { ...(state.metadata as Record<string, unknown> | undefined) };
        if (metadata.name === undefined) metadata.name = autoname(type, name, 8);
        state.metadata = metadata;
    }
    for (const out of COMPUTED_OUTPUTS[type] ?? []) state[out] = WIRE_UNKNOWN;
    if (type === "gcp:container/cluster:Cluster") {
        state.masterAuth = { ...(state.masterAuth as object), clusterCaCertificate: WIRE_UNKNOWN, clientCertificate: WIRE_UNKNOWN, clientKey: WIRE_UNKNOWN };
    }
    return state;
}

export const planMocks: pulumi.runtime.Mocks = {
    // New resources have no ID until they are created.
    newResource: (args) => ({ id: undefined, state: mockState(args) }),
    call: (args) => {
        throw new Error(`the offline plan has no answer for the function ${args.token}; the program must not call provider functions`);
    },
};
