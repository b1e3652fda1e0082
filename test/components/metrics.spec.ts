// The metric inventory: every metric a query reads has a declared producer.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { platformRuleGroups } from "../../components/monitoring/alertRules";
import { METRICS, METRIC_SOURCES, SERVING_CONTRACT } from "../../components/monitoring/metrics";
import { DASHBOARDS_DIR, loadDashboards } from "../../components/monitoring/monitoringStack";
import { Any, bothPlans, ofType } from "../plans";

/** Metric names a PromQL expression selects. */
export function metricNames(expr: string): string[] {
    const names: string[] = [];
    parser.parse(expr).iterate({
        enter: (n) => {
            if (n.type.name === "Identifier" && n.node.parent?.type.name === "VectorSelector") names.push(expr.slice(n.from, n.to));
        },
    });
    return names;
}

describe("metric inventory", () => {
    const queries: { where: string; expr: string }[] = [];
    before(async () => {
        const { dev, prod } = await bothPlans();
        for (const [stack, plan] of [["dev", dev], ["prod", prod]] as const) {
            for (const r of ofType(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")) {
                for (const g of r.inputs.spec.groups) for (const rule of g.rules) queries.push({ where: `${stack} rule ${rule.alert ?? rule.record}`, expr: rule.expr });
            }
            for (const t of ofType(plan, "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate")) {
                // Prometheus metrics only: a `job` metric (the release check) runs a Job, not a query.
                for (const m of t.inputs.spec.metrics.filter((x: Any) => x.provider.prometheus)) queries.push({ where: `${stack} analysis ${t.name}/${m.name}`, expr: m.provider.prometheus.query.replace(/\{\{args\.\w+\}\}/g, "x") });
            }
        }
        for (const d of loadDashboards(DASHBOARDS_DIR)) {
            const j = JSON.parse(d.json);
            for (const p of j.panels) for (const t of p.targets) queries.push({ where: `${d.file} panel ${p.title}`, expr: t.expr });
            for (const v of j.templating.list.filter((v: Any) => v.type === "query")) queries.push({ where: `${d.file} variable ${v.name}`, expr: v.query.query.replace(/^label_values\((.*), \w+\)$/, "$1") });
        }
    });

    it("reads rules, rollout analyses and dashboards (the extraction is live)", () => {
        assert.ok(queries.some((q) => q.where.includes("analysis")), "analysis queries found");
        assert.deepEqual(metricNames('sum(rate(a_total{x="1"}[5m])) / on (x) b or absent(c)'), ["a_total", "b", "c"]);
    });

    it("every metric queried has a declared source", () => {
        const unknown = queries.flatMap((q) => metricNames(q.expr).filter((m) => !METRICS[m]).map((m) => `${m} (${q.where})`));
        assert.deepEqual(unknown, [], "metrics nobody produces; declare them in components/monitoring/metrics.ts");
    });

    it("a query of a metric nobody produces is caught", () => {
        assert.deepEqual(metricNames("model_requests_totl").filter((m) => !METRICS[m]), ["model_requests_totl"]);
    });

    it("every declared metric is used, names a known source, and recording rules are the platform's", () => {
        const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
        assert.deepEqual(Object.keys(METRICS).filter((m) => !used.has(m)), [], "declared but unused");
        for (const [m, s] of Object.entries(METRICS)) assert.ok(s.source in METRIC_SOURCES, m);
        const records = platformRuleGroups().flatMap((g) => g.rules).flatMap((r) => r.record ?? []);
        assert.deepEqual(Object.keys(METRICS).filter((m) => METRICS[m].source === "recording-rule").sort(), [...records].sort());
    });

    it("docs/monitoring.md documents the serving contract", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "monitoring.md"), "utf8");
        for (const m of Object.keys(SERVING_CONTRACT)) assert.ok(readme.includes(m.replace(/_bucket$/, "")), m);
    });
});
