// The mutation suite: each mutant (mutants.ts) weakens the real prod plan by one realistic change; the pack,
// served by run-policy-pack and called over gRPC as `npm run policy` does, must report it under the mutant's
// rule, on the resource changed, as a mandatory violation, while the unmutated plan passes. Every rule of the
// pack must be killed by at least one mutant. One analyzer process serves the whole suite.
import * as assert from "node:assert/strict";
import { Analyzer, PolicyInfo, Violation, policyConfigFor } from "../../scripts/harness/policy";
import { planOf } from "../plans";
import { sharedAnalyzer } from "./analyzer";
import { MUTANTS, Mutant, Rec } from "./mutants";

interface Outcome { mutant: Mutant; urn: string; found: Violation[]; caught: boolean }

function find(resources: Rec[], [type, name]: [string, string]): Rec {
    const hits = resources.filter((r) => r.type === type && r.name === name);
    if (hits.length !== 1) throw new Error(`mutant target: expected one ${type} named ${name}, found ${hits.length}`);
    return hits[0];
}

/** The plan with the mutant applied, the resource it changed or added, and the URN its violation must name. */
function apply(base: Rec[], mu: Mutant, i: number): { resources: Rec[]; changed: Rec; urn: string } {
    const target = find(base, mu.target);
    const changed = structuredClone(target);
    if (mu.add) {
        mu.add(changed);
        changed.name = `mutant-${i}`;
        changed.urn = `${target.urn.slice(0, target.urn.lastIndexOf("::"))}::mutant-${i}`.replace(target.type, changed.type);
        return { resources: [...base, changed], changed, urn: changed.urn };
    }
    mu.edit!(changed);
    const resources = base.map((r) => (r === target ? changed : r));
    return { resources, changed, urn: mu.on ? find(base, mu.on).urn : changed.urn };
}

async function run(analyzer: Analyzer, base: Rec[], mu: Mutant, i: number): Promise<Outcome> {
    const { resources, changed, urn } = apply(base, mu, i);
    const hit = (vs: Violation[]) => vs.filter((v) => v.policy === mu.rule && !v.notCheckable);
    const isCaught = (vs: Violation[]) => vs.some((v) => v.urn === urn && v.level === "mandatory");
    // Analyze (the changed resource) first; AnalyzeStack over the whole mutated plan (~0.6 s each: the SDK
    // deserializes every resource once per stack rule) only when a resource rule did not already catch it.
    const own = hit(await analyzer.analyze(changed));
    if (isCaught(own)) return { mutant: mu, urn, found: own, caught: true };
    const found = [...own, ...hit(await analyzer.analyzeStack(resources.filter((r) => r.type !== "pulumi:pulumi:Stack")))];
    return { mutant: mu, urn, found, caught: isCaught(found) };
}

describe("mutation suite: realistic weakenings of the prod plan", function () {
    this.timeout(120_000);
    let info: PolicyInfo[];
    let outcomes: Outcome[];
    let baseline: Violation[];

    before(async () => {
        const analyzer = await sharedAnalyzer();
        const base = (await planOf("prod")).resources as Rec[];
        info = await analyzer.info();
        await analyzer.configure(policyConfigFor("prod").config);
        const t0 = Date.now();
        const perResource = (await Promise.all(base.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => analyzer.analyze(r)))).flat();
        baseline = [...perResource, ...(await analyzer.analyzeStack(base.filter((r) => r.type !== "pulumi:pulumi:Stack")))].filter((v) => !v.notCheckable);
        outcomes = [];
        const BATCH = 16;
        for (let i = 0; i < MUTANTS.length; i += BATCH) {
            outcomes.push(...(await Promise.all(MUTANTS.slice(i, i + BATCH).map((mu, j) => run(analyzer, base, mu, i + j)))));
        }
        const caught = outcomes.filter((o) => o.caught).length;
        const byDomain = new Map<string, [number, number]>();
        for (const o of outcomes) {
            const [c, n] = byDomain.get(o.mutant.domain) ?? [0, 0];
            byDomain.set(o.mutant.domain, [c + (o.caught ? 1 : 0), n + 1]);
        }
        console.log(`      caught ${caught}/${outcomes.length} mutants in ${Date.now() - t0} ms (${[...byDomain].map(([d, [c, n]]) => `${d} ${c}/${n}`).join(", ")})`);
    });

    it("defines at least 120 mutants, in every domain", () => {
        assert.ok(MUTANTS.length >= 120, `${MUTANTS.length} mutants`);
        const domains = new Set(MUTANTS.map((mu) => mu.domain));
        for (const d of ["isolation", "secrets", "identity", "cluster and nodes", "release safety", "quotas and capacity", "alerting and data"]) assert.ok(domains.has(d as Mutant["domain"]), d);
    });

    it("the unmutated prod plan has no violation of any rule", () => {
        assert.deepEqual(baseline.map((v) => `${v.policy}: ${v.message}`), []);
    });

    it("every mutant is caught by its rule, on the resource it changed, as mandatory", () => {
        const missed = outcomes.filter((o) => !o.caught).map((o) => `${o.mutant.rule} missed "${o.mutant.change}" (${o.mutant.target.join(" ")}); reported: ${JSON.stringify(o.found.map((v) => [v.level, v.urn.split("::").pop(), v.message]))}`);
        assert.deepEqual(missed, []);
    });

    it("every rule of the pack is killed by at least one mutant", () => {
        const killed = new Set(outcomes.filter((o) => o.caught).map((o) => o.mutant.rule));
        assert.deepEqual(info.map((p) => p.name).filter((n) => !killed.has(n)), []);
    });

    it("every mutant names a rule of the pack", () => {
        const names = new Set(info.map((p) => p.name));
        assert.deepEqual(MUTANTS.filter((mu) => !names.has(mu.rule)).map((mu) => mu.rule), []);
    });
});
