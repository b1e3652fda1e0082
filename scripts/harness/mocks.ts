// What the mock engine answers for each resource during the offline plan. A preview, like `pulumi preview`:
// inputs are echoed (of a Kubernetes object, its identity), outputs the cloud computes are unknown, autonamed
// names are filled as the engine would.
import * as pulumi from "@pulumi/pulumi";
import { shortHash } from "../../lib/naming";
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
    /^gcp:binaryauthorization\/policy:Policy$/,
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

/**
 * What the mock echoes of a Kubernetes object's inputs: its identity, which is what the program reads of one
 * (`metadata.name`, `metadata.namespace`). A preview would echo the spec too; the SDK then copies it into every
 * output, the largest part of a plan's cost past the SDK's own. A test plans prod with every input echoed
 * (echoAllMocks) and finds the same plan.
 */
const KUBERNETES_ECHO = new Set(["apiVersion", "kind", "metadata"]);

/** @param echoAll echo every input, as a preview does (for the test that the narrower echo changes no plan) */
export function mockState(args: pulumi.runtime.MockResourceArgs, echoAll = false): Record<string, unknown> {
    const { type, name } = args;
    const kubernetesObject = type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh/");
    const state: Record<string, unknown> = kubernetesObject && !echoAll
        ? Object.fromEntries(Object.entries(args.inputs).filter(([k]) => KUBERNETES_ECHO.has(k)))
        : { ...args.inputs };
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
        // GKE names the DNS endpoint (<id>.<region>.gke.goog) when it creates the cluster.
        const cpe = (state.controlPlaneEndpointsConfig ?? {}) as { dnsEndpointConfig?: object };
        state.controlPlaneEndpointsConfig = { ...cpe, dnsEndpointConfig: { ...cpe.dnsEndpointConfig, endpoint: WIRE_UNKNOWN } };
    }
    return state;
}

/**
 * The project number the plan's `getProject` answers: stable per project ID, 12 digits like a real one.
 * Real previews read it from the Resource Manager API, so it is known in a preview too.
 */
export function mockProjectNumber(projectId: string): string {
    return String(100_000_000_000 + (parseInt(shortHash(`project::${projectId}`, 10), 16) % 900_000_000_000));
}

/** Provider functions the program calls, answered as the real provider would for an existing project. */
const FUNCTIONS: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
    "gcp:organizations/getProject:getProject": (inputs) => {
        const projectId = String(inputs.projectId);
        return { projectId, name: projectId, number: mockProjectNumber(projectId), id: `projects/${projectId}` };
    },
};

function call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const answer = FUNCTIONS[args.token];
    if (!answer) throw new Error(`the offline plan has no answer for the function ${args.token}; answer it in FUNCTIONS or do not call it`);
    return answer(args.inputs);
}

export const planMocks: pulumi.runtime.Mocks = {
    // New resources have no ID until they are created.
    newResource: (args) => ({ id: undefined, state: mockState(args) }),
    call,
};

/** planMocks echoing every input of a Kubernetes object, as a preview does. */
export const echoAllMocks: pulumi.runtime.Mocks = {
    newResource: (args) => ({ id: undefined, state: mockState(args, true) }),
    call,
};
