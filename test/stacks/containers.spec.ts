// Containers start: for every image the platform pins, what its entrypoint needs (user, writable paths, an
// entrypoint that must be bypassed), read at the image's source; every container of both plans is checked
// against it. An image the table does not know fails the test: add its needs, with where they were read.
import * as assert from "node:assert/strict";
import { Plan } from "../../scripts/harness/runPlan";
import { Any, bothPlans } from "../plans";

interface ImageNeeds {
    /** Which images (by repository). */
    match: RegExp;
    /** Where the needs were read. */
    source: string;
    /** The user it must run as: a fixed uid, any non-root uid, or root. */
    user: number | "non-root" | "root";
    /** Paths the process writes: with a read-only root, each must be on a writable volume. */
    writable: string[];
    /** The command that must replace the image's entrypoint (when the entrypoint itself cannot run here). */
    command?: string[];
}

export const IMAGE_NEEDS: ImageNeeds[] = [
    { match: /^ghcr\.io\/mlflow\/mlflow:/, source: "mlflow/mlflow docker/Dockerfile.full: no USER, packages world-readable; the server writes HOME and the Prometheus dir", user: "non-root", writable: ["/tmp", "/tmp/prometheus"] },
    { match: /^ghcr\.io\/optuna\/optuna-dashboard:/, source: "optuna/optuna-dashboard v0.20.0 Dockerfile: python:3.12-slim-bookworm, packages installed as root and world-readable, no USER; gunicorn keeps its worker heartbeat files in the temp dir", user: "non-root", writable: ["/tmp"] },
    { match: /^gcr\.io\/cloud-sql-connectors\/cloud-sql-proxy:/, source: "GoogleCloudPlatform/cloud-sql-proxy v2.25.3 Dockerfile: USER 65532; writes nothing", user: 65532, writable: [] },
    { match: /^registry\.k8s\.io\/kubectl:/, source: "kubernetes/kubernetes build/server-image/kubectl: kubectl caches discovery under $HOME/.kube", user: "non-root", writable: ["/tmp"] },
    // The exporter's image entrypoint (docker/dcgm-exporter-entrypoint.sh) runs ldconfig under `set -e`, which a
    // read-only root refuses; the build already ran ldconfig (docker/Dockerfile.ubuntu), so the binary starts as is.
    // Root: the kubelet's pod-resources socket is root-only.
    { match: /^nvcr\.io\/nvidia\/k8s\/dcgm-exporter:/, source: "NVIDIA/dcgm-exporter 4.2.3-4.1.3 docker/dcgm-exporter-entrypoint.sh, docker/Dockerfile.ubuntu", user: "root", writable: [], command: ["/usr/bin/dcgm-exporter"] },
    // nv-hostengine -n writes no PID file (hostengine/src/main.cpp); -f - logs to stdout; scratch under /tmp.
    { match: /^nvcr\.io\/nvidia\/cloud-native\/dcgm:/, source: "NVIDIA/DCGM v4.2.3 hostengine/src/HostEngineCommandLine.cpp, main.cpp", user: "root", writable: ["/tmp"], command: ["nv-hostengine"] },
    { match: /^us-docker\.pkg\.dev\/[^/]+\/(models|train)\//, source: "the platform's contract for model and training images (README): uid 1000, writes only under /tmp", user: 1000, writable: ["/tmp"] },
];

const WRITABLE_VOLUME = (v: Any) => v && (v.emptyDir !== undefined || v.ephemeral !== undefined || v.persistentVolumeClaim !== undefined);

/** Every pod spec of a plan, with a name for messages (JobSets come from their launcher's ConfigMap). */
export function podSpecs(plan: Plan): { name: string; pod: Any }[] {
    const out: { name: string; pod: Any }[] = [];
    for (const r of plan.resources) {
        const i = r.inputs as Any;
        const kind = i?.kind ?? r.type.split(":").pop();
        const name = `${kind} ${i?.metadata?.namespace}/${i?.metadata?.name ?? r.name}`;
        if (["Deployment", "StatefulSet", "DaemonSet", "Job", "Rollout"].includes(kind)) out.push({ name, pod: i.spec?.template?.spec });
        else if (kind === "CronJob") out.push({ name, pod: i.spec?.jobTemplate?.spec?.template?.spec });
        else if (kind === "AnalysisTemplate") {
            for (const m of i.spec?.metrics ?? []) if (m.provider?.job) out.push({ name: `${name} metric ${m.name}`, pod: m.provider.job.spec.template.spec });
        }
        else if (kind === "ConfigMap") {
            for (const text of Object.values(i.data ?? {})) {
                if (typeof text === "string" && text.trimStart().startsWith("{") && text.includes("\"JobSet\"")) for (const rj of JSON.parse(text).spec.replicatedJobs) out.push({ name: `JobSet ${name}`, pod: rj.template.spec.template.spec });
            }
        }
    }
    return out;
}

/** What keeps a container from starting as its image needs, or nothing. */
export function startProblems(pod: Any, c: Any): string[] {
    const needs = IMAGE_NEEDS.find((n) => n.match.test(c.image));
    if (!needs) return [`image ${c.image} has no entry in IMAGE_NEEDS`];
    const problems: string[] = [];
    const sc = { ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) };
    if (needs.user === "root") {
        if (sc.runAsNonRoot === true) problems.push("its image must run as root, but runAsNonRoot is true");
    } else {
        if (sc.runAsNonRoot !== true || sc.runAsUser === 0 || sc.runAsUser === undefined) problems.push(`must run as a non-root uid (runAsNonRoot ${sc.runAsNonRoot}, runAsUser ${sc.runAsUser})`);
        if (typeof needs.user === "number" && sc.runAsUser !== needs.user) problems.push(`its image runs as ${needs.user}; runAsUser is ${sc.runAsUser}`);
    }
    if (sc.readOnlyRootFilesystem === true) {
        const volumes = new Map((pod.volumes ?? []).map((v: Any) => [v.name, v]));
        const home = (c.env ?? []).find((e: Any) => e.name === "HOME")?.value;
        for (const p of [...needs.writable, ...(home ? [home] : [])]) {
            const m = (c.volumeMounts ?? []).find((vm: Any) => (p === vm.mountPath || p.startsWith(`${vm.mountPath.replace(/\/$/, "")}/`)) && !vm.readOnly && WRITABLE_VOLUME(volumes.get(vm.name)));
            if (!m) problems.push(`writes ${p}, which is on the read-only root filesystem`);
        }
    }
    if (needs.command && JSON.stringify(c.command) !== JSON.stringify(needs.command)) problems.push(`must replace its entrypoint with ${JSON.stringify(needs.command)} (got ${JSON.stringify(c.command)})`);
    return problems;
}

