// Releases and model endpoints: external endpoints are never open, traffic-split releases are analysed, and a
// shadow candidate cannot write to production stores. Stack-wide: each rule follows references between objects
// (route -> Gateway, route -> Service -> backend policy, mirror -> Rollout -> service account -> IAM grants).
import { StackValidationPolicy } from "@pulumi/policy";
import { byType } from "./util";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;

const T = {
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    backendPolicy: "kubernetes:networking.gke.io/v1:GCPBackendPolicy",
    rollout: "kubernetes:argoproj.io/v1alpha1:Rollout",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    gsa: "gcp:serviceaccount/account:Account",
};
const meta = (p: Props) => ({ ns: p.metadata?.namespace as string | undefined, name: p.metadata?.name as string | undefined });
const id = (p: Props) => `${meta(p).ns}/${meta(p).name}`;
/** A value that may be unknown until deployment (the SDK throws on reading it): undefined then. */
function known<V>(read: () => V): V | undefined {
    try {
        return read();
    } catch {
        return undefined;
    }
}

/** The Gateways a route attaches to, as `<namespace>/<name>` (parentRefs default to the route's namespace). */
const parentsOf = (route: Props): string[] =>
    (route.spec?.parentRefs ?? []).filter((r: Props) => (r.kind ?? "Gateway") === "Gateway").map((r: Props) => `${r.namespace ?? meta(route).ns}/${r.name}`);

/** Every Service a route sends requests to: its backends and its mirror targets. */
function servicesOf(route: Props): string[] {
    const out = new Set<string>();
    for (const rule of route.spec?.rules ?? []) {
        for (const b of rule.backendRefs ?? []) if ((b.kind ?? "Service") === "Service") out.add(b.name);
        for (const f of rule.filters ?? []) if (f.type === "RequestMirror" && f.requestMirror?.backendRef?.name) out.add(f.requestMirror.backendRef.name);
    }
    return [...out];
}

interface ExternalClasses { externalGatewayClasses: string[] }
interface ReadOnlyRoles { readOnlyRoles: string[] }

