import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Report, resolveOrThrow } from "../../lib/errors";
import { definedOnly, isDns1123Label, parseQuantity, QUANTITY_RULE } from "../../lib/validate";
import {
    ContainerDefaults, NamespaceQuota, POD_SECURITY_LEVELS, PlatformService, PodSecurityLevel,
    limitRangeSpec, namespaceLabels, networkPolicies, resourceQuotaSpec,
} from "./manifests";

/** The user-facing options of one namespace (an entry of `mlops-platform:namespaces`). */
export interface TeamNamespaceOptions {
    /** DNS-1123 label, not a system namespace. Required. */
    name: string;
    /** ResourceQuota. Each field defaults to NAMESPACE_DEFAULTS.quota. */
    quota?: Partial<NamespaceQuota>;
    /** LimitRange defaults for containers that set none. Each field defaults to NAMESPACE_DEFAULTS.containerDefaults. */
    containerDefaults?: Partial<ContainerDefaults>;
    /** Pod Security Admission level enforced. Defaults to restricted. */
    podSecurity?: PodSecurityLevel;
    /** Extra labels, e.g. `team: fraud`. Defaults to none. */
    labels?: Record<string, string>;
}

export interface TeamNamespaceArgs extends TeamNamespaceOptions {
    /** Namespace whose Prometheus may scrape pods here. Defaults to `monitoring`. */
    monitoringNamespace?: string;
    /** Platform services pods here may call (egress). Defaults to none. */
    platformServices?: PlatformService[];
}

export const NAMESPACE_DEFAULTS = {
    quota: { requestsCpu: "8", limitsCpu: "16", requestsMemory: "32Gi", limitsMemory: "64Gi", gpus: 0, pvcs: 10, storage: "100Gi" } as NamespaceQuota,
    containerDefaults: { cpu: "1", memory: "1Gi", requestCpu: "250m", requestMemory: "512Mi" } as ContainerDefaults,
    podSecurity: "restricted" as PodSecurityLevel,
    monitoringNamespace: "monitoring",
};

/**
 * Ceilings on one namespace's quota: far above any team's need, low enough that a slip of the keyboard
 * (10000 for 100, Pi for Gi) fails here instead of reaching a manifest.
 */
export const NAMESPACE_QUOTA_LIMITS = { cpu: 10000, memoryBytes: 2 ** 50, storageBytes: 2 ** 50, gpus: 10000, pvcs: 10000 };

/** Namespaces that belong to Kubernetes or GKE; the platform never manages them. */
export const RESERVED_NAMESPACES = /^(default|kube-.*|gke-.*|gmp-.*|gatekeeper-system)$/;

