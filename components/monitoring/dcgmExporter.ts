// NVIDIA DCGM on GKE GPU nodes: one DaemonSet whose pods run the DCGM host engine (nv-hostengine) as a
// native sidecar bound to the pod's own loopback, and dcgm-exporter reading it at 127.0.0.1. Pure builders.
//
// Why a host engine beside the exporter rather than the exporter's embedded one: in embedded mode the exporter
// itself opens the GPUs, so the process serving :9400 to the cluster would have to be privileged. Here only the
// host engine is (GKE exposes /dev/nvidia* to a pod only with a GPU request, which would take a GPU from
// workloads), and the network-facing exporter holds no capability at all. Bound to 127.0.0.1 inside the pod's
// network namespace, the unauthenticated DCGM API is reachable from this pod's containers only: no hostPort, no
// hostNetwork, nothing on the node's IP.
// Why not GKE's managed DCGM metrics: they are collected by Managed Service for Prometheus into Cloud Monitoring,
// which this cluster disables (monitoringConfig.managedPrometheus) since the platform runs its own Prometheus.
import type * as k8s from "@pulumi/kubernetes";
import { GPU_TAINT, QUEUED_PROVISIONING_TAINT } from "../gke/nodeConfig";
import { PRIORITIES } from "../workloads/priorities";

// Checked: NVIDIA/gpu-operator tag v25.3.1, deployments/gpu-operator/values.yaml pins both images as a pair
// (dcgm 4.2.3-1-ubuntu22.04, dcgm-exporter 4.2.3-4.1.3-ubuntu22.04); NVIDIA/dcgm-exporter has tag 4.2.3-4.1.3.
export const DCGM_IMAGE = "nvcr.io/nvidia/cloud-native/dcgm:4.2.3-1-ubuntu22.04";
export const DCGM_EXPORTER_IMAGE = "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04";
export const DCGM_EXPORTER_PORT = 9400;
/** nv-hostengine's port, on the pod's loopback only. */
export const DCGM_HOSTENGINE_PORT = 5555;
const LOOPBACK = "127.0.0.1";


/** Where GKE installs the NVIDIA driver on GPU nodes, and where the host engine sees it. */
const DRIVER = { hostPath: "/home/kubernetes/bin/nvidia", mountPath: "/usr/local/nvidia" };
const POD_RESOURCES = "/var/lib/kubelet/pod-resources";

export function dcgmLabels(component: string): Record<string, string> {
    return { "app.kubernetes.io/name": "nvidia-dcgm", "app.kubernetes.io/component": component, "app.kubernetes.io/part-of": "mlops-platform" };
}

type Container = k8s.types.input.core.v1.Container;

/** Requests and limits of each of the two DCGM containers. */
export const DCGM_CONTAINER_RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } };

/** A TCP connect to the host engine on loopback: kubelet's own tcpSocket probe dials the pod IP, where nothing listens. */
const hostEngineListening = { exec: { command: ["bash", "-c", `exec 3<>/dev/tcp/${LOOPBACK}/${DCGM_HOSTENGINE_PORT}`] } };

/**
 * The host engine, privileged by necessity (it opens the GPU devices and reads profiling counters). A native
 * sidecar (init container, restartPolicy Always): the exporter starts only once its startup probe passes, since
 * the exporter exits when no host engine answers (NVIDIA/dcgm-exporter 4.2.3-4.1.3,
 * internal/pkg/dcgmprovider/dcgm.go).
 */
