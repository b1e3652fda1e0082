// Quotas and capacity: every namespace and every queue has a ceiling, including on GPUs.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ofTypes, Props, TYPES } from "./util";

const q = JSON.stringify;
const GPU = "nvidia.com/gpu";
const CLUSTER_QUEUE = ["kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue", "kubernetes:kueue.x-k8s.io/v1beta1:ClusterQueue"];

interface QueueCaps { maxGpuQuota: number }

export const capacityPolicies: ResourceValidationPolicy[] = [
    {
        name: "k8s-quota-caps",
        description: "A namespace's ResourceQuota caps CPU and memory requests and limits, and GPU requests.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.resourceQuota], (p, _args, report) => {
            const hard: Props = p.spec?.hard ?? {};
            const missing = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory", `requests.${GPU}`].filter((k) => hard[k] === undefined);
            if (missing.length) report(`ResourceQuota ${p.metadata?.namespace}/${p.metadata?.name} must cap ${missing.join(", ")} (spec.hard is ${q(hard)}).`);
        }),
    },
    {
        name: "k8s-limitrange-defaults",
        description: "A LimitRange gives every container default CPU and memory requests and limits, so none runs unbounded.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.limitRange], (p, _args, report) => {
            const item = (p.spec?.limits ?? []).find((l: Props) => l.type === "Container");
            const gaps = ["default.cpu", "default.memory", "defaultRequest.cpu", "defaultRequest.memory"].filter((k) => { const [a, b] = k.split("."); return item?.[a]?.[b] === undefined; });
            if (gaps.length) report(`LimitRange ${p.metadata?.namespace}/${p.metadata?.name} must set Container ${gaps.join(", ")} (spec.limits is ${q(p.spec?.limits ?? null)}).`);
        }),
    },
    {
        name: "kueue-clusterqueue-quota",
        description: "A ClusterQueue has quota for CPU, memory and GPUs on every flavor, and its GPU quota is bounded.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { maxGpuQuota: { type: "integer", minimum: 0, default: 64 } } },
        validateResource: ofTypes(CLUSTER_QUEUE, (p, args, report) => {
            const { maxGpuQuota } = args.getConfig<QueueCaps>();
            const name = p.metadata?.name;
            const groups: Props[] = p.spec?.resourceGroups ?? [];
            if (groups.length === 0) { report(`ClusterQueue ${name} must have quota (spec.resourceGroups is empty, so it admits nothing or, in a cohort, only borrows).`); return; }
            const covered = groups.flatMap((g) => g.coveredResources ?? []);
            for (const r of ["cpu", "memory", GPU]) if (!covered.includes(r)) report(`ClusterQueue ${name} must cover ${r} (coveredResources ${q(covered)}): an uncovered resource is not counted, so workloads take it without limit.`);
            groups.forEach((g, gi) => (g.flavors ?? []).forEach((f: Props, fi: number) => (f.resources ?? []).forEach((r: Props, ri: number) => {
                if (r.name !== GPU) return;
                const n = Number(r.nominalQuota);
                if (!Number.isFinite(n) || n > maxGpuQuota) report(`ClusterQueue ${name} must bound its GPU quota (resourceGroups[${gi}].flavors[${fi}].resources[${ri}] ${f.name} nominalQuota ${q(r.nominalQuota)} > ${maxGpuQuota}).`);
            })));
        }),
    },
];
