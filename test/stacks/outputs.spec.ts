// The stack outputs contract: documented, present in both plans, secrets masked on disk.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writePlan } from "../../scripts/harness/output";
import { ROOT } from "../../scripts/harness/stackConfig";
import { SECRET } from "../../scripts/harness/values";
import { OPTIONAL_OUTPUTS, OUTPUT_NAMES, SECRET_OUTPUTS } from "../../stackOutputs";
import { planOf } from "../plans";

describe("stack outputs contract", () => {
    it("docs/outputs.md documents exactly the contract's outputs", () => {
        const section = fs.readFileSync(path.join(ROOT, "docs", "outputs.md"), "utf8");
        const documented = [...section.matchAll(/^\| ((?:`\w+`(?:, )?)+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`(\w+)`/g)].map((x) => x[1]));
        assert.deepEqual([...documented].sort(), [...OUTPUT_NAMES].sort());
        for (const s of SECRET_OUTPUTS) assert.match(section, new RegExp(`\\| \`${s}\` \\| \\*\\*secret\\*\\*`));
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every output exists (optional ones when configured), and outputs.json masks the secrets`, async () => {
            const plan = await planOf(stack);
            const present = Object.keys(plan.outputs).sort();
            const required = OUTPUT_NAMES.filter((n) => !OPTIONAL_OUTPUTS.includes(n));
            for (const n of required) assert.ok(present.includes(n), `${n} missing`);
            // prod sets both hostnames, so it has every optional output; dev sets none.
            const optional = OPTIONAL_OUTPUTS.filter((n) => present.includes(n));
            assert.deepEqual(optional, stack === "prod" ? OPTIONAL_OUTPUTS : []);
            assert.deepEqual(present, [...OUTPUT_NAMES].filter((n) => present.includes(n)).sort(), "no output outside the contract");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-outputs-"));
            try {
                writePlan(plan, dir);
                const written = JSON.parse(fs.readFileSync(path.join(dir, "outputs.json"), "utf8"));
                for (const s of SECRET_OUTPUTS) assert.equal(written[s], SECRET, s);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
