// NVIDIA DCGM on GKE GPU nodes, the way Google documents it for GKE: a host engine (nv-hostengine) using
// the driver GKE installed under /home/kubernetes/bin/nvidia, and the exporter reading it remotely and
// mapping GPUs to pods through the kubelet's pod-resources API. Pure builders.
import type * as k8s from "@pulumi/kubernetes";
import { GPU_TAINT } from "../gke/nodeConfig";

export const DCGM_IMAGE = "nvcr.io/nvidia/cloud-native/dcgm:4.2.3-1-ubuntu22.04";
export const DCGM_EXPORTER_IMAGE = "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04";
export const DCGM_EXPORTER_PORT = 9400;

/** Only GPU nodes (GKE labels them with their accelerator), tolerating the GPU taint. */
const gpuNodesOnly = {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "cloud.google.com/gke-accelerator", operator: "Exists" }] }] } } },
    tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: "NoSchedule" }, { key: "cloud.google.com/gke-queued", operator: "Exists", effect: "NoSchedule" }],
    priorityClassName: "system-node-critical",
};

const nvidiaVolumes = [
    { name: "nvidia-install-dir-host", hostPath: { path: "/home/kubernetes/bin/nvidia" } },
];

export function dcgmLabels(component: string): Record<string, string> {
    return { "app.kubernetes.io/name": "nvidia-dcgm", "app.kubernetes.io/component": component, "app.kubernetes.io/part-of": "mlops-platform" };
}

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

/** A DaemonSet of one container on GPU nodes only. */
function gpuDaemonSet(component: string, container: Container, volumes: Volume[]): k8s.types.input.apps.v1.DaemonSetSpec {
    const labels = dcgmLabels(component);
    return {
        selector: { matchLabels: labels },
        updateStrategy: { type: "RollingUpdate" },
        template: { metadata: { labels }, spec: { ...gpuNodesOnly, automountServiceAccountToken: false, containers: [container], volumes } },
    };
}

/** The DCGM host engine: privileged by necessity (it talks to the GPU driver). */
export function dcgmHostEngineSpec(): k8s.types.input.apps.v1.DaemonSetSpec {
    return gpuDaemonSet("hostengine", {
        name: "nvidia-dcgm",
        image: DCGM_IMAGE,
        command: ["nv-hostengine", "-n", "-b", "ALL"],
        ports: [{ name: "dcgm", containerPort: 5555, hostPort: 5555 }],
        env: [{ name: "LD_LIBRARY_PATH", value: "/usr/local/nvidia/lib64" }],
        securityContext: { privileged: true },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        readinessProbe: { tcpSocket: { port: 5555 }, periodSeconds: 10 },
        livenessProbe: { tcpSocket: { port: 5555 }, periodSeconds: 30 },
        volumeMounts: [{ name: "nvidia-install-dir-host", mountPath: "/usr/local/nvidia", readOnly: true }],
    }, nvidiaVolumes);
}

/** The exporter: reads the local host engine, labels metrics with namespace, pod and container. */
export function dcgmExporterSpec(): k8s.types.input.apps.v1.DaemonSetSpec {
    return gpuDaemonSet("exporter", {
        name: "dcgm-exporter",
        image: DCGM_EXPORTER_IMAGE,
        args: ["--remote-hostengine-info", "$(NODE_IP):5555", "--kubernetes", "--kubernetes-gpu-id-type", "device-name"],
        env: [
            { name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
            { name: "DCGM_EXPORTER_LISTEN", value: `:${DCGM_EXPORTER_PORT}` },
            { name: "DCGM_EXPORTER_KUBERNETES", value: "true" },
            { name: "LD_LIBRARY_PATH", value: "/usr/local/nvidia/lib64" },
        ],
        ports: [{ name: "metrics", containerPort: DCGM_EXPORTER_PORT }],
        // Reading the kubelet's pod-resources socket needs root; nothing more.
        securityContext: { runAsNonRoot: false, runAsUser: 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        readinessProbe: { httpGet: { path: "/health", port: DCGM_EXPORTER_PORT }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: "/health", port: DCGM_EXPORTER_PORT }, periodSeconds: 30 },
        volumeMounts: [
            { name: "nvidia-install-dir-host", mountPath: "/usr/local/nvidia", readOnly: true },
            { name: "pod-resources", mountPath: "/var/lib/kubelet/pod-resources", readOnly: true },
        ],
    }, [...nvidiaVolumes, { name: "pod-resources", hostPath: { path: "/var/lib/kubelet/pod-resources" } }]);
}
