// Stack-wide rules: relations between resources, checked on the whole plan (validateStack).
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { byType, podSpecOf, Props, TYPES } from "./util";

const ns = (r: PolicyResource) => r.props.metadata?.namespace;
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
    !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

interface Serving { minReplicas: number }

export const stackPolicies: StackValidationPolicy[] = [
    {
        name: "stack-serving-hpa-and-pdb",
        description: "Every serving workload autoscales and survives node drains: an HPA targets it and a PDB covers its pods.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { minReplicas: { type: "integer", minimum: 1, default: 2 } } },
        validateStack: (args, report) => {
            const { minReplicas } = args.getConfig<Serving>();
            const workloads = [...byType(args.resources, TYPES.rollout), ...byType(args.resources, TYPES.deployment)]
                .filter((w) => w.props.spec?.template?.metadata?.labels?.["mlops.platform/workload"] === "serving");
            for (const w of workloads) {
                const name = w.props.metadata?.name;
                const kind = w.type === TYPES.rollout ? "Rollout" : "Deployment";
                const hpa = byType(args.resources, TYPES.hpa).find((h) => ns(h) === ns(w) && h.props.spec?.scaleTargetRef?.kind === kind && h.props.spec?.scaleTargetRef?.name === name);
                if (!hpa) report(`${kind} ${ns(w)}/${name} must have a HorizontalPodAutoscaler targeting it.`, w.urn);
                else if ((hpa.props.spec?.minReplicas ?? 1) < minReplicas) report(`HorizontalPodAutoscaler of ${ns(w)}/${name} must keep at least ${minReplicas} replicas (minReplicas ${hpa.props.spec?.minReplicas ?? 1}).`, hpa.urn);
                const podLabels = w.props.spec?.template?.metadata?.labels;
                const pdb = byType(args.resources, TYPES.pdb).find((p) => ns(p) === ns(w) && matches(p.props.spec?.selector?.matchLabels, podLabels));
                if (!pdb) report(`${kind} ${ns(w)}/${name} must have a PodDisruptionBudget whose selector matches its pods.`, w.urn);
            }
        },
    },
    {
        name: "stack-namespace-guardrails",
        description: "Every namespace the stack creates has a ResourceQuota, a LimitRange and a default-deny NetworkPolicy.",
        enforcementLevel: "mandatory",
        // No exemptions: the platform's own namespaces start from default deny like every team's.
        validateStack: (args, report) => {
            const isDefaultDeny = (p: Props) => {
                const s = p.spec ?? {};
                const types: string[] = s.policyTypes ?? [];
                return Object.keys(s.podSelector ?? { x: 1 }).length === 0 && types.includes("Ingress") && types.includes("Egress") && !(s.ingress?.length) && !(s.egress?.length);
            };
            for (const n of byType(args.resources, TYPES.namespace)) {
                const name = n.props.metadata?.name;
                const inNs = (type: string) => byType(args.resources, type).filter((r) => ns(r) === name);
                if (inNs(TYPES.resourceQuota).length === 0) report(`Namespace ${name} must have a ResourceQuota.`, n.urn);
                if (inNs(TYPES.limitRange).length === 0) report(`Namespace ${name} must have a LimitRange.`, n.urn);
                if (!inNs(TYPES.networkPolicy).some((p) => isDefaultDeny(p.props))) report(`Namespace ${name} must have a default-deny NetworkPolicy (all pods, Ingress and Egress, no rules).`, n.urn);
            }
        },
    },
    {
        name: "stack-batch-through-kueue",
        description: "Batch work in a team namespace waits in its Kueue queue instead of taking capacity (or failing) outside the team's quota.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const queued = new Set(byType(args.resources, "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue").map((q) => ns(q)));
            for (const w of [...byType(args.resources, "kubernetes:batch/v1:Job"), ...byType(args.resources, TYPES.cronJob)]) {
                if (!queued.has(ns(w))) continue;
                const labels = w.type === TYPES.cronJob ? w.props.spec?.jobTemplate?.metadata?.labels : w.props.metadata?.labels;
                if (!labels?.["kueue.x-k8s.io/queue-name"]) report(`${w.props.metadata?.kind ?? w.type.split(":").pop()} ${ns(w)}/${w.props.metadata?.name} must name a LocalQueue (label kueue.x-k8s.io/queue-name).`, w.urn);
            }
        },
    },
    {
        name: "stack-flex-start-through-kueue",
        description: "Flex-start nodes come only through ProvisioningRequests: a pod aimed at them outside Kueue waits forever.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const flexPools = new Set(byType(args.resources, TYPES.nodePool)
                .filter((p) => p.props.queuedProvisioning?.enabled === true)
                .map((p) => p.props.nodeConfig?.labels?.["mlops.platform/pool"]));
            for (const w of args.resources) {
                const pod = podSpecOf(w.type, w.props);
                const pool = pod?.nodeSelector?.["mlops.platform/pool"];
                if (!pool || !flexPools.has(pool)) continue;
                const labels = { ...w.props.metadata?.labels, ...w.props.spec?.jobTemplate?.metadata?.labels };
                if (!labels["kueue.x-k8s.io/queue-name"]) report(`${w.props.metadata?.namespace}/${w.props.metadata?.name} runs on the flex-start pool ${pool} and must be submitted through Kueue (label kueue.x-k8s.io/queue-name).`, w.urn);
            }
        },
    },
    {
        name: "stack-helm-chart-pinned",
        description: "A chart upgrade is a reviewed change, not a side effect of the next deploy.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            for (const r of args.resources) {
                const version = r.type === TYPES.helmRelease ? r.props.version : r.type === "kubernetes-cert-manager:index:CertManager" ? r.props.helmOptions?.version : null;
                if (version === null) continue;
                if (typeof version !== "string" || !/^v?\d+\.\d+\.\d+$/.test(version)) report(`Helm chart of ${r.name} must be pinned to an exact version (got ${JSON.stringify(version)}).`, r.urn);
            }
        },
    },
    {
        name: "stack-stateful-resources-protected",
        description: "Databases and buckets hold data that a `pulumi destroy` must not take.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            for (const r of [...byType(args.resources, TYPES.sqlInstance), ...byType(args.resources, TYPES.bucket)]) {
                if (!r.opts.protect) report(`${r.type.split(":").pop()} ${r.name} must be protected (Pulumi protect).`, r.urn);
            }
        },
    },
];
