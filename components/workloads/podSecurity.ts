// The restricted Pod Security profile, in one place for every workload the platform runs.

/** Container settings the `restricted` Pod Security Standard requires, plus a read-only root filesystem. */
export const RESTRICTED_CONTAINER = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" as const },
};

/** Pod-level settings: a fixed non-root user, and volumes writable by its group. */
export function restrictedPod(uid: number) {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        seccompProfile: { type: "RuntimeDefault" as const },
    };
}

/** Spread replicas across zones first, then nodes; preferred, so small dev clusters still schedule. */
export function spreadAcrossZones(matchLabels: Record<string, string>) {
    return [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" as const, labelSelector: { matchLabels } },
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" as const, labelSelector: { matchLabels } },
    ];
}
