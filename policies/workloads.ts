// Kubernetes workloads: Deployments, Rollouts, StatefulSets, DaemonSets, Jobs, CronJobs and Pods.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, EXEMPTIONS_SCHEMA, forEachContainer, forEachPod, LONG_RUNNING_TYPES, ofTypes, Props, TYPES } from "./util";

const withExemptions = { configSchema: { properties: { ...EXEMPTIONS_SCHEMA } } };
const rule = (name: string, description: string, validateResource: ResourceValidationPolicy["validateResource"], extra: Partial<ResourceValidationPolicy> = {}): ResourceValidationPolicy => ({
    name, description, enforcementLevel: "mandatory", validateResource, ...withExemptions, ...extra,
});

const IMAGE_PINNED = /^[^@:\s]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
interface Registries { allowedRegistries: string[] }
interface GpuCap { maxGpusPerPod: number }

/** A container's effective setting: its own securityContext, else the pod's. */
const effective = (c: Props, pod: Props, key: string) => c.securityContext?.[key] ?? pod.securityContext?.[key];

export const workloadPolicies: ResourceValidationPolicy[] = [
    rule("k8s-resources-required", "Requests let the scheduler place pods; limits stop one pod starving a node.", forEachContainer((c, _pod, props, report) => {
        const r = c.spec.resources ?? {};
        for (const kind of ["requests", "limits"]) {
            for (const res of ["cpu", "memory"]) {
                if (r[kind]?.[res] === undefined) report(`${c.kind} ${c.name} of ${props.metadata?.name} must set resources.${kind}.${res}.`);
            }
        }
    })),
    rule("k8s-image-pinned", "A tag other than latest, or a digest, deploys exactly what was reviewed.", forEachContainer((c, _pod, _props, report) => {
        const image: string = c.spec.image ?? "";
        const last = image.split("/").pop() ?? "";
        if (!IMAGE_PINNED.test(image) || (!last.includes(":") && !image.includes("@sha256:")) || /:latest$/.test(image)) {
            report(`${c.kind} ${c.name} must pin its image by tag (not latest) or digest (got ${JSON.stringify(image)}).`);
        }
    })),
    rule("k8s-allowed-registries", "Images come only from registries the platform trusts.", forEachContainer((c, _pod, _props, report, args) => {
        const { allowedRegistries } = args.getConfig<Registries>();
        const image: string = c.spec.image ?? "";
        if (!allowedRegistries.some((prefix) => image.startsWith(prefix))) report(`${c.kind} ${c.name} image ${JSON.stringify(image)} must come from ${allowedRegistries.join(", ")}.`);
    }), {
        configSchema: {
            properties: {
                ...EXEMPTIONS_SCHEMA,
                allowedRegistries: {
                    type: "array", items: { type: "string" },
                    default: ["us-docker.pkg.dev/", "europe-docker.pkg.dev/", "asia-docker.pkg.dev/", "gcr.io/cloud-sql-connectors/", "ghcr.io/mlflow/", "ghcr.io/optuna/", "nvcr.io/nvidia/", "registry.k8s.io/"],
                },
            },
        },
    }),
    rule("k8s-run-as-non-root", "A container escape as root is a node compromise.", forEachContainer((c, pod, _props, report) => {
        if (effective(c.spec, pod, "runAsNonRoot") !== true) report(`${c.kind} ${c.name} must set runAsNonRoot: true.`);
        if (effective(c.spec, pod, "runAsUser") === 0) report(`${c.kind} ${c.name} must not run as user 0.`);
    })),
    rule("k8s-no-privilege-escalation", "setuid binaries must not gain privileges.", forEachContainer((c, _pod, _props, report) => {
        if (c.spec.securityContext?.allowPrivilegeEscalation !== false) report(`${c.kind} ${c.name} must set allowPrivilegeEscalation: false.`);
    })),
    rule("k8s-drop-all-capabilities", "Containers start with no Linux capabilities.", forEachContainer((c, _pod, _props, report) => {
        const caps = c.spec.securityContext?.capabilities ?? {};
        if (!(caps.drop ?? []).includes("ALL")) report(`${c.kind} ${c.name} must drop ALL capabilities.`);
        if ((caps.add ?? []).length > 0) report(`${c.kind} ${c.name} must not add capabilities (${caps.add.join(", ")}).`);
    })),
    rule("k8s-read-only-root-filesystem", "An attacker cannot write tools into the image.", forEachContainer((c, _pod, _props, report) => {
        if (c.spec.securityContext?.readOnlyRootFilesystem !== true) report(`${c.kind} ${c.name} must set readOnlyRootFilesystem: true.`);
    })),
    rule("k8s-seccomp-runtime-default", "The runtime's seccomp profile blocks dangerous syscalls.", forEachContainer((c, pod, _props, report) => {
        const type = c.spec.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        if (type !== "RuntimeDefault" && type !== "Localhost") report(`${c.kind} ${c.name} must use the RuntimeDefault seccomp profile (got ${JSON.stringify(type)}).`);
    })),
    rule("k8s-no-privileged", "A privileged container is root on the node.", forEachContainer((c, _pod, _props, report) => {
        if (c.spec.securityContext?.privileged === true) report(`${c.kind} ${c.name} must not be privileged.`);
    })),
    rule("k8s-no-host-path", "Host paths expose the node's filesystem.", forEachPod((pod, _props, _args, report) => {
        for (const v of pod.volumes ?? []) if (v.hostPath) report(`Volume ${v.name} must not be a hostPath (${v.hostPath.path}).`);
    })),
    rule("k8s-no-host-namespaces", "Sharing the node's network, PID or IPC namespace breaks isolation.", forEachPod((pod, _props, _args, report) => {
        for (const k of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[k] === true) report(`Pods must not set ${k}: true.`);
    })),
    rule("k8s-probes-on-long-running", "Without probes, broken pods keep receiving traffic and are never restarted.", ofTypes(LONG_RUNNING_TYPES, (props, _args, report) => {
        const pod = props.spec?.template?.spec;
        for (const c of pod?.containers ?? []) {
            if (!c.readinessProbe) report(`Container ${c.name} of ${props.metadata?.name} must have a readinessProbe.`);
            if (!c.livenessProbe) report(`Container ${c.name} of ${props.metadata?.name} must have a livenessProbe.`);
        }
    })),
    rule("k8s-gpu-scheduling", "GPU pods must land on GPU nodes of the right kind, and within a per-pod cap.", forEachPod((pod, props, args, report) => {
        const { maxGpusPerPod } = args.getConfig<GpuCap>();
        const gpus = containersOf(pod).reduce((n, c) => n + Number(c.spec.resources?.limits?.["nvidia.com/gpu"] ?? 0), 0);
        if (gpus === 0) return;
        if (gpus > maxGpusPerPod) report(`${props.metadata?.name} requests ${gpus} GPUs per pod; the cap is ${maxGpusPerPod}.`);
        if (!(pod.tolerations ?? []).some((t: Props) => t.key === "nvidia.com/gpu")) report(`${props.metadata?.name} requests GPUs and must tolerate the nvidia.com/gpu taint.`);
        if (!pod.nodeSelector?.["cloud.google.com/gke-accelerator"]) report(`${props.metadata?.name} requests GPUs and must select an accelerator (nodeSelector cloud.google.com/gke-accelerator).`);
    }), { configSchema: { properties: { ...EXEMPTIONS_SCHEMA, maxGpusPerPod: { type: "integer", minimum: 1, default: 8 } } } }),
    rule("k8s-cronjob-forbid-and-deadline", "Overlapping or endless runs double the cost of a GPU job.", ofTypes([TYPES.cronJob], (props, _args, report) => {
        if (props.spec?.concurrencyPolicy !== "Forbid") report(`CronJob ${props.metadata?.name} must set concurrencyPolicy: Forbid.`);
        if (!(props.spec?.jobTemplate?.spec?.activeDeadlineSeconds > 0)) report(`CronJob ${props.metadata?.name} must set jobTemplate.spec.activeDeadlineSeconds.`);
    })),
];

