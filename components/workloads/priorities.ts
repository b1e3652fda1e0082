// Pod priorities of the platform, in one place: platform-critical > serving > batch > experiment.
// The scheduler preempts lower classes to place higher ones; batch and experiments never preempt anyone
// (Kueue preempts them through its own WorkloadPriorityClasses, which carry the same values).

export interface PriorityClassSpec {
    /** Kubernetes PriorityClass name (cluster-scoped; prefixed so it never clashes with GKE's). */
    name: string;
    value: number;
    /** `Never`: pods of this class wait for room instead of evicting others. */
    preemptionPolicy: "PreemptLowerPriority" | "Never";
    description: string;
}

export const PRIORITIES = {
    /** MLflow, controllers (Kueue, JobSet, Argo Rollouts, cert-manager), monitoring, node agents. */
    platformCritical: { name: "mlops-platform-critical", value: 1_000_000, preemptionPolicy: "PreemptLowerPriority", description: "The platform's own services and node agents: scheduled before any model or job." },
    /** Model servers: they may evict batch work, never the platform. */
    serving: { name: "mlops-serving", value: 100_000, preemptionPolicy: "PreemptLowerPriority", description: "Model servers: may preempt batch work, never the platform." },
    /** Scheduled retraining and drift checks; waits for room, preemptible by serving and the platform. */
    batch: { name: "mlops-batch", value: 1_000, preemptionPolicy: "Never", description: "Scheduled retraining and drift checks (admitted by Kueue): preemptible, never preempts." },
    /** Ad-hoc experiments: the first to go. */
    experiment: { name: "mlops-experiment", value: 100, preemptionPolicy: "Never", description: "Ad-hoc experiments on idle capacity: preempted first, never preempts." },
} as const satisfies Record<string, PriorityClassSpec>;

export type PriorityName = keyof typeof PRIORITIES;
