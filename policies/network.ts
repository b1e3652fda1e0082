// Kubernetes Services.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ofTypes, TYPES } from "./util";

interface LoadBalancers { allowedNamespaces: string[] }

export const networkPolicies: ResourceValidationPolicy[] = [
    {
        name: "k8s-no-loadbalancer-services",
        description: "External exposure goes through Ingress with TLS, not raw load balancers.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { allowedNamespaces: { type: "array", items: { type: "string" }, default: [] } } },
        validateResource: ofTypes([TYPES.service], (p, args, report) => {
            const { allowedNamespaces } = args.getConfig<LoadBalancers>();
            if (p.spec?.type === "LoadBalancer" && !allowedNamespaces.includes(p.metadata?.namespace)) {
                report(`Service ${p.metadata?.namespace}/${p.metadata?.name} must not be a LoadBalancer (allowed only in: ${allowedNamespaces.join(", ") || "no namespace"}).`);
            }
        }),
    },
    {
        name: "k8s-no-nodeport-services",
        description: "NodePorts open a port on every node.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.service], (p, _args, report) => {
            if (p.spec?.type === "NodePort") report(`Service ${p.metadata?.namespace}/${p.metadata?.name} must not be a NodePort.`);
        }),
    },
];
