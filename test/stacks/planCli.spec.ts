// `npm run plan -- <stack>` as a user runs it: a child process, files on disk, exit codes.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PlanRun as Run, runPlanCli } from "../helpers";
import { parse, stringify } from "yaml";
import { validateObject } from "../../scripts/harness/kubernetesModels";
import { loadStackConfig } from "../../scripts/harness/stackConfig";
import { kubernetesObjects } from "../../scripts/harness/output";
import { DIGEST_MAX_COLUMNS, DIGEST_MAX_LINES } from "../../scripts/harness/digest";
import { Any, planOf } from "../plans";

const plan = runPlanCli;

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name)).sort();
}

describe("npm run plan", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-plan-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    let dev: Run;
    let bad: Run;
    let unsafe: Run;
    // Three plan processes start at once; on a busy 2-core machine they need more than mocha's 60 s.
    before(async function () {
        this.timeout(180_000);
        const config = loadStackConfig("dev").values as Any;
        config["mlops-platform:gpuNodePools"][0].acceleratorType = "nvidia-l40";
        config["mlops-platform:namespaces"][0].quota.storage = "10Gb";
        fs.writeFileSync(path.join(tmp, "Pulumi.bad.yaml"), stringify({ config }));
        // Valid config that breaks a prod policy: a system pool of a machine family prod does not allow.
        const prod = loadStackConfig("prod").values as Any;
        prod["mlops-platform:cluster"].systemPool.machineType = "n2-highmem-8";
        fs.writeFileSync(path.join(tmp, "Pulumi.unsafe.yaml"), stringify({ config: prod }));
        [dev, bad, unsafe] = await Promise.all([
            plan(["dev", "--out", path.join(tmp, "dev")]),
            plan(["dev", "--config-file", path.join(tmp, "Pulumi.bad.yaml"), "--out", path.join(tmp, "bad")]),
            plan(["prod", "--config-file", path.join(tmp, "Pulumi.unsafe.yaml"), "--out", path.join(tmp, "unsafe")]),
        ]);
    });

    it("writes resources.json, outputs.json and one manifest per Kubernetes object, all schema-valid", async () => {
        assert.equal(dev.code, 0, dev.stderr);
        // The same plan the in-process harness makes, written to disk.
        const expected = await planOf("dev");
        const components = expected.resources.filter((r) => !r.custom).length;
        const objects = kubernetesObjects(expected.resources).length;
        assert.match(dev.stdout, new RegExp(`^Plan for stack dev: ${expected.resources.length} resources \\(${components} components, ${expected.resources.length - components} custom\\)`, "m"));
        assert.match(dev.stdout, new RegExp(`; ${objects} Kubernetes objects schema-valid\\.$`, "m"));
        // The long report moved from the screen to summary.txt, every fact of it kept.
        const summary = fs.readFileSync(path.join(tmp, "dev", "summary.txt"), "utf8");
        assert.match(summary, new RegExp(`^Plan for stack dev: ${expected.resources.length} resources`, "m"));
        assert.match(summary, /^Component tree \(custom children per component\):$/m);
        assert.match(summary, /^Resources by type:$/m);
        assert.match(summary, new RegExp(`^Validated ${objects} Kubernetes objects`, "m"));
        assert.match(summary, /^8 of 8 pod templates schedulable and admissible \(node pools, quotas, Kueue queues;/m);
        assert.match(summary, /^Protected \(Pulumi protect\): none$/m, "dev protects nothing");
        assert.match(summary, /^Cost per month \(USD\)$/m);
        for (const svg of ["platform.svg", "traffic.svg"]) assert.match(fs.readFileSync(path.join(tmp, "dev", svg), "utf8"), /^<\?xml[^]*<\/svg>\s*$/, svg);
        const resources = JSON.parse(fs.readFileSync(path.join(tmp, "dev", "resources.json"), "utf8"));
        assert.deepEqual(resources, JSON.parse(JSON.stringify(expected.resources)));
        const urns = resources.map((r: Any) => r.urn);
        assert.deepEqual(urns, [...urns].sort(), "sorted by URN, so runs diff cleanly");
        for (const r of resources) {
            assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "provider", "custom", "inputs", "protect", "dependsOn", "ignoreChanges", "retainOnDelete", "deleteBeforeReplace", "additionalSecretOutputs"]);
        }
        const manifests = filesUnder(path.join(tmp, "dev", "manifests"));
        assert.equal(manifests.length, objects);
        assert.ok(manifests.some((f) => f.endsWith(path.join("_cluster", "namespace.ml-serving.yaml"))));
        assert.ok(manifests.some((f) => f.endsWith(path.join("ml-training", "networkpolicy.default-deny-all.yaml"))));
        for (const f of manifests) assert.deepEqual(await validateObject(parse(fs.readFileSync(f, "utf8"))), [], f);
        const outputs = JSON.parse(fs.readFileSync(path.join(tmp, "dev", "outputs.json"), "utf8"));
        assert.equal(outputs.kubeconfig, "[secret]");
    });

    it("prints the policy report, and exits 1 on a mandatory violation", () => {
        assert.match(dev.stdout, /^Policy pack mlops-platform \(policies\/config\/dev\.json\): 0 mandatory, 0 advisory violation\(s\)\./m);
        assert.match(fs.readFileSync(path.join(tmp, "dev", "summary.txt"), "utf8"), /^Policy pack mlops-platform \(policies\/config\/dev\.json\): 0 mandatory, 0 advisory violation\(s\)\.$/m);
        assert.equal(unsafe.code, 1, unsafe.stdout + unsafe.stderr);
        assert.match(unsafe.stdout, /\(policies\/config\/prod\.json\): 1 mandatory/);
        assert.match(unsafe.stdout, /\[mandatory\] nodepool-allowed-machine-types: Node pool machine type "n2-highmem-8" must start with one of/);
    });

    it("prints a first screen of at most 30 lines: npm's 4, the program's warnings and the digest", () => {
        // A violation adds a line on screen, and the temporary --out path wraps the last one: the unsafe run may
        // pass DIGEST_MAX_LINES, never the screen.
        for (const run of [dev, unsafe]) {
            const screen = run.stdout.trimEnd().split("\n");
            if (run === dev) assert.ok(screen.length <= DIGEST_MAX_LINES, `${screen.length} lines:\n${run.stdout}`);
            for (const l of screen) assert.ok(l.length <= DIGEST_MAX_COLUMNS, `${l.length} columns: ${l}`);
            const warnings = run.stderr.trimEnd().split("\n").filter(Boolean);
            assert.ok(4 + warnings.length + screen.length <= 30, `${4 + warnings.length + screen.length} lines with npm's header and ${warnings.length} warning(s)`);
        }
        assert.match(dev.stdout, /^GPU capacity at max scale: 4 GPUs \(2 L4, 2 T4\)$/m);
        assert.match(unsafe.stdout, /^GPU capacity at max scale: 46 GPUs \(6 A100 40GB, 32 H100 80GB, 8 L4\)$/m);
        assert.match(dev.stdout, /^Details in \S+\/dev\/: summary\.txt \(full report\),(?: |\n {2})resources\.json, outputs\.json, manifests\/, platform\.svg, traffic\.svg$/m);
    });

    it("exits 1 with every config problem and no stack trace", () => {
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /^error: Invalid stack configuration \(2 problems\):$/m);
        assert.match(bad.stderr, /mlops-platform:gpuNodePools\[0\]\.acceleratorType: got "nvidia-l40"; is not a known GPU; allowed: nvidia-l4,/);
        assert.match(bad.stderr, /mlops-platform:namespaces\[0\]\.quota\.storage: got "10Gb"; must be a Kubernetes quantity/);
        assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
        assert.equal(fs.existsSync(path.join(tmp, "bad")), false, "nothing written");
    });
});
