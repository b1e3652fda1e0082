// The stack outputs contract: what other stacks, apps and workflows may read from an mlops-platform stack.
// index.ts builds its exports against this type, so an output cannot be dropped or renamed silently.
import type * as pulumi from "@pulumi/pulumi";

export interface GpuPoolOutput {
    name: string;
    /** The node pool's name in GKE. */
    nodePoolName: string;
    acceleratorType: string;
    acceleratorCount: number;
    purpose: "serving" | "training";
    spot: boolean;
    minNodes: number;
    maxNodes: number;
}

export interface ModelOutput {
    name: string;
    namespace: string;
    /**
     * In-cluster URL, through the internal Gateway and the model's HTTPRoute (so release weights hold), e.g.
     * http://fraud-detector.ml-serving.cluster.models.internal.
     */
    url: string;
    /** VPC URL (exposure vpc or external), through the internal Gateway. */
    vpcUrl?: string;
    /** Public URL (exposure external), TLS and authentication on the external Gateway, e.g. https://fraud.api.acme.example.com. */
    externalUrl?: string;
    /** Exposure external: the external Gateway's IP, which the hostname's A record must point to. */
    externalAddress?: string;
    /** Exposure external: the DNS record Certificate Manager needs to issue the hostname's certificate (a CNAME). */
    certificateDnsRecord?: { name: string; type: string; data: string };
    /** internal | vpc | external. */
    exposure: "internal" | "vpc" | "external";
    strategy: "canary" | "blueGreen" | "rolling" | "abTest" | "shadow";
    /** The model's HTTPRoute (in its namespace), whose weights Argo Rollouts sets. */
    routeName: string;
    workload: { kind: "Rollout" | "Deployment"; name: string };
}

export interface StackOutputs {
    environment: string;
    project: string;
    region: string;
    clusterName: string;
    /** Region (regional cluster) or zone (zonal). */
    clusterLocation: string;
    /** The control plane host the kubeconfig uses: the DNS endpoint with `cluster.controlPlaneAccess: dns`, else the IP endpoint. */
    clusterEndpoint: string;
    /** Secret. Authenticates with gke-gcloud-auth-plugin. */
    kubeconfig: string;
    networkName: string;
    subnetName: string;
    nodeServiceAccount: string;
    namespaceNames: string[];
    gpuNodePools: GpuPoolOutput[];
    mlflowTrackingUri: string;
    /** Only when mlflow.hostname is set. */
    mlflowUrl?: string;
    /** Only when mlflow.hostname is set: the IP its DNS record must point to. */
    mlflowIngressAddress?: string;
    /** `<namespace>/<name>` of the Secret with MLflow's admin credentials. */
    mlflowCredentialsSecret: string;
    artifactBucket: string;
    datasetsBucket: string;
    cloudSqlConnectionName: string;
    prometheusUrl: string;
    pushgatewayUrl: string;
    /** Only when monitoring.grafanaHostname is set. */
    grafanaUrl?: string;
    grafanaIngressAddress?: string;
    grafanaAdminSecret: string;
    models: ModelOutput[];
}

/** Outputs that are Pulumi secrets: `pulumi stack output --show-secrets` reveals them. */
export const SECRET_OUTPUTS: (keyof StackOutputs)[] = ["kubeconfig"];

/** Outputs present only with some configuration (see their comments). */
export const OPTIONAL_OUTPUTS: (keyof StackOutputs)[] = ["mlflowUrl", "mlflowIngressAddress", "grafanaUrl", "grafanaIngressAddress"];

/** A value that may hold Outputs at any depth, resolving to T. */
export type DeepInput<T> = T extends string | number | boolean
    ? pulumi.Input<T>
    : T extends (infer U)[]
        ? pulumi.Input<DeepInput<U>[]>
        : pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>;

/** The exports of index.ts: every output of the contract (optional ones may be undefined). */
type OptionalKeys<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? K : never }[keyof T];
export type StackOutputValues = { [K in Exclude<keyof StackOutputs, OptionalKeys<StackOutputs>>]: DeepInput<StackOutputs[K]> } & {
    [K in OptionalKeys<StackOutputs>]: DeepInput<NonNullable<StackOutputs[K]>> | undefined;
};

/** Every output name, checked against the contract at compile time (none missing, none extra). */
export const OUTPUT_NAMES = [
    "environment", "project", "region", "clusterName", "clusterLocation", "clusterEndpoint", "kubeconfig", "networkName",
    "subnetName", "nodeServiceAccount", "namespaceNames", "gpuNodePools", "mlflowTrackingUri", "mlflowUrl",
    "mlflowIngressAddress", "mlflowCredentialsSecret", "artifactBucket", "datasetsBucket", "cloudSqlConnectionName",
    "prometheusUrl", "pushgatewayUrl", "grafanaUrl", "grafanaIngressAddress", "grafanaAdminSecret", "models",
] as const satisfies readonly (keyof StackOutputs)[];
type Missing = Exclude<keyof StackOutputs, (typeof OUTPUT_NAMES)[number]>;
export const OUTPUT_NAMES_COMPLETE: [Missing] extends [never] ? true : never = true;
