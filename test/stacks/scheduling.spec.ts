// Kueue in the real plans.
import * as assert from "node:assert/strict";
import { formatVerdicts } from "../../components/scheduling/capacity";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { checkQueueCapacity, checkSchedulability } from "../../scripts/harness/schedulability";
import { Plan } from "../../scripts/harness/runPlan";
import { Any, bothPlans, ofType, one } from "../plans";

const K = (kind: string) => `kubernetes:kueue.x-k8s.io/v1beta2:${kind}`;

describe("batch scheduling in the stack plans", () => {
    let dev: Plan;
    let prod: Plan;
    before(async () => ({ dev, prod } = await bothPlans()));

    it("installs Kueue from its pinned chart", () => {
        const r = one(prod, "kubernetes:helm.sh/v3:Release", "batch-kueue").inputs;
        assert.deepEqual([r.chart, r.version, r.values.enablePrometheus], ["oci://registry.k8s.io/kueue/charts/kueue", "0.19.2", true]);
    });

    it("has a flavor per training pool and for CPU, and a queue per team namespace in one cohort", () => {
        assert.deepEqual(ofType(prod, K("ResourceFlavor")).map((f) => f.inputs.metadata.name).sort(), ["a100-training", "cpu", "h100-flex"]);
        const queues = ofType(prod, K("ClusterQueue"));
        assert.deepEqual(queues.map((q) => q.inputs.metadata.name).sort(), ["ml-experiments", "ml-serving", "ml-training"]);
        for (const q of queues) assert.equal(q.inputs.spec.cohortName, "mlops-platform");
        assert.deepEqual(ofType(prod, K("LocalQueue")).map((q) => [q.inputs.metadata.namespace, q.inputs.spec.clusterQueue]).sort(), [
            ["ml-experiments", "ml-experiments"], ["ml-serving", "ml-serving"], ["ml-training", "ml-training"],
        ]);
        assert.deepEqual(ofType(prod, K("WorkloadPriorityClass")).map((p) => [p.inputs.metadata.name, p.inputs.value]).sort(), [["experiment", 100], ["production-retrain", 1000]]);
    });

    it("GPU jobs get GPU-pool labels only: one resource group per queue, flavors with their own pool's labels", () => {
        for (const q of ofType(prod, K("ClusterQueue"))) {
            assert.equal(q.inputs.spec.resourceGroups.length, 1);
            assert.deepEqual(q.inputs.spec.resourceGroups[0].coveredResources, ["cpu", "memory", "nvidia.com/gpu"]);
            assert.deepEqual(q.inputs.spec.resourceGroups[0].flavors.map((f: Any) => f.name), ["cpu", "a100-training", "h100-flex"]);
        }
        const flavor = (n: string) => ofType(prod, K("ResourceFlavor")).find((f) => f.inputs.metadata.name === n)!.inputs.spec;
        assert.deepEqual(flavor("cpu").nodeLabels, { "mlops.platform/purpose": "system" });
        assert.deepEqual(flavor("h100-flex").nodeLabels, { "mlops.platform/purpose": "training", "mlops.platform/pool": "h100-flex", "cloud.google.com/gke-accelerator": "nvidia-h100-80gb" });
        assert.ok(flavor("h100-flex").tolerations.some((t: Any) => t.key === "cloud.google.com/gke-queued"));
        // CPU-only batch pods select the system purpose, so no GPU flavor (purpose: training) can take them.
        const drift = one(prod, "kubernetes:batch/v1:CronJob", "churn-predictor-drift").inputs.spec.jobTemplate.spec.template.spec;
        assert.deepEqual(drift.nodeSelector, { "mlops.platform/purpose": "system" });
    });

    it("the queues' nominal quotas add up to no more than the pools can reach", () => {
        const sums = new Map<string, number[]>();
        for (const q of ofType(prod, K("ClusterQueue"))) {
            for (const f of q.inputs.spec.resourceGroups[0].flavors) {
                const [cpu, mem, gpu] = f.resources.map((r: Any) => r.nominalQuota);
                const s = sums.get(f.name) ?? [0, 0, 0];
                sums.set(f.name, [s[0] + parseInt(cpu), s[1] + parseInt(mem), s[2] + gpu]);
            }
        }
        // h100-flex: 4 x a3-highgpu-8g, 8 GPUs each; a100-training: 4 x 1 GPU.
        assert.equal(sums.get("h100-flex")![2], 32);
        assert.equal(sums.get("a100-training")![2], 4);
        assert.ok(sums.get("h100-flex")![0] <= 4 * 208_000 && sums.get("h100-flex")![0] > 4 * 200_000);
        // The CPU flavor: at most the system pool's 6 x e2-standard-8 (7910m each) less the platform's reserve.
        assert.ok(sums.get("cpu")![0] < 6 * 7910 - 10_000, `cpu flavor ${sums.get("cpu")![0]}m`);
        assert.equal(sums.get("cpu")![2], 0);
    });

    it("asks Dynamic Workload Scheduler for flex-start capacity in prod only (dev has no flex-start pool)", () => {
        assert.equal(one(prod, K("AdmissionCheck"), "batch-dws-check").inputs.spec.parameters.name, "dws");
        assert.equal(one(prod, K("ProvisioningRequestConfig"), "batch-dws-config").inputs.spec.provisioningClassName, "queued-provisioning.gke.io");
        assert.equal(ofType(dev, K("AdmissionCheck")).length, 0);
    });

    it("installs the JobSet controller from its pinned chart", () => {
        const r = one(prod, "kubernetes:helm.sh/v3:Release", "batch-jobset").inputs;
        assert.deepEqual([r.chart, r.version], ["oci://registry.k8s.io/jobset/charts/jobset", "0.12.0"]);
    });

    it("runs the multi-node retraining as a JobSet, valid against its CRD, admitted by Kueue as one unit", async () => {
        const cm = one(prod, "kubernetes:core/v1:ConfigMap", "ranker-jobset").inputs;
        const jobset = JSON.parse(cm.data["jobset.json"]);
        assert.deepEqual(await validateObject({ ...jobset, metadata: { ...jobset.metadata, name: "x" } }), []);
        assert.equal(jobset.metadata.labels["kueue.x-k8s.io/queue-name"], "batch");
        assert.equal(jobset.spec.suspend, true);
        assert.deepEqual(jobset.spec.network, { enableDNSHostnames: true, subdomain: "ranker-workers" });
        const workers = jobset.spec.replicatedJobs[0].template.spec;
        assert.deepEqual([workers.parallelism, workers.completions, workers.completionMode, workers.activeDeadlineSeconds], [2, 2, "Indexed", 720 * 60]);
        const pod = workers.template.spec;
        assert.deepEqual(pod.nodeSelector, { "mlops.platform/purpose": "training", "cloud.google.com/gke-accelerator": "nvidia-h100-80gb", "mlops.platform/pool": "h100-flex" });
        assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], "8");
        assert.ok(pod.containers[0].env.some((e: Any) => e.name === "MASTER_ADDR" && e.value === "$(JOBSET_NAME)-workers-0-0.ranker-workers"));
        const launcher = one(prod, "kubernetes:batch/v1:CronJob", "ranker-retrain").inputs;
        assert.deepEqual(launcher.spec.jobTemplate.spec.template.spec.containers[0].command, ["kubectl", "create", "-f", "/jobset/jobset.json"]);
        assert.deepEqual(one(prod, "kubernetes:rbac.authorization.k8s.io/v1:Role", "ranker-launcher").inputs.rules, [{ apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: ["create", "get", "list"] }]);
        assert.deepEqual(one(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "ranker-launcher-egress").inputs.spec.egress, [{ ports: [{ port: 443, protocol: "TCP" }], to: [{ ipBlock: { cidr: "172.16.0.0/28" } }] }]);
    });

    it("submits retraining and drift jobs through the namespace's LocalQueue, suspended", () => {
        for (const name of ["fraud-detector-retrain", "fraud-detector-drift"]) {
            const jt = one(prod, "kubernetes:batch/v1:CronJob", name).inputs.spec.jobTemplate as Any;
            assert.equal(jt.metadata.labels["kueue.x-k8s.io/queue-name"], "batch");
            assert.equal(jt.metadata.labels["kueue.x-k8s.io/priority-class"], "production-retrain");
            assert.equal(jt.spec.suspend, true);
        }
    });
});

