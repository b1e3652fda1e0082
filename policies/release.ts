// Release safety: progressive delivery that can stop a bad model, and disruption budgets that keep it serving.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { byType, ofTypes, Props, TYPES } from "./util";

const q = JSON.stringify;
const ANALYSIS_TEMPLATE = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate";
const where = (p: Props) => `${p.metadata?.namespace}/${p.metadata?.name}`;
const templatesOf = (a: Props | undefined): string[] => (a?.templates ?? []).map((t: Props) => t.templateName).filter(Boolean);

export const releasePolicies: ResourceValidationPolicy[] = [
    {
        name: "rollout-canary-gated",
        description: "A canary shifts traffic in steps, and an analysis judges the new model before it takes all traffic.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { maxFirstWeight: { type: "integer", minimum: 1, maximum: 100, default: 25 } } },
        validateResource: ofTypes([TYPES.rollout], (p, args, report) => {
            const c = p.spec?.strategy?.canary;
            if (!c) return;
            const { maxFirstWeight } = args.getConfig<{ maxFirstWeight: number }>();
            const steps: Props[] = c.steps ?? [];
            const weights = steps.map((s, i) => [i, s.setWeight] as const).filter(([, w]) => typeof w === "number");
            // An A/B test routes only matching requests (a header or cookie) to the candidate, judged by an
            // analysis before the route is dropped and the winner promoted: gated, without weights.
            const headerRoute = steps.findIndex((s) => (s.setHeaderRoute?.match ?? []).length > 0);
            const headerGated = headerRoute >= 0 && steps.some((s, i) => i > headerRoute && templatesOf(s.analysis).length > 0);
            if (weights.length === 0 && headerGated) return;
            if (weights.length === 0) report(`Rollout ${where(p)} must shift traffic in steps (spec.strategy.canary.steps has no setWeight); without steps a canary goes straight to 100%; or route a header to it (setHeaderRoute.match) and analyse before promoting.`);
            else if (weights[0][1] > maxFirstWeight) report(`Rollout ${where(p)} must start its canary at ${maxFirstWeight}% or less (spec.strategy.canary.steps[${weights[0][0]}].setWeight ${weights[0][1]}).`);
            // Analysis judges live traffic: steps before the first traffic step (e.g. the release quality check)
            // do not count. A traffic step: a weight, a header route or the candidate's scale (mirrored traffic).
            const firstTraffic = steps.findIndex((s) => s.setWeight !== undefined || s.setHeaderRoute !== undefined || s.setCanaryScale !== undefined);
            const firstAnalysis = steps.findIndex((s, i) => i > firstTraffic && templatesOf(s.analysis).length > 0);
            const background = templatesOf(c.analysis).length > 0;
            const full = weights.find(([, w]) => w >= 100);
            if (!background && firstAnalysis < 0) report(`Rollout ${where(p)} must run an analysis during its canary (no step after the first traffic step has analysis.templates and spec.strategy.canary.analysis is ${q(c.analysis)}).`);
            else if (!background && full && full[0] < firstAnalysis) report(`Rollout ${where(p)} must analyse before sending 100% of traffic (steps[${full[0]}].setWeight 100 comes before the first analysis step ${firstAnalysis}).`);
        }),
    },
    {
        name: "rollout-bluegreen-gated",
        description: "A blue-green release is promoted only after a pre-promotion analysis passes (or by hand).",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([TYPES.rollout], (p, _args, report) => {
            const bg = p.spec?.strategy?.blueGreen;
            if (!bg) return;
            if (bg.autoPromotionEnabled !== false && templatesOf(bg.prePromotionAnalysis).length === 0) {
                report(`Rollout ${where(p)} must gate promotion (spec.strategy.blueGreen.prePromotionAnalysis is ${q(bg.prePromotionAnalysis)} with autoPromotionEnabled ${q(bg.autoPromotionEnabled)}); add prePromotionAnalysis.templates or set autoPromotionEnabled: false.`);
            }
            if (!bg.previewService) report(`Rollout ${where(p)} must have a previewService for the analysis to test (spec.strategy.blueGreen.previewService is absent).`);
        }),
    },
    {
        name: "rollout-analysis-can-fail",
        description: "Every analysis metric can fail: it has a success or failure condition, and failureLimit below its count.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes([ANALYSIS_TEMPLATE, "kubernetes:argoproj.io/v1alpha1:ClusterAnalysisTemplate"], (p, _args, report) => {
            const metrics: Props[] = p.spec?.metrics ?? [];
            if (metrics.length === 0) report(`AnalysisTemplate ${where(p)} must have metrics (spec.metrics is empty), or every analysis passes.`);
            metrics.forEach((m, i) => {
                // A `job` metric fails when its Job fails (Argo Rollouts' job provider): no condition needed.
                if (!m.successCondition && !m.failureCondition && !m.provider?.job) report(`AnalysisTemplate ${where(p)} metric ${m.name} must have a successCondition or failureCondition (spec.metrics[${i}] has neither, so every measurement passes).`);
                const count = typeof m.count === "number" ? m.count : undefined;
                const limit = typeof m.failureLimit === "number" ? m.failureLimit : 0;
                // A templated count ("{{args.count}}") can still be matched by the same template as failureLimit.
                const sameTemplate = typeof m.count === "string" && m.failureLimit === m.count;
                if (limit < 0 || sameTemplate || (count !== undefined && limit >= count)) report(`AnalysisTemplate ${where(p)} metric ${m.name} must be able to fail (spec.metrics[${i}].failureLimit ${m.failureLimit} with count ${m.count}); keep failureLimit below count.`);
            });
        }),
    },
];

