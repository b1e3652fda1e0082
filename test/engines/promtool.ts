// Rule files and promtool unit-test files, built from the plan's PrometheusRule groups.
import { stringify } from "yaml";
import { Rule, RuleGroup } from "../../components/monitoring/alertRules";

export type Labels = Record<string, string>;
export interface Series { series: string; values: string }
export interface ExpAlert { exp_labels: Labels; exp_annotations: Labels }
export interface AlertTest { eval_time: string; alertname: string; exp_alerts: ExpAlert[] }
export interface ExprTest { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] }
export interface TestGroup { name: string; interval: string; input_series: Series[]; alert_rule_test?: AlertTest[]; promql_expr_test?: ExprTest[] }

/** A series selector in promtool's notation: `name{a="x", b="y"}`. */
export function sel(name: string, labels: Labels = {}): string {
    const body = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(", ");
    return `${name}{${body}}`;
}

/** One input series: `values` in promtool's expanding notation, e.g. `5x30` or `0+60x30`. */
export const series = (name: string, labels: Labels, values: string): Series => ({ series: sel(name, labels), values });

/** The rule file Prometheus loads from a PrometheusRule's `spec.groups`. */
export const ruleFile = (groups: RuleGroup[]): string => stringify({ groups });

export const testFile = (ruleFileName: string, tests: TestGroup[]): string =>
    stringify({ rule_files: [ruleFileName], evaluation_interval: "1m", tests });

// Go's `%.4g`: 4 significant digits, trailing zeros dropped (values here stay below 10^4).
const g4 = (v: number) => String(Number(v.toPrecision(4)));

/** Prometheus's humanizeDuration, for the values these tests use. */
export function humanizeDuration(v: number): string {
    if (v === 0) return "0s";
    if (Math.abs(v) >= 1) {
        const sign = v < 0 ? "-" : "";
        const d = Math.trunc(Math.abs(v));
        const [s, m, h, days] = [d % 60, Math.trunc(d / 60) % 60, Math.trunc(d / 3600) % 24, Math.trunc(d / 86400)];
        if (days) return `${sign}${days}d ${h}h ${m}m ${s}s`;
        if (h) return `${sign}${h}h ${m}m ${s}s`;
        if (m) return `${sign}${m}m ${s}s`;
        return `${sign}${g4(Math.abs(v))}s`;
    }
    let prefix = "";
    for (const p of ["m", "u", "n", "p"]) {
        if (Math.abs(v) >= 1) break;
        prefix = p;
        v *= 1000;
    }
    return `${g4(v)}${prefix}s`;
}

/**
 * An alert's annotations as Prometheus expands them: `{{ $labels.x }}` (empty when absent), `{{ $value }}`
 * and the humanizePercentage and humanizeDuration pipes. Throws on anything else, so a new template
 * function is noticed here rather than misread.
 */
export function expandAnnotations(rule: Rule, labels: Labels, value: number): Labels {
    const out: Labels = {};
    for (const [k, t] of Object.entries(rule.annotations ?? {})) {
        out[k] = t.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, e: string) => {
            const l = /^\$labels\.(\w+)$/.exec(e);
            if (l) return labels[l[1]] ?? "";
            if (e === "$value") return String(value);
            if (e === "$value | humanizePercentage") return `${g4(value * 100)}%`;
            if (e === "$value | humanizeDuration") return humanizeDuration(value);
            throw new Error(`template not understood by the test: {{ ${e} }}`);
        });
    }
    return out;
}