export const trafficPolicies: StackValidationPolicy[] = [
    {
        name: "stack-external-endpoint-tls-and-auth",
        description: "Every Gateway of an external GatewayClass serves HTTPS only, with a certificate, and every Service behind its routes authenticates callers (IAP or a Cloud Armor policy).",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                externalGatewayClasses: {
                    type: "array", items: { type: "string" },
                    default: ["gke-l7-global-external-managed", "gke-l7-regional-external-managed", "gke-l7-gxlb", "gke-l7-global-external-managed-mc", "gke-l7-regional-external-managed-mc", "gke-l7-gxlb-mc"],
                },
            },
        },
        validateStack: (args, report) => {
            const { externalGatewayClasses } = args.getConfig<ExternalClasses>();
            const external = byType(args.resources, T.gateway).filter((g) => externalGatewayClasses.includes(g.props.spec?.gatewayClassName));
            for (const g of external) {
                const certmap = !!g.props.metadata?.annotations?.["networking.gke.io/certmap"];
                for (const l of g.props.spec?.listeners ?? []) {
                    if (l.protocol !== "HTTPS") report(`Gateway ${id(g.props)} is external: listener ${l.name} must be HTTPS (got ${l.protocol}).`, g.urn);
                    else if (!certmap && !(l.tls?.certificateRefs?.length > 0)) report(`Gateway ${id(g.props)} is external: listener ${l.name} must carry a certificate (tls.certificateRefs or a networking.gke.io/certmap annotation).`, g.urn);
                }
                const routes = byType(args.resources, T.route).filter((r) => parentsOf(r.props).includes(id(g.props)));
                for (const r of routes) {
                    for (const svc of servicesOf(r.props)) {
                        const policy = byType(args.resources, T.backendPolicy).find((p) => meta(p.props).ns === meta(r.props).ns
                            && p.props.spec?.targetRef?.kind === "Service" && p.props.spec?.targetRef?.name === svc);
                        const d = policy?.props.spec?.default ?? {};
                        if (!(d.iap?.enabled === true || (typeof d.securityPolicy === "string" && d.securityPolicy.length > 0))) {
                            report(`Service ${meta(r.props).ns}/${svc} behind external Gateway ${id(g.props)} (route ${meta(r.props).name}) must have a GCPBackendPolicy enabling IAP or naming a Cloud Armor securityPolicy.`, r.urn);
                        }
                    }
                }
            }
        },
    },
    {
        name: "stack-traffic-split-has-analysis",
        description: "Every release that moves traffic (a canary Rollout with traffic routing, or blue-green) runs analysis before it finishes.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            for (const r of byType(args.resources, T.rollout)) {
                const s = r.props.spec?.strategy ?? {};
                if (s.canary?.trafficRouting) {
                    const steps: Props[] = s.canary.steps ?? [];
                    const analysed = !!s.canary.analysis?.templates?.length || steps.some((x) => x.analysis?.templates?.length || x.experiment?.analyses?.length);
                    if (!analysed) report(`Rollout ${id(r.props)} splits traffic: its canary must run analysis (an analysis or experiment step, or background analysis).`, r.urn);
                } else if (s.blueGreen && !(s.blueGreen.prePromotionAnalysis?.templates?.length)) {
                    report(`Rollout ${id(r.props)} switches traffic: its blue-green strategy must have prePromotionAnalysis.`, r.urn);
                }
            }
        },
    },
    {
        name: "stack-shadow-no-production-writes",
        description: "A shadow candidate (the Rollout behind a route's RequestMirror target) runs as a service account with no write grant: mirrored requests must not change production data.",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                readOnlyRoles: {
                    type: "array", items: { type: "string" },
                    default: ["roles/storage.objectViewer", "roles/storage.legacyObjectReader", "roles/bigquery.dataViewer", "roles/artifactregistry.reader", "roles/logging.logWriter", "roles/monitoring.metricWriter"],
                },
            },
        },
        validateStack: (args, report) => {
            const { readOnlyRoles } = args.getConfig<ReadOnlyRoles>();
            const mirrored = byType(args.resources, T.route).flatMap((r) => (r.props.spec?.rules ?? []).flatMap((rule: Props) => (rule.filters ?? [])
                .filter((f: Props) => f.type === "RequestMirror").map((f: Props) => ({ ns: meta(r.props).ns, service: f.requestMirror?.backendRef?.name as string }))));
            for (const m of mirrored) {
                const rollout = byType(args.resources, T.rollout).find((r) => meta(r.props).ns === m.ns && r.props.spec?.strategy?.canary?.canaryService === m.service);
                if (!rollout) continue;
                const ksaName = rollout.props.spec?.template?.spec?.serviceAccountName ?? "default";
                const ksa = byType(args.resources, T.serviceAccount).find((s) => meta(s.props).ns === m.ns && meta(s.props).name === ksaName);
                // The Google service account behind it: by email when known, else by the resource the annotation comes from.
                const email = known(() => ksa?.props.metadata?.annotations?.["iam.gke.io/gcp-service-account"]);
                const gsaUrns = new Set((ksa?.dependencies ?? []).filter((d) => args.resources.some((x) => x.urn === d.urn && x.type === T.gsa)).map((d) => d.urn));
                const principal = new RegExp(`(\\[${m.ns}/${ksaName}\\]|/ns/${m.ns}/sa/${ksaName})$`);
                for (const g of args.resources.filter((x) => /iam(member|binding)$/i.test(x.type) && x.type !== "gcp:serviceaccount/iAMMember:IAMMember")) {
                    const members: string[] = [known(() => g.props.member), ...(known(() => g.props.members) ?? [])].filter((x) => typeof x === "string");
                    const isCandidate = members.some((x) => (typeof email === "string" && x === `serviceAccount:${email}`) || principal.test(x))
                        || g.dependencies.some((d) => gsaUrns.has(d.urn));
                    const role = known(() => g.props.role);
                    if (isCandidate && !readOnlyRoles.includes(role)) {
                        report(`Rollout ${id(rollout.props)} is a shadow candidate (mirror target ${m.service}): its service account ${m.ns}/${ksaName} must not hold write role ${role ?? "(unknown)"} (${g.name}).`, g.urn);
                    }
                }
            }
        },
    },
];
