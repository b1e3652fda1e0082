// Realistic weakenings of the real prod plan, one change each, for the mutation suite (mutants.spec.ts).
// Each mutant names the rule that must catch it and the resource it changes (or adds); the violation must
// name that resource (or, for a relation, the one `on` names).
import { ResourceRecord } from "../../scripts/harness/recorder";
import { Any } from "../plans";

export type Rec = ResourceRecord & { inputs: Any };
export type Domain = "isolation" | "secrets" | "identity" | "cluster and nodes" | "release safety" | "quotas and capacity" | "alerting and data" | "workloads";

export interface Mutant {
    domain: Domain;
    rule: string;
    /** What a reviewer would see in the diff. */
    change: string;
    /** The resource changed, by type and logical name; with `add`, the one cloned as a starting point. */
    target: [string, string];
    /** Edits the (cloned) target in place. */
    edit?: (r: Rec) => void;
    /** Adds a new resource instead, made from the cloned target. */
    add?: (r: Rec) => void;
    /** The resource the violation names, when not the one changed (a relation reported on its other end). */
    on?: [string, string];
}

export const T = {
    cluster: "gcp:container/cluster:Cluster", pool: "gcp:container/nodePool:NodePool", subnet: "gcp:compute/subnetwork:Subnetwork",
    binauthz: "gcp:binaryauthorization/policy:Policy", key: "gcp:kms/cryptoKey:CryptoKey", bucket: "gcp:storage/bucket:Bucket",
    sql: "gcp:sql/databaseInstance:DatabaseInstance", sqlUser: "gcp:sql/user:User", projectIam: "gcp:projects/iAMMember:IAMMember",
    bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember", saIam: "gcp:serviceaccount/iAMMember:IAMMember",
    ns: "kubernetes:core/v1:Namespace", np: "kubernetes:networking.k8s.io/v1:NetworkPolicy", quota: "kubernetes:core/v1:ResourceQuota",
    limits: "kubernetes:core/v1:LimitRange", deploy: "kubernetes:apps/v1:Deployment", ds: "kubernetes:apps/v1:DaemonSet",
    rollout: "kubernetes:argoproj.io/v1alpha1:Rollout", analysis: "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
    cron: "kubernetes:batch/v1:CronJob", job: "kubernetes:batch/v1:Job", svc: "kubernetes:core/v1:Service", ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role", binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ksa: "kubernetes:core/v1:ServiceAccount", helm: "kubernetes:helm.sh/v3:Release", cm: "kubernetes:core/v1:ConfigMap", secret: "kubernetes:core/v1:Secret",
    cq: "kueue.x-k8s.io/v1beta2:ClusterQueue", lq: "kueue.x-k8s.io/v1beta2:LocalQueue", pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", am: "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
    promRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
} as const;
const CQ = `kubernetes:${T.cq}`;
const LQ = `kubernetes:${T.lq}`;

const pod = (r: Rec): Any => (r.type === T.cron ? r.inputs.spec.jobTemplate.spec.template.spec : r.inputs.spec.template.spec);
const c0 = (r: Rec): Any => pod(r).containers[0];

const mutants: Mutant[] = [];
const m = (domain: Domain, rule: string, target: [string, string], change: string, edit: (r: Rec) => void, on?: [string, string]) => mutants.push({ domain, rule, target, change, edit, on });
const add = (domain: Domain, rule: string, target: [string, string], change: string, make: (r: Rec) => void) => mutants.push({ domain, rule, target, change, add: make });

// ---- Isolation: NetworkPolicy sets, Pod Security, Kueue scoping ------------------------------------------------
const NAMESPACES: [string, string][] = [["ml-serving", "ml-serving-default-deny-all"], ["ml-training", "ml-training-default-deny-all"], ["ml-experiments", "ml-experiments-default-deny-all"],
    ["mlflow", "mlflow-default-deny-all"], ["monitoring", "monitoring-default-deny-all"], ["node-metrics", "monitoring-node-metrics-default-deny-all"],
    ["cert-manager", "tls-default-deny-all"], ["kueue-system", "batch-kueue-system-default-deny-all"], ["jobset-system", "batch-jobset-system-default-deny-all"], ["argo-rollouts", "delivery-argo-rollouts-default-deny-all"]];
