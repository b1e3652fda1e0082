// Isolation, judged by what Kubernetes and Kueue would do with the whole set of objects: NetworkPolicies are
// additive (one allow-all next to a default deny still allows all), a namespace's Pod Security level is its
// `enforce` label (absent means the cluster default, privileged), and a ClusterQueue serves whatever
// namespaces its selector matches.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { byType, ofTypes, Props, TYPES } from "./util";

const q = JSON.stringify;

const ALL_V4 = "0.0.0.0/0";
const ALL_V6 = "::/0";
const isEmpty = (o: unknown) => !!o && typeof o === "object" && Object.keys(o as object).length === 0;

/** The directions a NetworkPolicy restricts, as the API server defaults `policyTypes`. */
export function policyTypesOf(spec: Props): string[] {
    if (Array.isArray(spec.policyTypes) && spec.policyTypes.length) return spec.policyTypes;
    return spec.egress?.length ? ["Ingress", "Egress"] : ["Ingress"];
}

/**
 * Why one rule of a NetworkPolicy admits everything, or undefined when it is narrower. A rule admits everything
 * when it has no peers (or an empty peer `{}`) or a peer of every address (0.0.0.0/0 or ::/0 with no `except`),
 * on every port (no `ports`). Narrow flows (a port, a namespace, private ranges excepted) are not allow-alls.
 */
export function allowAllReason(rule: Props, peersKey: "from" | "to", selectsAllPods = false): string | undefined {
    if (rule.ports?.length) return undefined;
    const peers: Props[] = rule[peersKey] ?? [];
    if (peers.length === 0) return `no ${peersKey} and no ports`;
    for (const p of peers) {
        if (isEmpty(p)) return `an empty peer {} and no ports`;
        const cidr = p.ipBlock?.cidr;
        if ((cidr === ALL_V4 || cidr === ALL_V6) && !(p.ipBlock.except?.length)) return `ipBlock ${cidr} without except and no ports`;
        // Every pod of every namespace, to or from every pod of this one, on every port.
        if (selectsAllPods && isEmpty(p.namespaceSelector) && (p.podSelector === undefined || isEmpty(p.podSelector))) return `namespaceSelector {} (every pod of the cluster) for every pod of the namespace, and no ports`;
    }
    return undefined;
}

interface PodSecurity { levels: Record<string, string>; defaultLevel: string }
const PSA_ORDER = ["restricted", "baseline", "privileged"];

export const isolationPolicies: ResourceValidationPolicy[] = [
    {
        name: "k8s-pod-security-level",
        description: "Each namespace enforces its Pod Security level: restricted unless the stack's config names a looser one for it.",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                defaultLevel: { type: "string", enum: PSA_ORDER, default: "restricted" },
                // Namespace name -> the loosest level it may enforce (reasons in the README).
                levels: { type: "object", additionalProperties: { type: "string", enum: PSA_ORDER }, default: {} },
            },
        },
        validateResource: ofTypes([TYPES.namespace], (p, args, report) => {
            const { levels, defaultLevel } = args.getConfig<PodSecurity>();
            const name: string = p.metadata?.name;
            const labels = p.metadata?.labels ?? {};
            const allowed = levels[name] ?? defaultLevel;
            const raw = labels["pod-security.kubernetes.io/enforce"];
            // No label: the admission controller's default, which GKE leaves at privileged.
            const effective = raw === undefined ? "privileged" : raw;
            if (!PSA_ORDER.includes(effective)) {
                report(`Namespace ${name} must enforce a Pod Security level (metadata.labels["pod-security.kubernetes.io/enforce"] is ${q(raw)}, not one of ${PSA_ORDER.join(", ")}); set it to ${q(allowed)}.`);
            } else if (PSA_ORDER.indexOf(effective) > PSA_ORDER.indexOf(allowed)) {
                report(`Namespace ${name} must enforce Pod Security ${q(allowed)} or stricter (metadata.labels["pod-security.kubernetes.io/enforce"] is ${raw === undefined ? "absent, so privileged" : q(raw)}); set it to ${q(allowed)}.`);
            }
            const version = labels["pod-security.kubernetes.io/enforce-version"];
            if (version !== undefined && version !== "latest" && !/^v1\.\d+$/.test(version)) report(`Namespace ${name} must pin Pod Security to "latest" or a v1.N version (enforce-version ${q(version)}).`);
        }),
    },
    {
        name: "kueue-clusterqueue-namespace-scoped",
        description: "A ClusterQueue admits one team's namespace: an empty selector lets every namespace spend the team's quota.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes(["kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue", "kubernetes:kueue.x-k8s.io/v1beta1:ClusterQueue"], (p, _args, report) => {
            const sel = p.spec?.namespaceSelector;
            const name = p.metadata?.name;
            if (sel === undefined || sel === null) return; // nil selector: no namespace may submit (kueue's API doc)
            const byName = sel.matchLabels?.["kubernetes.io/metadata.name"];
            const exprs: Props[] = sel.matchExpressions ?? [];
            const named = byName !== undefined || exprs.some((e) => e.key === "kubernetes.io/metadata.name" && e.operator === "In" && e.values?.length);
            if (isEmpty(sel) || !named) {
                report(`ClusterQueue ${name} must select its team's namespace by name (spec.namespaceSelector is ${q(sel)}, which ${isEmpty(sel) ? "matches every namespace" : "is not a namespace name"}); use matchLabels {"kubernetes.io/metadata.name": "<team namespace>"}.`);
            }
        }),
    },
];