describe("day one on a real cluster: the stack plans", () => {
    let dev: Plan;
    let prod: Plan;
    before(async () => ({ dev, prod } = await bothPlans()));

    it("every pod template is schedulable and admissible in both stacks", () => {
        for (const plan of [dev, prod]) {
            const verdicts = checkSchedulability(plan.resources);
            assert.deepEqual(formatVerdicts(verdicts), [], plan.stack);
            assert.deepEqual(checkQueueCapacity(plan.resources), [], plan.stack);
            assert.ok(verdicts.length >= 8, `${plan.stack}: ${verdicts.length} templates`);
        }
        const byName = new Map(checkSchedulability(prod.resources).map((v) => [v.workload, v]));
        assert.deepEqual(byName.get("JobSet ml-training/ranker-retrain-workers")?.flavors, ["h100-flex"]);
        assert.equal(byName.get("JobSet ml-training/ranker-retrain-workers")?.pool, "h100-flex");
        assert.deepEqual(byName.get("CronJob ml-serving/fraud-detector-retrain")?.flavors, ["a100-training"]);
        assert.deepEqual(byName.get("CronJob ml-serving/churn-predictor-drift")?.flavors, ["cpu"]);
        assert.equal(byName.get("Rollout ml-serving/fraud-detector")?.pool, "l4-serving");
    });

    it("no workload an HPA scales sets spec.replicas, and Pulumi ignores the field", () => {
        for (const plan of [dev, prod]) {
            for (const hpa of ofType(plan, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) {
                const ref = hpa.inputs.spec.scaleTargetRef;
                const target = plan.resources.find((r) => (r.inputs as Any)?.kind === ref.kind && (r.inputs as Any)?.metadata?.name === ref.name && (r.inputs as Any)?.metadata?.namespace === hpa.inputs.metadata.namespace);
                assert.ok(target, `${ref.kind} ${ref.name}`);
                assert.equal((target.inputs as Any).spec.replicas, undefined, `${ref.kind} ${ref.name} sets replicas`);
                assert.deepEqual(target.ignoreChanges, ["spec.replicas"]);
            }
        }
    });

    it("defines priorities platform-critical > serving > batch > experiment; batch never preempts; Kueue's classes match", () => {
        const classes = ofType(prod, "kubernetes:scheduling.k8s.io/v1:PriorityClass").map((p) => [p.inputs.metadata.name, p.inputs.value, p.inputs.preemptionPolicy]);
        assert.deepEqual(classes.sort((a, b) => b[1] - a[1]), [
            ["mlops-platform-critical", 1_000_000, "PreemptLowerPriority"], ["mlops-serving", 100_000, "PreemptLowerPriority"],
            ["mlops-batch", 1000, "Never"], ["mlops-experiment", 100, "Never"],
        ]);
        const wpc = Object.fromEntries(ofType(prod, K("WorkloadPriorityClass")).map((p) => [p.inputs.metadata.name, p.inputs.value]));
        assert.deepEqual(wpc, { "production-retrain": 1000, experiment: 100 });
        const spec = (type: string, name: string) => one(prod, type, name).inputs;
        assert.equal(spec("kubernetes:argoproj.io/v1alpha1:Rollout", "fraud-detector-rollout").spec.template.spec.priorityClassName, "mlops-serving");
        assert.equal(spec("kubernetes:apps/v1:Deployment", "ranker-deployment").spec.template.spec.priorityClassName, "mlops-serving");
        assert.equal(spec("kubernetes:batch/v1:CronJob", "fraud-detector-retrain").spec.jobTemplate.spec.template.spec.priorityClassName, "mlops-batch");
        assert.equal(JSON.parse(spec("kubernetes:core/v1:ConfigMap", "ranker-jobset").data["jobset.json"]).spec.replicatedJobs[0].template.spec.template.spec.priorityClassName, "mlops-batch");
        assert.equal(spec("kubernetes:helm.sh/v3:Release", "batch-kueue").values.controllerManager.manager.priorityClassName, "mlops-platform-critical");
        assert.equal(spec("kubernetes:helm.sh/v3:Release", "delivery-argo-rollouts").values.controller.priorityClassName, "mlops-platform-critical");
    });

    it("the controllers' namespaces start from default deny and allow exactly their flows", () => {
        const policies = (ns: string) => Object.fromEntries(ofType(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
            .filter((p) => p.inputs.metadata.namespace === ns).map((p) => [p.inputs.metadata.name, p.inputs.spec]));
        const kueue = policies("kueue-system");
        assert.deepEqual(Object.keys(kueue).sort(), ["allow-api-server", "allow-control-plane-webhooks", "allow-dns", "allow-prometheus-scrape", "default-deny-all"]);
        assert.deepEqual(kueue["default-deny-all"], { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.deepEqual(kueue["allow-control-plane-webhooks"].ingress, [{ from: [{ ipBlock: { cidr: "172.16.0.0/28" } }], ports: [{ protocol: "TCP", port: 9443 }, { protocol: "TCP", port: 8082 }] }]);
        assert.deepEqual(kueue["allow-api-server"].egress, [{ to: [{ ipBlock: { cidr: "172.16.0.0/28" } }], ports: [{ protocol: "TCP", port: 443 }] }]);
        assert.deepEqual(kueue["allow-prometheus-scrape"].ingress, [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 8443 }] }]);
        assert.deepEqual(Object.keys(policies("jobset-system")).sort(), ["allow-api-server", "allow-control-plane-webhooks", "allow-dns", "allow-prometheus-scrape", "default-deny-all"]);
        const argo = policies("argo-rollouts");
        assert.deepEqual(Object.keys(argo).sort(), [
            "allow-api-server", "allow-dns", "allow-gke-metadata-server", "allow-mlflow-release-records", "allow-plugin-fetch", "allow-prometheus-queries", "allow-prometheus-scrape", "default-deny-all",
        ]);
        // Abort notifications tag the candidate version in MLflow (docs/lifecycle.md, Promotion): its port only.
        assert.deepEqual(argo["allow-mlflow-release-records"].egress, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mlflow" } } }], ports: [{ protocol: "TCP", port: 5000 }] }]);
        // The controller fetches its traffic-router plugin from the platform bucket at start (Workload Identity).
        assert.deepEqual(argo["allow-plugin-fetch"].egress[0].ports, [{ protocol: "TCP", port: 443 }]);
        assert.deepEqual(argo["allow-gke-metadata-server"].egress, [
            { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
            { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
        ]);
        assert.deepEqual(argo["allow-prometheus-queries"].egress, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9090 }] }]);
        for (const ns of ["kueue-system", "jobset-system", "argo-rollouts"]) {
            assert.equal(ofType(prod, "kubernetes:core/v1:ResourceQuota").filter((q) => q.inputs.metadata.namespace === ns).length, 1, ns);
        }
    });
});