export function dcgmHostEngineContainer(): Container {
    return {
        name: "nv-hostengine",
        image: DCGM_IMAGE,
        restartPolicy: "Always",
        // The image's CMD binds 0.0.0.0; bind loopback. -n: no daemon, so no PID file under /var/run; -f -: log to
        // stdout, not /var/log. Checked: NVIDIA/DCGM tag v4.2.3, docker/Dockerfile.ubuntu22.04 and
        // hostengine/src/HostEngineCommandLine.cpp (-b, -p, -n, --log-level, -f) and hostengine/src/main.cpp.
        command: ["nv-hostengine"],
        args: ["-n", "-b", LOOPBACK, "-p", String(DCGM_HOSTENGINE_PORT), "--log-level", "ERROR", "-f", "-"],
        env: [{ name: "LD_LIBRARY_PATH", value: `${DRIVER.mountPath}/lib64` }],
        // Privileged implies every capability and no seccomp filter, whatever the pod asks; nothing to add here.
        securityContext: { privileged: true, readOnlyRootFilesystem: true },
        resources: DCGM_CONTAINER_RESOURCES,
        startupProbe: { ...hostEngineListening, periodSeconds: 5, failureThreshold: 60 },
        livenessProbe: { ...hostEngineListening, periodSeconds: 30, timeoutSeconds: 5 },
        volumeMounts: [
            { name: "nvidia-driver", mountPath: DRIVER.mountPath, readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
        ],
    };
}

/**
 * The exporter: reads the host engine at 127.0.0.1, labels each GPU's metrics with the pod using it (from the
 * kubelet's pod-resources socket), and holds no capability.
 */
export function dcgmExporterContainer(): Container {
    return {
        name: "dcgm-exporter",
        image: DCGM_EXPORTER_IMAGE,
        // Not the image's entrypoint: it runs `ldconfig` under `set -e`, which fails on a read-only root, then tries
        // setcap for SYS_ADMIN, which only the embedded host engine needs. The image built its linker cache already.
        // Checked: NVIDIA/dcgm-exporter tag 4.2.3-4.1.3, docker/dcgm-exporter-entrypoint.sh, docker/Dockerfile.ubuntu.
        command: ["/usr/bin/dcgm-exporter"],
        // Setting --remote-hostengine-info is what selects remote mode (pkg/cmd/app.go: UseRemoteHE = IsSet).
        // GKE names devices nvidia0, nvidia0/gi0 (MIG) or nvidia0/vgpu0 (time-sharing): map by device name.
        args: [
            "--remote-hostengine-info", `${LOOPBACK}:${DCGM_HOSTENGINE_PORT}`,
            "--address", `:${DCGM_EXPORTER_PORT}`,
            "--kubernetes", "--kubernetes-gpu-id-type", "device-name",
        ],
        // The `Hostname` label the dashboards group by is $NODE_NAME when set, else the pod's name
        // (internal/pkg/hostname/hostname.go).
        env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
        ports: [{ name: "metrics", containerPort: DCGM_EXPORTER_PORT }],
        // Root, for the kubelet's root-only pod-resources socket; no capability, no escalation, nothing writable.
        securityContext: {
            runAsNonRoot: false, runAsUser: 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
        },
        resources: DCGM_CONTAINER_RESOURCES,
        readinessProbe: { httpGet: { path: "/health", port: DCGM_EXPORTER_PORT }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: "/health", port: DCGM_EXPORTER_PORT }, periodSeconds: 30 },
        volumeMounts: [{ name: "pod-resources", mountPath: POD_RESOURCES, readOnly: true }],
    };
}

/**
 * The DCGM DaemonSet: on GPU nodes only (GKE labels them with their accelerator), tolerating the GPU taint and
 * the queued-provisioning taint of flex-start pools, at the platform's critical priority.
 */
export function dcgmExporterSpec(): k8s.types.input.apps.v1.DaemonSetSpec {
    const labels = dcgmLabels("exporter");
    return {
        selector: { matchLabels: labels },
        updateStrategy: { type: "RollingUpdate" },
        template: {
            metadata: { labels },
            spec: {
                affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "cloud.google.com/gke-accelerator", operator: "Exists" }] }] } } },
                tolerations: [
                    { key: GPU_TAINT.key, operator: "Exists", effect: "NoSchedule" },
                    { key: QUEUED_PROVISIONING_TAINT.key, operator: "Exists", effect: QUEUED_PROVISIONING_TAINT.effect },
                ],
                // Not system-node-critical: GKE admits that class outside kube-system only under a quota scoped to it.
                priorityClassName: PRIORITIES.platformCritical.name,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                initContainers: [dcgmHostEngineContainer()],
                containers: [dcgmExporterContainer()],
                volumes: [
                    // Directory: wait for GKE's driver installer instead of mounting an empty directory.
                    { name: "nvidia-driver", hostPath: { path: DRIVER.hostPath, type: "Directory" } },
                    { name: "pod-resources", hostPath: { path: POD_RESOURCES, type: "Directory" } },
                    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                ],
            },
        },
    };
}
