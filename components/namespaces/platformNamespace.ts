import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ContainerDefaults, NamespaceQuota, PodSecurityLevel, limitRangeSpec, namespaceLabels, resourceQuotaSpec } from "./manifests";
import { PlatformFlow, platformNetworkPolicies } from "./platformPolicies";

export interface PlatformNamespaceArgs {
    /** The namespace's name (the platform's own namespaces have fixed names charts and docs refer to). Required. */
    name: string;
    /** Pod Security level enforced. Defaults to restricted. */
    podSecurity?: PodSecurityLevel | "privileged";
    /** What the platform's pods here may hold; sized from the requests the platform sets. GPUs, PVCs and storage default to 0. Required. */
    quota: Omit<NamespaceQuota, "gpus" | "pvcs" | "storage"> & Partial<Pick<NamespaceQuota, "gpus" | "pvcs" | "storage">>;
    /** LimitRange defaults for containers that set none. Defaults to PLATFORM_CONTAINER_DEFAULTS. */
    containerDefaults?: ContainerDefaults;
    /** The flows allowed beyond default deny, by name (each becomes `allow-<name>`). Required. */
    flows: Record<string, PlatformFlow>;
    /** Earlier identities of the Namespace object, so moving it under this component never recreates it. */
    namespaceAliases?: pulumi.Input<pulumi.Alias | string>[];
}

/** Container defaults for chart pods that set no resources: small, so a forgotten request fails loudly on quota. */
export const PLATFORM_CONTAINER_DEFAULTS: ContainerDefaults = { cpu: "500m", memory: "512Mi", requestCpu: "50m", requestMemory: "64Mi" };

/**
 * A namespace of the platform's own (controllers, monitoring, node agents): Pod Security labels, a
 * ResourceQuota and LimitRange like every team namespace, and default deny in both directions with exactly
 * the flows its pods need.
 */
export class PlatformNamespace extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    /** The namespace name, known once the Namespace exists (depend on it through this output). */
    public readonly name: pulumi.Output<string>;
    /** The quota, LimitRange and NetworkPolicies: pods created before them would escape or be refused. */
    public readonly guardrails: pulumi.Resource[];

    constructor(name: string, args: PlatformNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:namespaces:PlatformNamespace", name, {}, opts);
        const child = { parent: this };
        this.namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: args.name, labels: namespaceLabels(args.name, args.podSecurity ?? "restricted") },
        }, { ...child, aliases: args.namespaceAliases });
        const ns = this.namespace.metadata.name;
        this.guardrails = [
            new k8s.core.v1.ResourceQuota(`${name}-quota`, {
                metadata: { name: "mlops-quota", namespace: ns },
                spec: resourceQuotaSpec({ gpus: 0, pvcs: 0, storage: "0", ...args.quota }),
            }, child),
            new k8s.core.v1.LimitRange(`${name}-limits`, {
                metadata: { name: "mlops-container-defaults", namespace: ns },
                spec: limitRangeSpec(args.containerDefaults ?? PLATFORM_CONTAINER_DEFAULTS),
            }, child),
            ...platformNetworkPolicies(args.flows).map((p) => new k8s.networking.v1.NetworkPolicy(`${name}-${p.name}`, { metadata: { name: p.name, namespace: ns }, spec: p.spec }, child)),
        ];
        this.name = ns;
        this.registerOutputs({ namespace: this.namespace, name: this.name });
    }
}
