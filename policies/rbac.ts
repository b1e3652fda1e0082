// Kubernetes RBAC and service-account tokens: least privilege inside the cluster.
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { EXEMPTIONS_SCHEMA, forEachContainer, ofTypes, podSpecOf, Props, WORKLOAD_TYPES } from "./util";

const q = JSON.stringify;
const ROLE_TYPES = ["kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"];
const BINDING_TYPES = ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"];
/** Verbs that escalate beyond the rule itself. */
const ESCALATING_VERBS = ["escalate", "bind", "impersonate"];
const ADMIN_ROLES = ["cluster-admin", "admin", "edit"];
const BROAD_GROUPS = ["system:authenticated", "system:unauthenticated", "system:anonymous", "system:serviceaccounts"];

export const rbacPolicies: ResourceValidationPolicy[] = [
    {
        name: "k8s-rbac-no-wildcards",
        description: "Roles name the API groups, resources and verbs they need: a wildcard grants whatever is added later, and escalate, bind and impersonate grant everything.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes(ROLE_TYPES, (p, args, report) => {
            const kind = args.type.split(":").pop();
            (p.rules ?? []).forEach((r: Props, i: number) => {
                for (const field of ["apiGroups", "resources", "verbs", "nonResourceURLs"]) {
                    if ((r[field] ?? []).some((x: string) => x === "*" || x.endsWith("/*"))) report(`${kind} ${p.metadata?.namespace ?? ""}/${p.metadata?.name} must not use a wildcard (rules[${i}].${field} = ${q(r[field])}); list what is needed.`);
                }
                const bad = (r.verbs ?? []).filter((v: string) => ESCALATING_VERBS.includes(v));
                if (bad.length) report(`${kind} ${p.metadata?.namespace ?? ""}/${p.metadata?.name} must not grant ${bad.join(", ")} (rules[${i}].verbs = ${q(r.verbs)}).`);
                if ((r.resources ?? []).includes("secrets") && (r.verbs ?? []).some((v: string) => ["get", "list", "watch"].includes(v)) && !(r.resourceNames?.length)) {
                    report(`${kind} ${p.metadata?.namespace ?? ""}/${p.metadata?.name} must not read every Secret of its scope (rules[${i}] on secrets without resourceNames).`);
                }
            });
        }),
    },
    {
        name: "k8s-rbac-no-admin-bindings",
        description: "Nothing is bound to cluster-admin, admin or edit, and no binding names every authenticated (or anonymous) user.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes(BINDING_TYPES, (p, args, report) => {
            const kind = args.type.split(":").pop();
            const where = `${kind} ${p.metadata?.namespace ?? ""}/${p.metadata?.name}`;
            if (p.roleRef?.kind === "ClusterRole" && ADMIN_ROLES.includes(p.roleRef?.name)) report(`${where} must not bind the built-in ClusterRole ${p.roleRef.name} (roleRef ${q(p.roleRef)}); bind a Role with the verbs needed.`);
            for (const s of p.subjects ?? []) if (s.kind === "Group" && BROAD_GROUPS.includes(s.name)) report(`${where} must not bind the group ${s.name} (subjects); name the service accounts.`);
        }),
    },
];

/** A pod's effective token automount: its own field, else its service account's, else true. */
function automounts(pod: Props, sa: PolicyResource | undefined): boolean {
    return pod.automountServiceAccountToken ?? sa?.props.automountServiceAccountToken ?? true;
}

export const rbacStackPolicies: StackValidationPolicy[] = [
    {
        name: "k8s-sa-token-only-where-needed",
        description: "A pod mounts a Kubernetes API token only when its service account is bound to a Role: a stolen token of a pod that never calls the API is pure risk.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const bound = new Set<string>();
            for (const b of args.resources.filter((r) => BINDING_TYPES.includes(r.type))) {
                for (const s of b.props.subjects ?? []) if (s.kind === "ServiceAccount") bound.add(`${s.namespace ?? b.props.metadata?.namespace}/${s.name}`);
            }
            const sas = new Map(args.resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount").map((r) => [`${r.props.metadata?.namespace}/${r.props.metadata?.name}`, r]));
            for (const w of args.resources.filter((r) => WORKLOAD_TYPES.includes(r.type))) {
                const pod = podSpecOf(w.type, w.props);
                if (!pod) continue;
                const key = `${w.props.metadata?.namespace}/${pod.serviceAccountName ?? "default"}`;
                if (automounts(pod, sas.get(key)) && !bound.has(key)) {
                    report(`${w.type.split(":").pop()} ${w.props.metadata?.namespace}/${w.props.metadata?.name} must not mount a service-account token (automountServiceAccountToken is ${q(pod.automountServiceAccountToken)} on the pod, ${q(sas.get(key)?.props.automountServiceAccountToken)} on ${key}, which no RoleBinding names); set automountServiceAccountToken: false.`, w.urn);
                }
            }
        },
    },
];

export const hostPortPolicy: ResourceValidationPolicy = {
    name: "k8s-no-host-ports",
    description: "A hostPort opens the port on the node's address, around Services and NetworkPolicies.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...EXEMPTIONS_SCHEMA } },
    validateResource: forEachContainer((c, _pod, props, report) => {
        for (const port of c.spec.ports ?? []) if (port.hostPort) report(`${c.kind} ${c.name} of ${props.metadata?.namespace}/${props.metadata?.name} must not use hostPort ${port.hostPort} (ports[${q(port.name ?? port.containerPort)}]); expose it through a Service.`);
    }),
};