for (const [ns, deny] of NAMESPACES) {
    add("isolation", "k8s-netpol-no-allow-all", [T.np, deny], `a second NetworkPolicy in ${ns} admitting all ingress (ingress: [{}])`, (r) => {
        r.inputs.metadata.name = "allow-all-ingress"; r.inputs.spec = { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] };
    });
    add("isolation", "k8s-netpol-no-allow-all", [T.np, deny], `a second NetworkPolicy in ${ns} admitting all egress to the internet (0.0.0.0/0, every port)`, (r) => {
        r.inputs.metadata.name = "allow-internet-egress"; r.inputs.spec = { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] };
    });
}
m("isolation", "k8s-netpol-no-allow-all", [T.np, "ml-serving-allow-monitoring-scrape"], "ml-serving's scrape allowance widened to every namespace (namespaceSelector {})", (r) => { r.inputs.spec.ingress[0].from = [{ namespaceSelector: {} }]; });
m("isolation", "k8s-netpol-no-allow-all", [T.np, "mlflow-allow-mlflow-clients"], "MLflow's client allowance loses its port", (r) => { r.inputs.spec.ingress[0].from = []; delete r.inputs.spec.ingress[0].ports; });
m("isolation", "k8s-netpol-no-allow-all", [T.np, "tls-allow-acme"], "cert-manager's ACME egress loses its ports and private-range except", (r) => { delete r.inputs.spec.egress[0].ports; delete r.inputs.spec.egress[0].to[0].ipBlock.except; });
m("isolation", "k8s-netpol-no-allow-all", [T.np, "monitoring-allow-alertmanager-receivers"], "Alertmanager's receiver egress opened to every address and port", (r) => { r.inputs.spec.egress = [{ to: [] }]; });
m("isolation", "k8s-netpol-no-allow-all", [T.np, "ranker-jobs-egress"], "ranker jobs' egress to the internet loses its port and except", (r) => { r.inputs.spec.egress[0] = { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }; });
m("isolation", "stack-namespace-guardrails", [T.np, "ml-serving-default-deny-all"], "ml-serving's default deny stops covering egress", (r) => { r.inputs.spec.policyTypes = ["Ingress"]; }, [T.ns, "ml-serving-ns"]);
const PSA: [string, string][] = [["ml-serving-ns", "ml-serving"], ["ml-training-ns", "ml-training"], ["ml-experiments-ns", "ml-experiments"], ["mlflow-ns", "mlflow"], ["tls-ns", "cert-manager"], ["batch-kueue-system-ns", "kueue-system"], ["batch-jobset-system-ns", "jobset-system"], ["delivery-argo-rollouts-ns", "argo-rollouts"]];
for (const [res, ns] of PSA) m("isolation", "k8s-pod-security-level", [T.ns, res], `${ns} lowered to Pod Security privileged`, (r) => { r.inputs.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged"; });
m("isolation", "k8s-pod-security-level", [T.ns, "ml-training-ns"], "ml-training's enforce label removed (cluster default: privileged)", (r) => { delete r.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]; });
m("isolation", "k8s-pod-security-level", [T.ns, "ml-serving-ns"], "ml-serving lowered to baseline", (r) => { r.inputs.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"; });
m("isolation", "k8s-pod-security-level", [T.ns, "monitoring-ns"], "monitoring raised from baseline to privileged", (r) => { r.inputs.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged"; });
m("isolation", "k8s-pod-security-level", [T.ns, "mlflow-ns"], "mlflow's enforce label misspelt", (r) => { r.inputs.metadata.labels["pod-security.kubernetes.io/enforce"] = "restriced"; });
for (const team of ["ml-serving", "ml-training", "ml-experiments"]) {
    m("isolation", "kueue-clusterqueue-namespace-scoped", [CQ, `batch-queue-${team}`], `${team}'s ClusterQueue admits every namespace (namespaceSelector {})`, (r) => { r.inputs.spec.namespaceSelector = {}; });
}
m("isolation", "kueue-clusterqueue-namespace-scoped", [CQ, "batch-queue-ml-training"], "ml-training's ClusterQueue selects by a label any namespace can carry", (r) => { r.inputs.spec.namespaceSelector = { matchLabels: { team: "research" } }; });
m("isolation", "kueue-localqueue-own-clusterqueue", [LQ, "batch-local-queue-ml-experiments"], "ml-experiments' LocalQueue points at ml-training's ClusterQueue", (r) => { r.inputs.spec.clusterQueue = "ml-training"; });
m("isolation", "kueue-localqueue-own-clusterqueue", [LQ, "batch-local-queue-ml-serving"], "ml-serving's LocalQueue points at ml-experiments' ClusterQueue", (r) => { r.inputs.spec.clusterQueue = "ml-experiments"; });
m("isolation", "kueue-localqueue-own-clusterqueue", [LQ, "batch-local-queue-ml-training"], "ml-training's LocalQueue points at a ClusterQueue that does not exist", (r) => { r.inputs.spec.clusterQueue = "ml-trainning"; });

// ---- Secrets --------------------------------------------------------------------------------------------------
m("secrets", "secrets-not-in-env", [T.deploy, "mlflow-server"], "MLflow's database password as a literal env value", (r) => { c0(r).env.push({ name: "DB_PASSWORD", value: "s3cr3t-Pa55word-2024" }); });
m("secrets", "secrets-not-in-env", [T.rollout, "fraud-detector-rollout"], "an API token as a literal env value", (r) => { c0(r).env.push({ name: "FEATURE_STORE_API_KEY", value: "fs-8c1d2e3f4a5b6c7d" }); });
m("secrets", "secrets-not-in-env", [T.cron, "fraud-detector-retrain"], "the MLflow writer password inlined in the retrain job", (r) => { c0(r).env.push({ name: "MLFLOW_TRACKING_PASSWORD", value: "writer-pass-123456" }); });
m("secrets", "secrets-not-in-env", [T.deploy, "ranker-deployment"], "a URL with credentials in env", (r) => { c0(r).env.push({ name: "CACHE_URL", value: "redis://ranker:hunter2hunter2@cache:6379/0" }); });
m("secrets", "secrets-not-in-configmaps", [T.cm, "mlflow-users-script"], "the admin password added to the users ConfigMap", (r) => { r.inputs.data["admin_password"] = "Adm1n-Password-2024"; });
m("secrets", "secrets-not-in-configmaps", [T.cm, "ranker-jobset"], "a service account key pasted into the JobSet ConfigMap", (r) => { r.inputs.data["key.json"] = `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE...\\n-----END PRIVATE KEY-----\\n"}`; });
m("secrets", "secrets-no-literal-passwords", [T.secret, "monitoring-grafana-admin"], "Grafana's admin Secret with a literal admin/admin", (r) => { r.inputs.stringData = { "admin-user": "admin", "admin-password": "admin" }; });
m("secrets", "secrets-no-literal-passwords", [T.secret, "mlflow-credentials"], "MLflow's credentials Secret with a typed password", (r) => { r.inputs.stringData = { "db-password": "changeme" }; });
m("secrets", "secrets-no-literal-passwords", [T.sqlUser, "mlflow-db-mlflow"], "the Cloud SQL user's password given as a plain string", (r) => { r.inputs.password = "mlflow"; });
m("secrets", "secrets-no-literal-passwords", [T.helm, "monitoring-kube-prometheus-stack"], "Grafana's admin password in the chart values", (r) => { r.inputs.values.grafana.adminPassword = "prom-operator"; });

// ---- Identity -------------------------------------------------------------------------------------------------
m("identity", "iam-no-impersonation-grants", [T.projectIam, "mlops-nodes-artifactregistry.reader"], "nodes granted token creator on the project", (r) => { r.inputs.role = "roles/iam.serviceAccountTokenCreator"; });
m("identity", "iam-no-impersonation-grants", [T.projectIam, "mlflow-cloudsql-client"], "MLflow granted serviceAccountUser", (r) => { r.inputs.role = "roles/iam.serviceAccountUser"; delete r.inputs.condition; });
m("identity", "iam-no-impersonation-grants", [T.saIam, "ranker-workload-identity"], "ranker's KSA may mint tokens for its Google service account", (r) => { r.inputs.role = "roles/iam.serviceAccountTokenCreator"; });
m("identity", "iam-no-impersonation-grants", [T.saIam, "mlflow-workload-identity"], "Workload Identity granted to every KSA of the pool", (r) => { r.inputs.member = "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/acme-mlops-prod.svc.id.goog/kubernetes.io/namespace/mlflow"; });
m("identity", "iam-no-impersonation-grants", [T.projectIam, "mlops-nodes-container.defaultNodeServiceAccount"], "nodes granted projectIamAdmin", (r) => { r.inputs.role = "roles/resourcemanager.projectIamAdmin"; });
m("identity", "iam-conditions-kept", [T.projectIam, "mlflow-cloudsql-client"], "the Cloud SQL client grant loses its condition", (r) => { delete r.inputs.condition; });
m("identity", "iam-conditions-kept", [T.projectIam, "mlflow-cloudsql-client"], "the condition's expression reduced to true", (r) => { r.inputs.condition.expression = "true"; });
for (const [res, ns] of [["mlflow-workload-identity", "mlflow"], ["ranker-workload-identity", "ml-training"], ["fraud-detector-workload-identity", "ml-serving"]]) {
    m("identity", "iam-workload-identity-not-default-ksa", [T.saIam, res], `Workload Identity bound to ${ns}/default`, (r) => { r.inputs.member = `serviceAccount:acme-mlops-prod.svc.id.goog[${ns}/default]`; });
}
m("identity", "iam-workload-identity-not-default-ksa", [T.bucketIam, "ranker-datasets-reader"], "datasets readable by every pod of ml-training (principalSet namespace)", (r) => { r.inputs.member = "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/acme-mlops-prod.svc.id.goog/kubernetes.io/namespace/ml-training"; });
m("identity", "iam-no-primitive-roles", [T.projectIam, "mlops-nodes-artifactregistry.reader"], "nodes granted Editor", (r) => { r.inputs.role = "roles/editor"; });
m("identity", "iam-no-public-members", [T.bucketIam, "ranker-artifacts-reader"], "artifacts readable by allUsers", (r) => { r.inputs.member = "allUsers"; });
m("identity", "iam-no-public-members", [T.bucketIam, "churn-predictor-datasets-reader"], "datasets readable by allAuthenticatedUsers", (r) => { r.inputs.member = "allAuthenticatedUsers"; });
add("identity", "iam-no-service-account-keys", [T.projectIam, "mlflow-cloudsql-client"], "a key created for the MLflow service account", (r) => { r.type = "gcp:serviceaccount/key:Key"; r.inputs = { serviceAccountId: "mlflow-gsa" }; });
m("identity", "k8s-rbac-no-wildcards", [T.role, "ranker-launcher"], "the launcher Role's verbs widened to *", (r) => { r.inputs.rules[0].verbs = ["*"]; });
m("identity", "k8s-rbac-no-wildcards", [T.role, "ranker-launcher"], "the launcher Role's resources widened to *", (r) => { r.inputs.rules[0].resources = ["*"]; });
m("identity", "k8s-rbac-no-wildcards", [T.role, "ranker-launcher"], "the launcher Role may read every Secret", (r) => { r.inputs.rules.push({ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }); });
m("identity", "k8s-rbac-no-wildcards", [T.role, "ranker-launcher"], "the launcher Role may impersonate", (r) => { r.inputs.rules.push({ apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] }); });
m("identity", "k8s-rbac-no-admin-bindings", [T.binding, "ranker-launcher"], "the launcher bound to cluster-admin", (r) => { r.inputs.roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }; });
m("identity", "k8s-rbac-no-admin-bindings", [T.binding, "ranker-launcher"], "the launcher Role bound to every authenticated user", (r) => { r.inputs.subjects.push({ kind: "Group", name: "system:authenticated", apiGroup: "rbac.authorization.k8s.io" }); });
add("identity", "k8s-rbac-no-admin-bindings", [T.binding, "ranker-launcher"], "a ClusterRoleBinding of edit for ml-training's jobs", (r) => { r.type = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"; r.inputs.metadata = { name: "ranker-edit" }; r.inputs.roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" }; });
m("identity", "k8s-sa-token-only-where-needed", [T.deploy, "mlflow-server"], "MLflow mounts an API token it never uses", (r) => { pod(r).automountServiceAccountToken = true; });
m("identity", "k8s-sa-token-only-where-needed", [T.cron, "churn-predictor-retrain"], "the retrain pod's automount opt-out dropped (its KSA does not opt out either)", (r) => { delete pod(r).automountServiceAccountToken; pod(r).serviceAccountName = "default"; });
m("identity", "k8s-sa-token-only-where-needed", [T.rollout, "fraud-detector-rollout"], "serving pods mount a token", (r) => { pod(r).automountServiceAccountToken = true; });
m("identity", "k8s-no-host-ports", [T.deploy, "mlflow-server"], "MLflow's port published on the node", (r) => { c0(r).ports[0].hostPort = 5000; });
m("identity", "k8s-no-host-ports", [T.ds, "monitoring-dcgm-exporter"], "DCGM metrics published on the node's port", (r) => { c0(r).ports[0].hostPort = 9400; });

// ---- Cluster and nodes ----------------------------------------------------------------------------------------
const cl = (rule: string, change: string, edit: (p: Any, r: Rec) => void) => m("cluster and nodes", rule, [T.cluster, "mlops-cluster"], change, (r) => edit(r.inputs, r));
cl("gke-master-authorized-networks", "0.0.0.0/0 added to master authorized networks", (p) => { p.masterAuthorizedNetworksConfig.cidrBlocks.push({ cidrBlock: "0.0.0.0/0", displayName: "anywhere" }); });
cl("gke-master-authorized-networks", "the internet in two halves (0.0.0.0/1, 128.0.0.0/1)", (p) => { p.masterAuthorizedNetworksConfig.cidrBlocks.push({ cidrBlock: "0.0.0.0/1" }, { cidrBlock: "128.0.0.0/1" }); });
cl("gke-master-authorized-networks", "all Google Cloud IPs reach the control plane", (p) => { p.masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled = true; });
cl("gke-security-posture", "security posture off", (p) => { p.securityPostureConfig.mode = "DISABLED"; });
cl("gke-security-posture", "vulnerability scanning off", (p) => { p.securityPostureConfig.vulnerabilityMode = "VULNERABILITY_DISABLED"; });
cl("gke-kubelet-readonly-port-off", "the kubelet read-only port on for the default node config", (p) => { p.nodeConfig.kubeletConfig = { insecureKubeletReadonlyPortEnabled: "TRUE" }; });
cl("gke-kubelet-readonly-port-off", "the kubelet read-only port on in node pool defaults", (p) => { p.nodePoolDefaults = { nodeConfigDefaults: { insecureKubeletReadonlyPortEnabled: "TRUE" } }; });
cl("gke-no-legacy-metadata-endpoints", "legacy metadata endpoints on (cluster)", (p) => { p.nodeConfig.metadata["disable-legacy-endpoints"] = "false"; });
cl("gke-private-nodes", "nodes get public IPs", (p) => { p.privateClusterConfig.enablePrivateNodes = false; });
cl("gke-no-public-endpoint", "the control plane gets a public endpoint", (p) => { p.privateClusterConfig.enablePrivateEndpoint = false; });
cl("gke-workload-identity", "Workload Identity off", (p) => { delete p.workloadIdentityConfig; });
cl("gke-shielded-nodes", "shielded nodes off", (p) => { p.enableShieldedNodes = false; });
cl("gke-network-policy", "legacy datapath (NetworkPolicies no longer enforced)", (p) => { p.datapathProvider = "LEGACY_DATAPATH"; });
cl("gke-release-channel", "release channel unspecified", (p) => { p.releaseChannel.channel = "UNSPECIFIED"; });
cl("gke-no-legacy-abac", "legacy ABAC on", (p) => { p.enableLegacyAbac = true; });
cl("gke-no-client-certificate-or-basic-auth", "a client certificate issued", (p) => { p.masterAuth.clientCertificateConfig.issueClientCertificate = true; });
cl("gke-default-pool-removed", "the default pool kept", (p) => { p.removeDefaultNodePool = false; });
cl("gke-logging-and-monitoring", "system logs off", (p) => { p.loggingConfig.enableComponents = ["WORKLOADS"]; });
cl("gke-deletion-protection", "cluster deletion protection off", (p) => { p.deletionProtection = false; });
cl("gke-regional-control-plane", "a zonal cluster", (p) => { p.location = "us-central1-a"; });
cl("gke-binary-authorization", "Binary Authorization off", (p) => { p.binaryAuthorization.evaluationMode = "DISABLED"; });
cl("gke-secrets-encryption", "Secrets no longer encrypted with the stack's key", (p) => { p.databaseEncryption.state = "DECRYPTED"; });
m("cluster and nodes", "gke-binary-authorization", [T.binauthz, "mlops-binauthz"], "Binary Authorization default rule ALWAYS_ALLOW", (r) => { r.inputs.defaultAdmissionRule.evaluationMode = "ALWAYS_ALLOW"; });
m("cluster and nodes", "gke-secrets-encryption", [T.key, "mlops-secrets"], "the KMS key rotates yearly", (r) => { r.inputs.rotationPeriod = "31536000s"; });
const np = (rule: string, pool: string, change: string, edit: (p: Any) => void) => m("cluster and nodes", rule, [T.pool, pool], change, (r) => edit(r.inputs));
np("gke-kubelet-readonly-port-off", "l4-serving", "the kubelet read-only port on for l4-serving", (p) => { p.nodeConfig.kubeletConfig = { insecureKubeletReadonlyPortEnabled: "TRUE" }; });
np("gke-no-legacy-metadata-endpoints", "a100-training", "legacy metadata endpoints on (a100-training)", (p) => { delete p.nodeConfig.metadata["disable-legacy-endpoints"]; });
np("nodepool-no-default-service-account", "l4-serving", "l4-serving runs as the Compute default service account", (p) => { p.nodeConfig.serviceAccount = "123456789-compute@developer.gserviceaccount.com"; });
np("nodepool-cloud-platform-scope-only", "mlops-system", "a legacy storage scope added", (p) => { p.nodeConfig.oauthScopes.push("https://www.googleapis.com/auth/devstorage.read_write"); });
np("nodepool-gke-metadata-server", "a100-training", "node metadata exposed to pods", (p) => { p.nodeConfig.workloadMetadataConfig.mode = "GCE_METADATA"; });
np("nodepool-secure-boot-and-integrity", "h100-flex", "secure boot off", (p) => { p.nodeConfig.shieldedInstanceConfig.enableSecureBoot = false; });
np("nodepool-auto-repair-and-upgrade", "mlops-system", "auto-upgrade off", (p) => { p.management.autoUpgrade = false; });
np("nodepool-gpu-taint-and-drivers", "a100-training", "the GPU taint dropped", (p) => { p.nodeConfig.taints = []; });
np("nodepool-gpu-sharing-supported", "l4-serving", "MIG partitions on an L4", (p) => { p.nodeConfig.guestAccelerators[0].gpuPartitionSize = "1g.5gb"; });
np("nodepool-allowed-machine-types", "mlops-system", "an unapproved machine family", (p) => { p.nodeConfig.machineType = "m3-ultramem-128"; });
np("nodepool-allowed-accelerators", "a100-training", "an unapproved accelerator", (p) => { p.nodeConfig.guestAccelerators[0].type = "nvidia-h200-141gb"; });
np("nodepool-max-nodes-cap", "l4-serving", "l4-serving may scale to 64 nodes", (p) => { p.autoscaling.totalMaxNodeCount = 64; });
m("cluster and nodes", "net-subnet-flow-logs", [T.subnet, "platform-subnet"], "subnet flow logs off", (r) => { delete r.inputs.logConfig; });
m("cluster and nodes", "net-subnet-flow-logs", [T.subnet, "platform-subnet"], "flow sampling cut to 1%", (r) => { r.inputs.logConfig.flowSampling = 0.01; });
m("cluster and nodes", "k8s-ingress-tls", [T.ingress, "mlflow-ingress"], "MLflow's Ingress without TLS", (r) => { delete r.inputs.spec.tls; });
m("cluster and nodes", "k8s-ingress-tls", [T.ingress, "mlflow-ingress"], "a second host on MLflow's Ingress outside its TLS", (r) => { r.inputs.spec.rules.push({ ...structuredClone(r.inputs.spec.rules[0]), host: "mlflow-internal.ml.acme.example.com" }); });
m("cluster and nodes", "helm-grafana-hardened", [T.helm, "monitoring-kube-prometheus-stack"], "Grafana's Ingress without TLS", (r) => { delete r.inputs.values.grafana.ingress.tls; });
m("cluster and nodes", "helm-grafana-hardened", [T.helm, "monitoring-kube-prometheus-stack"], "Grafana's anonymous access on", (r) => { r.inputs.values.grafana["grafana.ini"]["auth.anonymous"] = { enabled: true, org_role: "Viewer" }; });
m("cluster and nodes", "helm-grafana-hardened", [T.helm, "monitoring-kube-prometheus-stack"], "Grafana's admin no longer from a Secret", (r) => { delete r.inputs.values.grafana.admin; });
m("cluster and nodes", "helm-grafana-hardened", [T.helm, "monitoring-kube-prometheus-stack"], "anyone may sign up to Grafana", (r) => { r.inputs.values.grafana["grafana.ini"].users = { allow_sign_up: true }; });
m("cluster and nodes", "k8s-no-loadbalancer-services", [T.svc, "mlflow-service"], "MLflow exposed as a LoadBalancer", (r) => { r.inputs.spec.type = "LoadBalancer"; });
m("cluster and nodes", "k8s-no-nodeport-services", [T.svc, "ranker-svc-ranker"], "ranker exposed as a NodePort", (r) => { r.inputs.spec.type = "NodePort"; });

// ---- Workloads (pod hardening) --------------------------------------------------------------------------------
const w = (rule: string, target: [string, string], change: string, edit: (r: Rec) => void) => m("workloads", rule, target, change, edit);
w("k8s-resources-required", [T.deploy, "ranker-deployment"], "ranker's memory limit dropped", (r) => { delete c0(r).resources.limits.memory; });
w("k8s-image-pinned", [T.deploy, "ranker-deployment"], "ranker's image on :latest", (r) => { c0(r).image = "us-docker.pkg.dev/acme-mlops-prod/models/ranker:latest"; });
w("k8s-allowed-registries", [T.deploy, "mlflow-server"], "MLflow from Docker Hub", (r) => { c0(r).image = "docker.io/someone/mlflow:3.1.0"; });
w("k8s-run-as-non-root", [T.deploy, "mlflow-server"], "MLflow runs as root", (r) => { pod(r).securityContext.runAsNonRoot = false; pod(r).securityContext.runAsUser = 0; });
w("k8s-no-privilege-escalation", [T.rollout, "fraud-detector-rollout"], "privilege escalation allowed", (r) => { c0(r).securityContext.allowPrivilegeEscalation = true; });
w("k8s-drop-all-capabilities", [T.cron, "ranker-retrain"], "NET_ADMIN added", (r) => { c0(r).securityContext.capabilities = { add: ["NET_ADMIN"] }; });
w("k8s-read-only-root-filesystem", [T.deploy, "mlflow-server"], "writable root filesystem", (r) => { c0(r).securityContext.readOnlyRootFilesystem = false; });
w("k8s-seccomp-runtime-default", [T.rollout, "churn-predictor-rollout"], "seccomp Unconfined", (r) => { pod(r).securityContext.seccompProfile = { type: "Unconfined" }; for (const c of pod(r).containers) delete c.securityContext?.seccompProfile; });
w("k8s-no-privileged", [T.deploy, "ranker-deployment"], "ranker privileged", (r) => { c0(r).securityContext.privileged = true; });
w("k8s-no-privileged", [T.ds, "monitoring-dcgm-exporter"], "DCGM's exemption does not cover a new privileged sidecar-free copy in monitoring", (r) => { r.inputs.metadata.namespace = "monitoring"; c0(r).securityContext.privileged = true; });
w("k8s-no-host-path", [T.deploy, "mlflow-server"], "the node's root mounted into MLflow", (r) => { pod(r).volumes = [...(pod(r).volumes ?? []), { name: "host", hostPath: { path: "/" } }]; });
w("k8s-no-host-namespaces", [T.rollout, "fraud-detector-rollout"], "host network", (r) => { pod(r).hostNetwork = true; });
w("k8s-probes-on-long-running", [T.deploy, "ranker-deployment"], "readiness probe removed", (r) => { delete c0(r).readinessProbe; });
w("k8s-gpu-scheduling", [T.cron, "fraud-detector-retrain"], "GPU job without the GPU toleration", (r) => { pod(r).tolerations = []; });
w("k8s-cronjob-forbid-and-deadline", [T.cron, "ranker-retrain"], "overlapping retrains allowed", (r) => { r.inputs.spec.concurrencyPolicy = "Allow"; });
w("stack-batch-through-kueue", [T.cron, "churn-predictor-drift"], "drift job bypasses Kueue", (r) => { delete r.inputs.spec.jobTemplate.metadata.labels["kueue.x-k8s.io/queue-name"]; });
w("stack-flex-start-through-kueue", [T.job, "mlflow-db-upgrade"], "a Job aimed at the flex-start pool outside Kueue", (r) => { pod(r).nodeSelector = { "mlops.platform/pool": "h100-flex" }; });
w("stack-helm-chart-pinned", [T.helm, "batch-kueue"], "Kueue's chart unpinned", (r) => { delete r.inputs.version; });

// ---- Release safety -------------------------------------------------------------------------------------------
const RO = (n: string): [string, string] => [T.rollout, `${n}-rollout`];
m("release safety", "rollout-canary-gated", RO("fraud-detector"), "the canary's analysis steps removed", (r) => { r.inputs.spec.strategy.canary.steps = r.inputs.spec.strategy.canary.steps.filter((s: Any) => !s.analysis); });
m("release safety", "rollout-canary-gated", RO("fraud-detector"), "the canary jumps straight to 100%", (r) => { r.inputs.spec.strategy.canary.steps.find((s: Any) => s.setWeight !== undefined).setWeight = 100; });
m("release safety", "rollout-canary-gated", RO("fraud-detector"), "the canary's steps removed", (r) => { r.inputs.spec.strategy.canary.steps = []; });
m("release safety", "rollout-canary-gated", RO("fraud-detector"), "a 100% step before the first analysis of live traffic", (r) => {
    const steps = r.inputs.spec.strategy.canary.steps;
    steps.splice(steps.findIndex((s: Any) => s.setWeight !== undefined) + 1, 0, { setWeight: 100 });
});
m("release safety", "rollout-bluegreen-gated", RO("churn-predictor"), "blue-green without pre-promotion analysis", (r) => { delete r.inputs.spec.strategy.blueGreen.prePromotionAnalysis; });
// Traffic releases and model endpoints (policies/traffic.ts).
const GW: [string, string] = ["kubernetes:gateway.networking.k8s.io/v1:Gateway", "models-external"];
const FRAUD_ROUTE: [string, string] = ["kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "fraud-detector-route"];
m("release safety", "stack-external-endpoint-tls-and-auth", GW, "the external Gateway's listener served over plain HTTP", (r) => { r.inputs.spec.listeners[0].protocol = "HTTP"; r.inputs.spec.listeners[0].port = 80; });
m("release safety", "stack-external-endpoint-tls-and-auth", GW, "the external Gateway loses its certificate map", (r) => { delete r.inputs.metadata.annotations; });
m("release safety", "stack-external-endpoint-tls-and-auth", ["kubernetes:networking.gke.io/v1:GCPBackendPolicy", "fraud-detector-auth-fraud-detector-stable"], "the external model's stable Service loses its Cloud Armor policy",
    (r) => { delete r.inputs.spec.default.securityPolicy; }, FRAUD_ROUTE);
m("release safety", "stack-traffic-split-has-analysis", RO("fraud-detector"), "the traffic-weighted canary's analysis steps removed", (r) => { r.inputs.spec.strategy.canary.steps = r.inputs.spec.strategy.canary.steps.filter((s: Any) => !s.analysis); });
m("release safety", "stack-traffic-split-has-analysis", RO("recommender"), "the shadow release's analysis removed", (r) => { r.inputs.spec.strategy.canary.steps = r.inputs.spec.strategy.canary.steps.filter((s: Any) => !s.analysis); });
m("release safety", "stack-shadow-no-production-writes", [T.bucketIam, "recommender-artifacts-reader"], "the shadow candidate may write MLflow's artifacts (objectAdmin)", (r) => { r.inputs.role = "roles/storage.objectAdmin"; });
m("release safety", "rollout-bluegreen-gated", RO("churn-predictor"), "pre-promotion analysis with no templates", (r) => { r.inputs.spec.strategy.blueGreen.prePromotionAnalysis.templates = []; });
m("release safety", "rollout-analysis-exists", RO("churn-predictor"), "pre-promotion analysis names a template that does not exist", (r) => { r.inputs.spec.strategy.blueGreen.prePromotionAnalysis.templates[0].templateName = "churn-predictor-analysys"; });
m("release safety", "rollout-analysis-exists", RO("fraud-detector"), "a canary step names a template that does not exist", (r) => {
    r.inputs.spec.strategy.canary.steps.find((s: Any) => s.analysis?.templates[0].templateName === "fraud-detector-analysis").analysis.templates[0].templateName = "fraud-analysis";
});
// Promotion (policies/lifecycle.ts): a version that can change is checked before it serves.
const isCheck = (st: Any) => (st.analysis?.templates ?? []).some((t: Any) => t.templateName.endsWith("-release-check"));
m("release safety", "stack-promotion-quality-gated", RO("fraud-detector"), "the canary's release quality check removed", (r) => { r.inputs.spec.strategy.canary.steps = r.inputs.spec.strategy.canary.steps.filter((st: Any) => !isCheck(st)); });
m("release safety", "stack-promotion-quality-gated", RO("fraud-detector"), "the release quality check moved after the first 5% of traffic", (r) => {
    const steps = r.inputs.spec.strategy.canary.steps;
    [steps[0], steps[1]] = [steps[1], steps[0]];
});
m("release safety", "stack-promotion-quality-gated", RO("recommender"), "recommender pinned to a version (models:/recommender/4) with no release check", (r) => { pod(r).containers[0].env.find((e: Any) => e.name === "MODEL_URI").value = "models:/recommender/4"; });
m("release safety", "stack-promotion-quality-gated", RO("churn-predictor"), "blue-green pre-promotion analysis loses the release check", (r) => {
    const pre = r.inputs.spec.strategy.blueGreen.prePromotionAnalysis;
    pre.templates = pre.templates.filter((t: Any) => !t.templateName.endsWith("-release-check"));
});
m("release safety", "stack-promotion-quality-gated", RO("fraud-detector"), "fraud-detector follows the champion alias while retraining runs (no pinned version)", (r) => { pod(r).containers[0].env.find((e: Any) => e.name === "MODEL_URI").value = "models:/fraud-detector@champion"; });
m("release safety", "stack-promotion-quality-gated", [T.analysis, "fraud-detector-release-check"], "the release-check Job no longer runs the check", (r) => {
    r.inputs.spec.metrics[0].provider.job.spec.template.spec.containers[0].command = ["python3", "-c", "pass"];
}, RO("fraud-detector"));
// Drift (policies/lifecycle.ts): every drift check has a retraining path that it starts.
m("release safety", "stack-drift-has-retraining", [T.cron, "fraud-detector-drift"], "fraud-detector's drift check no longer starts retraining (trigger container removed)", (r) => {
    const p = r.inputs.spec.jobTemplate.spec.template.spec;
    p.containers = p.containers.filter((c: Any) => c.name !== "retrain-trigger");
});
m("release safety", "stack-drift-has-retraining", [T.cron, "churn-predictor-drift"], "a drift check added for price-elasticity, which has no retraining", (r) => {
    r.inputs.metadata.name = "price-elasticity-drift";
    r.inputs.spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/name"] = "price-elasticity";
});
// The release check's Job pod is a workload too (policies/util.ts podSpecsOf).
const releaseJob = (r: Rec): Any => r.inputs.spec.metrics[0].provider.job.spec.template.spec;
w("k8s-run-as-non-root", [T.analysis, "fraud-detector-release-check"], "the release-check Job runs as root", (r) => { releaseJob(r).securityContext.runAsUser = 0; delete releaseJob(r).securityContext.runAsNonRoot; delete releaseJob(r).containers[0].securityContext.runAsNonRoot; });
w("k8s-resources-required", [T.analysis, "churn-predictor-release-promote"], "the promotion Job's container loses its limits", (r) => { delete releaseJob(r).containers[0].resources.limits; });
m("release safety", "stack-promotion-quality-gated", [T.deploy, "ranker-deployment"], "the rolling ranker's init check removed", (r) => { delete pod(r).initContainers; });
m("release safety", "stack-promotion-quality-gated", [T.deploy, "ranker-deployment"], "the ranker's init check reads an older version than it serves", (r) => {
    pod(r).initContainers[0].env.find((e: Any) => e.name === "MODEL_URI").value = "models:/ranker/4";
});
for (const a of ["fraud-detector", "churn-predictor"]) {
    const A: [string, string] = [T.analysis, `${a}-analysis`];
    m("release safety", "rollout-analysis-can-fail", A, `${a}'s success-rate failureLimit raised to its count`, (r) => { r.inputs.spec.metrics[0].failureLimit = r.inputs.spec.metrics[0].count; });
    m("release safety", "rollout-analysis-can-fail", A, `${a}'s latency metric loses its success condition`, (r) => { delete r.inputs.spec.metrics[1].successCondition; });
    m("release safety", "rollout-analysis-can-fail", A, `${a}'s metrics removed`, (r) => { r.inputs.spec.metrics = []; });
}
for (const p of ["fraud-detector", "churn-predictor", "ranker", "mlflow"]) {
    m("release safety", "stack-pdb-keeps-pods", [T.pdb, `${p}-pdb`], `${p}'s PDB allows every pod down (maxUnavailable 100%)`, (r) => { r.inputs.spec.maxUnavailable = "100%"; });
}
m("release safety", "stack-pdb-keeps-pods", [T.pdb, "fraud-detector-pdb"], "fraud-detector's PDB minAvailable 0", (r) => { delete r.inputs.spec.maxUnavailable; r.inputs.spec.minAvailable = 0; });
m("release safety", "stack-pdb-keeps-pods", [T.pdb, "mlflow-pdb"], "MLflow's PDB maxUnavailable 2 with 2 replicas", (r) => { r.inputs.spec.maxUnavailable = 2; });
m("release safety", "stack-platform-replicas", [T.deploy, "mlflow-server"], "a single-replica MLflow in prod", (r) => { r.inputs.spec.replicas = 1; });
m("release safety", "stack-serving-hpa-and-pdb", [T.hpa, "fraud-detector-hpa"], "fraud-detector's HPA may scale to one replica", (r) => { r.inputs.spec.minReplicas = 1; });
m("release safety", "nodepool-serving-not-spot", [T.pool, "l4-serving"], "serving GPU pool on spot", (r) => { r.inputs.nodeConfig.spot = true; });
m("release safety", "nodepool-serving-not-spot", [T.pool, "a100-mig"], "MIG serving pool on preemptible VMs", (r) => { r.inputs.nodeConfig.preemptible = true; });

// ---- Quotas and capacity --------------------------------------------------------------------------------------
for (const ns of ["ml-serving", "ml-training", "ml-experiments", "mlflow", "monitoring"]) {
    m("quotas and capacity", "k8s-quota-caps", [T.quota, `${ns}-quota`], `${ns}'s quota loses its GPU cap`, (r) => { delete r.inputs.spec.hard["requests.nvidia.com/gpu"]; });
}
m("quotas and capacity", "k8s-quota-caps", [T.quota, "ml-training-quota"], "ml-training's quota emptied", (r) => { r.inputs.spec.hard = {}; });
m("quotas and capacity", "k8s-quota-caps", [T.quota, "ml-experiments-quota"], "ml-experiments' quota loses its memory limit cap", (r) => { delete r.inputs.spec.hard["limits.memory"]; });
for (const ns of ["ml-serving", "ml-training"]) m("quotas and capacity", "k8s-limitrange-defaults", [T.limits, `${ns}-limits`], `${ns}'s LimitRange emptied`, (r) => { r.inputs.spec.limits = []; });
m("quotas and capacity", "k8s-limitrange-defaults", [T.limits, "mlflow-limits"], "MLflow's LimitRange loses its default limits", (r) => { delete r.inputs.spec.limits[0].default; });
for (const pool of ["a100-training", "l4-serving", "h100-flex"]) m("quotas and capacity", "nodepool-gpu-autoscaling", [T.pool, pool], `${pool} without autoscaling`, (r) => { delete r.inputs.autoscaling; r.inputs.nodeCount = 2; });
m("quotas and capacity", "kueue-clusterqueue-quota", [CQ, "batch-queue-ml-training"], "ml-training's H100 quota made unbounded", (r) => { r.inputs.spec.resourceGroups[0].flavors[2].resources[2].nominalQuota = 100000; });
m("quotas and capacity", "kueue-clusterqueue-quota", [CQ, "batch-queue-ml-experiments"], "ml-experiments' ClusterQueue without quota", (r) => { r.inputs.spec.resourceGroups = []; });
m("quotas and capacity", "kueue-clusterqueue-quota", [CQ, "batch-queue-ml-serving"], "GPUs no longer covered (not counted) by ml-serving's queue", (r) => { const g = r.inputs.spec.resourceGroups[0]; g.coveredResources = ["cpu", "memory"]; for (const f of g.flavors) f.resources = f.resources.filter((x: Any) => x.name !== "nvidia.com/gpu"); });

// ---- Alerting and data ----------------------------------------------------------------------------------------
const AM: [string, string] = [T.am, "monitoring-alertmanager-config"];
m("alerting and data", "alerting-critical-reaches-someone", AM, "critical alerts routed to the null receiver", (r) => { r.inputs.spec.route.routes[1].receiver = "null"; });
m("alerting and data", "alerting-critical-reaches-someone", AM, "the critical receiver loses its email config", (r) => { delete r.inputs.spec.receivers[1].emailConfigs; });
m("alerting and data", "alerting-critical-reaches-someone", AM, "the critical route removed (falls to the null root receiver)", (r) => { r.inputs.spec.route.routes.splice(1, 1); });
m("alerting and data", "alerting-critical-reaches-someone", AM, "the critical receiver removed", (r) => { r.inputs.spec.receivers.splice(1, 1); });
m("alerting and data", "alerting-critical-reaches-someone", [T.helm, "monitoring-kube-prometheus-stack"], "Alertmanager no longer uses the platform's AlertmanagerConfig", (r) => { delete r.inputs.values.alertmanager.alertmanagerSpec.alertmanagerConfiguration; });
const PR: [string, string] = [T.promRule, "monitoring-rules"];
const dropAlert = (name: string) => (r: Rec) => { for (const g of r.inputs.spec.groups) g.rules = g.rules.filter((x: Any) => x.alert !== name); };
m("alerting and data", "alerting-rules-kept", PR, "MlflowDown removed", dropAlert("MlflowDown"));
m("alerting and data", "alerting-rules-kept", PR, "ModelNoReplicasAvailable removed", dropAlert("ModelNoReplicasAvailable"));
m("alerting and data", "alerting-rules-kept", PR, "ModelErrorRatioHigh downgraded to warning only", (r) => { for (const g of r.inputs.spec.groups) for (const x of g.rules) if (x.alert === "ModelErrorRatioHigh") x.labels.severity = "warning"; });
m("alerting and data", "alerting-rules-kept", PR, "the platform group removed", (r) => { r.inputs.spec.groups = r.inputs.spec.groups.filter((g: Any) => g.name !== "mlops-platform"); });
for (const b of ["mlflow-artifacts-bucket", "mlflow-datasets-bucket"]) {
    m("alerting and data", "gcs-no-force-destroy", [T.bucket, b], `${b} with forceDestroy`, (r) => { r.inputs.forceDestroy = true; });
    m("alerting and data", "gcs-soft-delete", [T.bucket, b], `${b} soft delete off`, (r) => { r.inputs.softDeletePolicy.retentionDurationSeconds = 0; });
}
m("alerting and data", "gcs-versioning", [T.bucket, "mlflow-artifacts-bucket"], "artifact versioning off", (r) => { r.inputs.versioning.enabled = false; });
m("alerting and data", "gcs-uniform-bucket-level-access", [T.bucket, "mlflow-datasets-bucket"], "object ACLs allowed", (r) => { r.inputs.uniformBucketLevelAccess = false; });
m("alerting and data", "gcs-public-access-prevention", [T.bucket, "mlflow-artifacts-bucket"], "public access prevention inherited", (r) => { r.inputs.publicAccessPrevention = "inherited"; });
m("alerting and data", "stack-stateful-resources-protected", [T.bucket, "mlflow-datasets-bucket"], "datasets bucket unprotected", (r) => { r.protect = false; });
const SQL: [string, string] = [T.sql, "mlflow-db-postgres"];
m("alerting and data", "sql-backup-retention", SQL, "backup retention cut to one backup", (r) => { r.inputs.settings.backupConfiguration.backupRetentionSettings.retainedBackups = 1; });
m("alerting and data", "sql-backup-retention", SQL, "transaction logs kept one day", (r) => { r.inputs.settings.backupConfiguration.transactionLogRetentionDays = 1; });
m("alerting and data", "sql-backups-and-pitr", SQL, "point-in-time recovery off", (r) => { r.inputs.settings.backupConfiguration.pointInTimeRecoveryEnabled = false; });
m("alerting and data", "sql-no-public-ip", SQL, "a public IP", (r) => { r.inputs.settings.ipConfiguration.ipv4Enabled = true; });
m("alerting and data", "sql-tls-required", SQL, "unencrypted connections allowed", (r) => { r.inputs.settings.ipConfiguration.sslMode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"; });
m("alerting and data", "sql-deletion-protection", SQL, "database deletion protection off", (r) => { r.inputs.settings.deletionProtectionEnabled = false; });
m("alerting and data", "sql-regional-availability", SQL, "a zonal database", (r) => { r.inputs.settings.availabilityType = "ZONAL"; });

export const MUTANTS: readonly Mutant[] = mutants;
