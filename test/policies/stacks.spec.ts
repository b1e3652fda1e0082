// The policy pack over the real dev and prod plans, and over plans a careless change would produce.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkPolicies, formatReport, policyConfigFor } from "../../scripts/harness/policy";
import { ROOT } from "../../scripts/harness/stackConfig";
import { Any, planOf } from "../plans";
import { sharedAnalyzer } from "./analyzer";

describe("policy pack over the stack plans", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack} has no mandatory and no advisory violation`, async () => {
            const report = await checkPolicies(stack, (await planOf(stack)).resources, await sharedAnalyzer());
            assert.equal(report.configFile, `policies/config/${stack}.json`);
            assert.deepEqual(report.violations, [], formatReport(report));
            // Only what a real preview cannot know either: the node service account's email, IAM members, generated passwords.
            assert.deepEqual([...new Set(report.notCheckable.map((v) => v.policy))].sort(), ["iam-no-public-members", "iam-workload-identity-not-default-ksa", "nodepool-no-default-service-account", "secrets-no-literal-passwords"]);
        });
    }

    it("prod fails on a node pool with the Compute default service account, naming the rule", async () => {
        const resources = structuredClone((await planOf("prod")).resources) as Any[];
        const pool = resources.find((r) => r.type === "gcp:container/nodePool:NodePool" && r.name === "l4-serving");
        pool.inputs.nodeConfig.serviceAccount = "123456789-compute@developer.gserviceaccount.com";
        const report = await checkPolicies("prod", resources, await sharedAnalyzer());
        assert.deepEqual(report.violations.map((v) => [v.policy, v.level]), [["nodepool-no-default-service-account", "mandatory"]]);
        assert.equal(report.mandatory, 1);
    });

    it("prod fails when a serving PDB is dropped; dev allows one replica but prod does not", async () => {
        const resources = (await planOf("prod")).resources.filter((r) => r.name !== "fraud-detector-pdb");
        const report = await checkPolicies("prod", resources, await sharedAnalyzer());
        assert.deepEqual(report.violations.map((v) => v.policy), ["stack-serving-hpa-and-pdb"]);
        assert.match(report.violations[0].message, /Rollout ml-serving\/fraud-detector must have a PodDisruptionBudget/);
    });

    it("`npm run policy` checks a saved plan with the stack's config and exits 1 on a mandatory violation", async () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-policy-"));
        try {
            const resources = structuredClone((await planOf("dev")).resources) as Any[];
            const dev = path.join(tmp, "dev.json");
            fs.writeFileSync(dev, JSON.stringify(resources));
            resources.find((r) => r.type === "gcp:sql/databaseInstance:DatabaseInstance").inputs.settings.ipConfiguration.ipv4Enabled = true;
            const edited = path.join(tmp, "edited.json");
            fs.writeFileSync(edited, JSON.stringify(resources));
            const run = (args: string[]) => new Promise<{ code: number; out: string }>((resolve) => {
                execFile(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "scripts", "policy.ts"), ...args], { cwd: ROOT }, (err, stdout, stderr) =>
                    resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }));
            });
            const [ok, bad] = await Promise.all([run(["dev", dev]), run(["dev", edited])]);
            assert.equal(ok.code, 0, ok.out);
            assert.match(ok.out, /\(policies\/config\/dev\.json\): 0 mandatory, 0 advisory/);
            assert.equal(bad.code, 1, bad.out);
            assert.match(bad.out, /\[mandatory\] sql-no-public-ip: Cloud SQL instances must not have a public IP/);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});

describe("policy table (docs/policies.md)", () => {
    it("lists every rule with its level for dev and prod", async () => {
        const analyzer = await sharedAnalyzer();
        const info = await analyzer.info();
        const levels = { dev: await analyzer.configure(policyConfigFor("dev").config), prod: await analyzer.configure(policyConfigFor("prod").config) };
        // The policy page's tables, and the traffic-release rules listed with the strategies on the serving page.
        const readme = ["policies.md", "serving.md"].map((f) => fs.readFileSync(path.join(ROOT, "docs", f), "utf8")).join("\n");
        const rows = new Map([...readme.matchAll(/^\| `([a-z0-9-]+)` \| .+ \| (\w+) \| (\w+) \|$/gm)].map((m) => [m[1], [m[2], m[3]]]));
        for (const p of info) assert.deepEqual(rows.get(p.name), [levels.dev.get(p.name), levels.prod.get(p.name)], p.name);
        assert.equal(rows.size, info.length);
    });
});
