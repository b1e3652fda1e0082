// The model lifecycle: a served version that can change (pinned and promoted, or retrained) changes only through
// a release that checks its quality first (docs/lifecycle.md, "## Promotion").
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { byType, containersOf, podSpecOf, Props, TYPES } from "./util";

const ANALYSIS_TEMPLATE = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate";
const RELEASE_SCRIPT = /(^|\/)release_check\.py$/;
const PINNED = /^models:\/[^/@]+\/\d+$/;
const where = (p: Props) => `${p.metadata?.namespace}/${p.metadata?.name}`;
const envOf = (c: Props, name: string): string | undefined => (c.env ?? []).find((e: Props) => e.name === name)?.value;
/** A container that runs the release check (`release_check.py check`). */
const runsCheck = (c: Props) => {
    const cmd: string[] = [...(c.command ?? []), ...(c.args ?? [])];
    const script = cmd.findIndex((x) => RELEASE_SCRIPT.test(x));
    return script >= 0 && (cmd[script + 1] ?? "check") === "check";
};
const templatesOf = (a: Props | undefined): string[] => (a?.templates ?? []).map((t: Props) => t.templateName).filter(Boolean);

/** Names of the AnalysisTemplates in `namespace` with a `job` metric running the release check. */
function gateTemplates(resources: PolicyResource[], namespace: string): Set<string> {
    return new Set(byType(resources, ANALYSIS_TEMPLATE)
        .filter((t) => t.props.metadata?.namespace === namespace && (t.props.spec?.metrics ?? []).some((m: Props) => (m.provider?.job?.spec?.template?.spec?.containers ?? []).some(runsCheck)))
        .map((t) => t.props.metadata?.name));
}

/** Why a Rollout's release is not gated before traffic, or undefined when it is. */
function rolloutGap(r: PolicyResource, gates: Set<string>): string | undefined {
    const s = r.props.spec?.strategy ?? {};
    const gated = (a: Props | undefined) => templatesOf(a).some((t) => gates.has(t)) && (a?.args ?? []).some((x: Props) => x.name === "model-uri" && (x.value ?? x.valueFrom?.fieldRef?.fieldPath));
    if (s.blueGreen) return gated(s.blueGreen.prePromotionAnalysis) ? undefined : `spec.strategy.blueGreen.prePromotionAnalysis names no release-check template (${[...gates].join(", ") || "none in the namespace"}) with a model-uri argument`;
    const steps: Props[] = s.canary?.steps ?? [];
    const firstTraffic = steps.findIndex((x) => x.setWeight !== undefined || x.setHeaderRoute !== undefined || x.setCanaryScale !== undefined);
    const check = steps.findIndex((x) => gated(x.analysis));
    if (check < 0) return `no canary step runs a release-check template (${[...gates].join(", ") || "none in the namespace"}) with a model-uri argument`;
    if (firstTraffic >= 0 && check > firstTraffic) return `the release check (steps[${check}]) comes after traffic moves (steps[${firstTraffic}])`;
    return undefined;
}

/** The platform's retrain-trigger container (components/lifecycle/driftTrigger.ts): drift starts retraining. */
const TRIGGER_CONTAINER = "retrain-trigger";

export const lifecycleStackPolicies: StackValidationPolicy[] = [
    {
        name: "stack-drift-has-retraining",
        description: "Every model with a drift check has a retraining path: a `<model>-retrain` CronJob in its namespace, and (requireTrigger) a drift check that starts it when the score is above the threshold, so drift is acted on without a person.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { requireTrigger: { type: "boolean", default: true } } },
        validateStack: (args, report) => {
            const requireTrigger = args.getConfig<{ requireTrigger?: boolean }>().requireTrigger ?? true;
            const cronJobs = byType(args.resources, TYPES.cronJob);
            const names = new Set(cronJobs.map((c) => `${c.props.metadata?.namespace}/${c.props.metadata?.name}`));
            for (const c of cronJobs) {
                const template = c.props.spec?.jobTemplate?.spec?.template;
                if (template?.metadata?.labels?.["mlops.platform/workload"] !== "drift") continue;
                const model = template.metadata.labels["app.kubernetes.io/name"];
                const ns = c.props.metadata?.namespace;
                if (!names.has(`${ns}/${model}-retrain`)) {
                    report(`CronJob ${where(c.props)} checks drift of ${model}, but ${ns}/${model}-retrain does not exist: a drifted model would never be retrained (add retraining to the model).`, c.urn);
                    continue;
                }
                const containers: Props[] = template.spec?.containers ?? [];
                if (requireTrigger && !containers.some((x) => x.name === TRIGGER_CONTAINER)) {
                    report(`CronJob ${where(c.props)} only reports drift: no ${TRIGGER_CONTAINER} container starts ${model}-retrain when the score is above the threshold (set drift.retrain: true).`, c.urn);
                }
            }
        },
    },
    {
        name: "stack-promotion-quality-gated",
        description: "Every model whose served version can change (a pinned version promoted by a bump, or retraining) checks the candidate's quality before it serves: a release-check analysis before any traffic moves, or a rolling model's init container.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const retrained = new Set(byType(args.resources, TYPES.cronJob).map((c) => c.props.metadata?.name));
            for (const w of [...byType(args.resources, TYPES.rollout), ...byType(args.resources, TYPES.deployment)]) {
                const pod = podSpecOf(w.type, w.props);
                const labels = w.props.spec?.template?.metadata?.labels ?? {};
                if (!pod || labels["mlops.platform/workload"] !== "serving") continue;
                const server = (pod.containers ?? [])[0] ?? {};
                const uri = envOf(server, "MODEL_URI");
                if (uri === undefined) continue;
                const name = w.props.metadata?.name;
                const isRetrained = retrained.has(`${name}-retrain`);
                if (!PINNED.test(uri) && !isRetrained) continue;
                const kind = w.type === TYPES.rollout ? "Rollout" : "Deployment";
                if (!PINNED.test(uri)) {
                    report(`${kind} ${where(w.props)} must pin its model version (MODEL_URI ${JSON.stringify(uri)} follows an alias): retraining would change what it serves without a release or a quality check.`, w.urn);
                    continue;
                }
                if (w.type === TYPES.rollout) {
                    const gap = rolloutGap(w, gateTemplates(args.resources, w.props.metadata?.namespace));
                    if (gap) report(`Rollout ${where(w.props)} must check the candidate's quality before it takes traffic: ${gap}.`, w.urn);
                } else {
                    const init = containersOf(pod).filter((c) => c.kind === "init container" && runsCheck(c.spec));
                    if (!init.some((c) => envOf(c.spec, "MODEL_URI") === uri)) {
                        report(`Deployment ${where(w.props)} must check the candidate's quality before it serves: no init container runs release_check.py check on MODEL_URI ${JSON.stringify(uri)}${init.length ? ` (found one on ${JSON.stringify(envOf(init[0].spec, "MODEL_URI"))})` : ""}.`, w.urn);
                    }
                }
            }
        },
    },
];
