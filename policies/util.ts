// Shared helpers of the policy pack: type matching and pod-spec extraction. No Pulumi provider SDKs are
// loaded: policies match the engine's type tokens, which keeps the analyzer quick to start.
import { PolicyResource, ReportViolation, ResourceValidation, ResourceValidationArgs, validateResourceOfType } from "@pulumi/policy";
import type { Resource } from "@pulumi/pulumi";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

type Check = (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void;

/**
 * What @pulumi/policy reads of a provider SDK's resource class: its type token (`__pulumiType`). Stands in for the
 * class, which this pack does not load.
 */
function classOfType(type: string): new (name: string, args: Props) => Resource {
    return class {
        static readonly __pulumiType = type;
    } as unknown as new (name: string, args: Props) => Resource;
}

/**
 * Validates resources of the given type tokens only. A single type goes through `validateResourceOfType`, which
 * marks the check with the type: @pulumi/policy then skips a resource of any other type without decoding its
 * properties, which it otherwise does for every resource and every policy.
 */
export function ofTypes(types: string[], check: Check): ResourceValidation {
    if (types.length === 1) return validateResourceOfType(classOfType(types[0]), check);
    return (args: ResourceValidationArgs, report: ReportViolation) => {
        if (types.includes(args.type)) check(args.props, args, report);
    };
}

export const TYPES = {
    cluster: "gcp:container/cluster:Cluster",
    nodePool: "gcp:container/nodePool:NodePool",
    binaryAuthorizationPolicy: "gcp:binaryauthorization/policy:Policy",
    cryptoKey: "gcp:kms/cryptoKey:CryptoKey",
    bucket: "gcp:storage/bucket:Bucket",
    sqlInstance: "gcp:sql/databaseInstance:DatabaseInstance",
    serviceAccountKey: "gcp:serviceaccount/key:Key",
    helmRelease: "kubernetes:helm.sh/v3:Release",
    namespace: "kubernetes:core/v1:Namespace",
    service: "kubernetes:core/v1:Service",
    resourceQuota: "kubernetes:core/v1:ResourceQuota",
    limitRange: "kubernetes:core/v1:LimitRange",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    deployment: "kubernetes:apps/v1:Deployment",
    rollout: "kubernetes:argoproj.io/v1alpha1:Rollout",
    cronJob: "kubernetes:batch/v1:CronJob",
} as const;

/** Kubernetes workload types and where their pod spec is. */
const POD_SPEC_PATHS: Record<string, string[]> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    "kubernetes:argoproj.io/v1alpha1:Rollout": ["spec", "template", "spec"],
};
export const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATHS);
/** Workloads that run until stopped (as opposed to run-to-completion Jobs). */
export const LONG_RUNNING_TYPES = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet", "kubernetes:argoproj.io/v1alpha1:Rollout"];

/** The resources of one type, for whole-stack rules. */
export function byType(resources: PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}

export function podSpecOf(type: string, props: Props): Props | undefined {
    return POD_SPEC_PATHS[type]?.reduce<Props | undefined>((o, k) => o?.[k], props);
}

/** Analysis templates: each `job` metric's pod runs in the Rollout's namespace during a release. */
const ANALYSIS_TEMPLATE_TYPES = ["kubernetes:argoproj.io/v1alpha1:AnalysisTemplate", "kubernetes:argoproj.io/v1alpha1:ClusterAnalysisTemplate"];

/** Every pod spec a resource carries: a workload's one, or an analysis template's Job pods. */
export function podSpecsOf(type: string, props: Props): Props[] {
    if (ANALYSIS_TEMPLATE_TYPES.includes(type)) return (props.spec?.metrics ?? []).flatMap((m: Props) => m.provider?.job?.spec?.template?.spec ?? []);
    const pod = podSpecOf(type, props);
    return pod ? [pod] : [];
}

/** `namespace/name` of a Kubernetes object, as exemptions name it. */
export function objectName(props: Props): string {
    return `${props.metadata?.namespace ?? ""}/${props.metadata?.name ?? ""}`;
}

export interface Container {
    name: string;
    kind: "container" | "init container";
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    spec: Record<string, any>;
}

export function containersOf(pod: Props): Container[] {
    return [
        ...(pod.initContainers ?? []).map((c: Props) => ({ name: c.name, kind: "init container" as const, spec: c })),
        ...(pod.containers ?? []).map((c: Props) => ({ name: c.name, kind: "container" as const, spec: c })),
    ];
}

/** Config shared by workload rules: workloads (`namespace/name`) a rule does not apply to, with reasons kept in the config file. */
export interface Exemptions {
    exemptWorkloads: string[];
}

export const EXEMPTIONS_SCHEMA = {
    exemptWorkloads: {
        type: "array" as const,
        items: { type: "string" as const },
        // None by default: each stack's config file exempts a workload from the named rules only (README, Policies).
        default: [],
    },
};

/** Runs `check` on each container of a workload that is not exempt. */
export function forEachContainer(check: (c: Container, pod: Props, props: Props, report: ReportViolation, args: ResourceValidationArgs) => void) {
    return ofTypes([...WORKLOAD_TYPES, ...ANALYSIS_TEMPLATE_TYPES], (props, args, report) => {
        if (args.getConfig<Exemptions>().exemptWorkloads.includes(objectName(props))) return;
        for (const pod of podSpecsOf(args.type, props)) for (const c of containersOf(pod)) check(c, pod, props, report, args);
    });
}

/** Runs `check` on the pod spec of a workload that is not exempt. */
export function forEachPod(check: (pod: Props, props: Props, args: ResourceValidationArgs, report: ReportViolation) => void) {
    return ofTypes([...WORKLOAD_TYPES, ...ANALYSIS_TEMPLATE_TYPES], (props, args, report) => {
        if (args.getConfig<Exemptions>().exemptWorkloads.includes(objectName(props))) return;
        for (const pod of podSpecsOf(args.type, props)) check(pod, props, args, report);
    });
}