export const isolationStackPolicies: StackValidationPolicy[] = [
    {
        name: "k8s-netpol-no-allow-all",
        description: "A namespace's NetworkPolicies, taken together as Kubernetes does, never admit all ingress or all egress: one allow-all undoes the default deny.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            for (const np of byType(args.resources, TYPES.networkPolicy)) {
                const spec = np.props.spec ?? {};
                const where = `${np.props.metadata?.namespace}/${np.props.metadata?.name}`;
                const types = policyTypesOf(spec);
                for (const [dir, key, peers] of [["Ingress", "ingress", "from"], ["Egress", "egress", "to"]] as const) {
                    if (!types.includes(dir)) continue;
                    (spec[key] ?? []).forEach((rule: Props, i: number) => {
                        const why = allowAllReason(rule, peers, isEmpty(spec.podSelector ?? {}));
                        if (why) report(`NetworkPolicy ${where} admits all ${key} (spec.${key}[${i}] = ${q(rule)}: ${why}), which cancels the namespace's default deny for the pods it selects; name the peers and ports the flow needs.`, np.urn);
                    });
                }
            }
        },
    },
    {
        name: "kueue-localqueue-own-clusterqueue",
        description: "A team's LocalQueue feeds the ClusterQueue that admits its namespace, never another team's quota.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const cqs = new Map(args.resources.filter((r) => /kueue\.x-k8s\.io\/v1beta\d:ClusterQueue$/.test(r.type)).map((r) => [r.props.metadata?.name, r]));
            for (const lq of args.resources.filter((r) => /kueue\.x-k8s\.io\/v1beta\d:LocalQueue$/.test(r.type))) {
                const ns = lq.props.metadata?.namespace;
                const target = lq.props.spec?.clusterQueue;
                const cq = cqs.get(target);
                const where = `LocalQueue ${ns}/${lq.props.metadata?.name}`;
                if (!cq) { report(`${where} must point at a ClusterQueue of the stack (spec.clusterQueue ${q(target)} is not one).`, lq.urn); continue; }
                const sel = cq.props.spec?.namespaceSelector ?? {};
                const name = sel.matchLabels?.["kubernetes.io/metadata.name"];
                const inExpr = (sel.matchExpressions ?? []).find((e: Props) => e.key === "kubernetes.io/metadata.name" && e.operator === "In");
                const admits = name === ns || (inExpr?.values ?? []).includes(ns);
                if (!admits) report(`${where} must point at its own team's ClusterQueue (spec.clusterQueue ${q(target)} admits ${q(name ?? inExpr?.values ?? sel)}, not ${q(ns)}).`, lq.urn);
            }
        },
    },
];