interface Replicas { minPlatformReplicas: number }

export const releaseStackPolicies: StackValidationPolicy[] = [
    {
        name: "rollout-analysis-exists",
        description: "Every analysis a Rollout names exists in its namespace: a missing template fails the release, or is skipped by hand.",
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const have = new Set(byType(args.resources, ANALYSIS_TEMPLATE).map((t) => `${t.props.metadata?.namespace}/${t.props.metadata?.name}`));
            for (const r of byType(args.resources, TYPES.rollout)) {
                const s = r.props.spec?.strategy ?? {};
                const refs = [...templatesOf(s.blueGreen?.prePromotionAnalysis), ...templatesOf(s.blueGreen?.postPromotionAnalysis), ...templatesOf(s.canary?.analysis), ...(s.canary?.steps ?? []).flatMap((x: Props) => templatesOf(x.analysis))];
                for (const t of new Set(refs)) if (!have.has(`${r.props.metadata?.namespace}/${t}`)) report(`Rollout ${where(r.props)} names AnalysisTemplate ${t}, which the stack does not create in ${r.props.metadata?.namespace}.`, r.urn);
            }
        },
    },
    {
        name: "stack-pdb-keeps-pods",
        description: "A PodDisruptionBudget keeps at least one pod up: maxUnavailable below the replicas, minAvailable above zero.",
        enforcementLevel: "mandatory",
        // Dev runs single replicas on purpose: there a budget of 1 may let the one pod drain.
        configSchema: { properties: { compareWithReplicas: { type: "boolean", default: true } } },
        validateStack: (args, report) => {
            const { compareWithReplicas } = args.getConfig<{ compareWithReplicas: boolean }>();
            const pct = (v: unknown) => typeof v === "string" && v.endsWith("%") ? Number(v.slice(0, -1)) : undefined;
            for (const pdb of byType(args.resources, TYPES.pdb)) {
                const s = pdb.props.spec ?? {};
                const ns = pdb.props.metadata?.namespace;
                const sel: Record<string, string> = s.selector?.matchLabels ?? {};
                const covered = args.resources.filter((w) => [TYPES.deployment, TYPES.rollout, "kubernetes:apps/v1:StatefulSet"].includes(w.type) && w.props.metadata?.namespace === ns
                    && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => w.props.spec?.template?.metadata?.labels?.[k] === v));
                const minReplicas = Math.min(...covered.map((w) => {
                    const hpa = byType(args.resources, TYPES.hpa).find((h) => h.props.metadata?.namespace === ns && h.props.spec?.scaleTargetRef?.name === w.props.metadata?.name);
                    return hpa?.props.spec?.minReplicas ?? w.props.spec?.replicas ?? 1;
                }));
                const w = `PodDisruptionBudget ${where(pdb.props)}`;
                if (s.maxUnavailable !== undefined) {
                    const p = pct(s.maxUnavailable);
                    if ((p !== undefined && p >= 100) || (compareWithReplicas && typeof s.maxUnavailable === "number" && covered.length > 0 && s.maxUnavailable >= minReplicas)) report(`${w} must keep a pod up (spec.maxUnavailable ${q(s.maxUnavailable)} with ${covered.length ? `${minReplicas} replicas at least` : "no workload"}); use maxUnavailable 1 and at least 2 replicas.`, pdb.urn);
                }
                if (s.minAvailable !== undefined && (s.minAvailable === 0 || pct(s.minAvailable) === 0)) report(`${w} must keep a pod up (spec.minAvailable ${q(s.minAvailable)}).`, pdb.urn);
                if (s.maxUnavailable === undefined && s.minAvailable === undefined) report(`${w} must set maxUnavailable or minAvailable (neither is set, so it protects nothing).`, pdb.urn);
            }
        },
    },
    {
        name: "stack-platform-replicas",
        description: "Platform servers (MLflow) run enough replicas to survive a node drain.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { minPlatformReplicas: { type: "integer", minimum: 1, default: 2 } } },
        validateStack: (args, report) => {
            const { minPlatformReplicas } = args.getConfig<Replicas>();
            for (const d of byType(args.resources, TYPES.deployment)) {
                const labels = d.props.spec?.template?.metadata?.labels ?? {};
                if (labels["app.kubernetes.io/name"] !== "mlflow" || labels["app.kubernetes.io/component"] !== "server") continue;
                const replicas = d.props.spec?.replicas ?? 1;
                if (replicas < minPlatformReplicas) report(`Deployment ${where(d.props)} must run at least ${minPlatformReplicas} replicas (spec.replicas ${q(d.props.spec?.replicas)}).`, d.urn);
            }
        },
    },
];