export interface ResolvedNamespace {
    name: string;
    quota: NamespaceQuota;
    containerDefaults: ContainerDefaults;
    podSecurity: PodSecurityLevel;
    labels: Record<string, string>;
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Pure: fills defaults and reports every bad option, by field name. */
export function resolveTeamNamespace(o: TeamNamespaceOptions, report: Report): ResolvedNamespace {
    const d = NAMESPACE_DEFAULTS;
    if (!isDns1123Label(o.name)) report("name", "must be a DNS-1123 label: lowercase letters, digits and '-', alphanumeric at both ends, at most 63 chars", o.name);
    else if (RESERVED_NAMESPACES.test(o.name)) report("name", "is a Kubernetes or GKE system namespace; choose another name", o.name);

    const quota = { ...d.quota, ...definedOnly(o.quota) };
    const num = (field: string, text: string): number | undefined => {
        const v = parseQuantity(text);
        if (v === undefined) report(field, QUANTITY_RULE, text);
        return v;
    };
    const pair = (field: string, request: [string, string], limit: [string, string]) => {
        const rq = num(`${field}.${request[0]}`, request[1]);
        const lm = num(`${field}.${limit[0]}`, limit[1]);
        if (rq !== undefined && lm !== undefined && rq > lm) report(`${field}.${request[0]}`, `must not exceed ${limit[0]} (${limit[1]})`, request[1]);
    };
    const L = NAMESPACE_QUOTA_LIMITS;
    // A ceiling per quantity: a typo (an extra zero, Pi for Gi) must not reach the manifest as a quota nobody meant.
    const capped = (field: string, text: string, max: number, maxText: string): number | undefined => {
        const v = num(field, text);
        if (v !== undefined && v > max) report(field, `must be at most ${maxText} per namespace`, text);
        return v;
    };
    const q = {
        requestsCpu: capped("quota.requestsCpu", quota.requestsCpu, L.cpu, `${L.cpu} CPUs`),
        limitsCpu: capped("quota.limitsCpu", quota.limitsCpu, L.cpu, `${L.cpu} CPUs`),
        requestsMemory: capped("quota.requestsMemory", quota.requestsMemory, L.memoryBytes, "1Pi"),
        limitsMemory: capped("quota.limitsMemory", quota.limitsMemory, L.memoryBytes, "1Pi"),
    };
    if (q.requestsCpu !== undefined && q.limitsCpu !== undefined && q.requestsCpu > q.limitsCpu) report("quota.requestsCpu", `must not exceed limitsCpu (${quota.limitsCpu})`, quota.requestsCpu);
    if (q.requestsMemory !== undefined && q.limitsMemory !== undefined && q.requestsMemory > q.limitsMemory) report("quota.requestsMemory", `must not exceed limitsMemory (${quota.limitsMemory})`, quota.requestsMemory);
    capped("quota.storage", quota.storage, L.storageBytes, "1Pi");
    for (const f of ["gpus", "pvcs"] as const) {
        if (!Number.isInteger(quota[f]) || quota[f] < 0) report(`quota.${f}`, "must be a whole number, 0 or more", quota[f]);
        else if (quota[f] > L[f]) report(`quota.${f}`, `must be at most ${L[f]} per namespace`, quota[f]);
    }

    const containerDefaults = { ...d.containerDefaults, ...definedOnly(o.containerDefaults) };
    pair("containerDefaults", ["requestCpu", containerDefaults.requestCpu], ["cpu", containerDefaults.cpu]);
    pair("containerDefaults", ["requestMemory", containerDefaults.requestMemory], ["memory", containerDefaults.memory]);
    // A pod of one container with the LimitRange's defaults must fit the quota, or every such pod is refused.
    const fits: [keyof ContainerDefaults, number | undefined, keyof NamespaceQuota][] = [
        ["requestCpu", q.requestsCpu, "requestsCpu"], ["cpu", q.limitsCpu, "limitsCpu"],
        ["requestMemory", q.requestsMemory, "requestsMemory"], ["memory", q.limitsMemory, "limitsMemory"],
    ];
    for (const [field, hard, quotaField] of fits) {
        const v = parseQuantity(containerDefaults[field]);
        if (v !== undefined && hard !== undefined && v > hard) {
            report(`containerDefaults.${field}`, `exceeds quota.${quotaField} (${quota[quotaField]}): not even one pod of the default size would be admitted; raise the quota or lower the default`, containerDefaults[field]);
        }
    }

    const podSecurity = o.podSecurity ?? d.podSecurity;
    if (!POD_SECURITY_LEVELS.includes(podSecurity)) report("podSecurity", `allowed: ${POD_SECURITY_LEVELS.join(", ")}`, podSecurity);

    const labels = o.labels ?? {};
    for (const [k, v] of Object.entries(labels)) {
        if (!LABEL_KEY.test(k)) report(`labels.${k}`, "is not a valid Kubernetes label key", k);
        if (typeof v !== "string" || !LABEL_VALUE.test(v)) report(`labels.${k}`, "must be a label value: up to 63 letters, digits, '-', '_' or '.'", v);
    }
    return { name: o.name, quota, containerDefaults, podSecurity, labels };
}

/**
 * A namespace with guardrails: a ResourceQuota (CPU, memory, GPUs, PVCs, storage), a LimitRange with
 * container defaults, Pod Security Admission labels, and default-deny NetworkPolicies with narrow allows.
 */
export class TeamNamespace extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly quota: k8s.core.v1.ResourceQuota;
    public readonly limitRange: k8s.core.v1.LimitRange;
    public readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];
    /** The namespace name (as configured; namespaces are per cluster, so no suffix is needed). */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: TeamNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:namespaces:TeamNamespace", name, {}, opts);
        const r = resolveOrThrow(`TeamNamespace ${name}`, (report) => resolveTeamNamespace(args, report));
        const monitoring = args.monitoringNamespace ?? NAMESPACE_DEFAULTS.monitoringNamespace;

        this.namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: r.name, labels: namespaceLabels(r.name, r.podSecurity, r.labels) },
        }, { parent: this });
        const ns = this.namespace.metadata.name;
        const child = { parent: this };

        this.quota = new k8s.core.v1.ResourceQuota(`${name}-quota`, {
            metadata: { name: "mlops-quota", namespace: ns },
            spec: resourceQuotaSpec(r.quota),
        }, child);
        this.limitRange = new k8s.core.v1.LimitRange(`${name}-limits`, {
            metadata: { name: "mlops-container-defaults", namespace: ns },
            spec: limitRangeSpec(r.containerDefaults),
        }, child);
        this.networkPolicies = networkPolicies(monitoring, args.platformServices).map((p) => new k8s.networking.v1.NetworkPolicy(`${name}-${p.name}`, {
            metadata: { name: p.name, namespace: ns },
            spec: p.spec,
        }, child));
        this.name = ns;

        this.registerOutputs({ name: this.name, namespace: this.namespace, quota: this.quota, limitRange: this.limitRange, networkPolicies: this.networkPolicies });
    }
}