describe("containers start: every pinned image gets what its entrypoint needs", () => {
    let plans: Plan[];
    before(async () => {
        const { dev, prod } = await bothPlans();
        plans = [dev, prod];
    });

    it("every container of both plans runs as its image's user, with its writable paths on volumes", () => {
        const problems: string[] = [];
        let containers = 0;
        for (const plan of plans) {
            for (const { name, pod } of podSpecs(plan)) {
                for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
                    containers++;
                    for (const p of startProblems(pod, c)) problems.push(`${plan.stack}: ${name} container ${c.name}: ${p}`);
                }
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(containers >= 20, `${containers} containers`);
    });

    it("the check bites: a read-only root without the writable path, the wrong user, an unknown image", () => {
        const pod = { securityContext: { runAsNonRoot: true, runAsUser: 1000 }, volumes: [{ name: "tmp", emptyDir: {} }] };
        const c = { name: "m", image: "us-docker.pkg.dev/p/models/x:1", securityContext: { readOnlyRootFilesystem: true }, env: [{ name: "HOME", value: "/home/app" }], volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] };
        assert.deepEqual(startProblems(pod, c), ["writes /home/app, which is on the read-only root filesystem"]);
        assert.deepEqual(startProblems({ ...pod, securityContext: { runAsNonRoot: true, runAsUser: 2000 } }, { ...c, env: [] }), ["its image runs as 1000; runAsUser is 2000"]);
        assert.deepEqual(startProblems(pod, { ...c, image: "docker.io/library/busybox:1" }), ["image docker.io/library/busybox:1 has no entry in IMAGE_NEEDS"]);
        assert.deepEqual(startProblems(pod, { ...c, env: [], volumeMounts: [{ name: "tmp", mountPath: "/tmp", readOnly: true }] }), ["writes /tmp, which is on the read-only root filesystem"]);
    });
});
