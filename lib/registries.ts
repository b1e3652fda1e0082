// Container registries the platform trusts. Static facts: imports nothing of the project.

/**
 * Image prefixes the platform's own workloads (models, jobs, MLflow, optuna-dashboard, DCGM, kubectl) may use. The policy
 * pack keeps its own copy as the default of `k8s-allowed-registries` (policies/ stand apart from the
 * program); a test keeps the two equal.
 */
export const WORKLOAD_REGISTRIES = [
    "us-docker.pkg.dev/", "europe-docker.pkg.dev/", "asia-docker.pkg.dev/", "gcr.io/cloud-sql-connectors/",
    "ghcr.io/mlflow/", "ghcr.io/optuna/", "nvcr.io/nvidia/", "registry.k8s.io/",
] as const;

/**
 * Where the pinned Helm charts pull their images from, read from each chart's values at the version pinned
 * in components/ (recheck on a chart bump). Kueue and JobSet pull from registry.k8s.io, already trusted.
 * Charts' images never pass through the policy pack, but Binary Authorization admits every pod.
 */
export const CHART_REGISTRIES = [
    // kube-prometheus-stack 88.5.3: Prometheus, Alertmanager; node-exporter 4.56.1; prometheus-pushgateway 3.8.0.
    { prefix: "quay.io/prometheus/", charts: "kube-prometheus-stack, prometheus-pushgateway" },
    // kube-prometheus-stack 88.5.3: the operator and its config reloader.
    { prefix: "quay.io/prometheus-operator/", charts: "kube-prometheus-stack" },
    // kube-prometheus-stack 88.5.3: the admission webhook's certificate Job.
    { prefix: "ghcr.io/jkroepke/kube-webhook-certgen", charts: "kube-prometheus-stack" },
    // grafana 12.11.1 (kube-prometheus-stack's dependency): Grafana and its dashboard sidecar.
    { prefix: "docker.io/grafana/", charts: "grafana" },
    { prefix: "quay.io/kiwigrid/", charts: "grafana" },
    // argo-rollouts 2.41.0.
    { prefix: "quay.io/argoproj/", charts: "argo-rollouts" },
    // cert-manager v1.16.2: controller, webhook, cainjector, ACME solver, startupapicheck.
    { prefix: "quay.io/jetstack/", charts: "cert-manager" },
] as const;

/** Every prefix an image the platform deploys may start with. */
export const TRUSTED_IMAGE_PREFIXES: string[] = [...WORKLOAD_REGISTRIES, ...CHART_REGISTRIES.map((r) => r.prefix)];
