// The configuration reference is generated from the option interfaces; these tests keep it true.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ValidateFunction } from "ajv";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../stack/platform";
import { REFERENCE_FILE, Row, SCHEMA_FILE, referenceRows, referenceSchema, renderReference } from "../../scripts/configReference";

/** Every key path a stack file sets, arrays as `[]`, map entries (labels, searchSpace) as `.<name>`. */
function keyPaths(value: unknown, prefix: string, maps: Set<string>, out: Set<string>): void {
    out.add(prefix);
    if (Array.isArray(value)) {
        for (const v of value) keyPaths(v, `${prefix}[]`, maps, out);
        return;
    }
    if (value && typeof value === "object" && !maps.has(prefix)) {
        for (const [k, v] of Object.entries(value)) keyPaths(v, `${prefix}.${k}`, maps, out);
    } else if (value && typeof value === "object") {
        for (const v of Object.values(value)) keyPaths(v, `${prefix}.<name>`, maps, out);
    }
}

describe("configuration reference (docs/configuration.md)", function () {
    this.timeout(60_000);
    let rows: Row[];
    before(() => {
        rows = referenceRows();
    });

    it("is up to date with the option interfaces (npm run docs)", () => {
        assert.equal(fs.readFileSync(REFERENCE_FILE, "utf8"), renderReference(rows), "docs/configuration.md is stale: run npm run docs");
    });

    it("documents exactly the program's top-level keys", () => {
        const top = rows.map((r) => r.key.replace(/\[\]$/, "")).filter((k) => k.startsWith("mlops-platform:") && !/[.[]/.test(k.slice("mlops-platform:".length))).map((k) => k.slice("mlops-platform:".length));
        assert.deepEqual(top.sort(), [...CONFIG_KEYS].sort());
    });

    it("documents every key the dev and prod stack files set, with its type and a description for options", () => {
        const documented = new Set(rows.flatMap((r) => [r.key, r.key.replace(/\[\]$/, "")]));
        const maps = new Set(rows.filter((r) => r.type.startsWith("map of")).map((r) => r.key));
        for (const m of maps) documented.add(`${m}.<name>`);
        for (const stack of ["dev", "prod"]) {
            const config = parse(fs.readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")).config as Record<string, unknown>;
            const used = new Set<string>();
            for (const [k, v] of Object.entries(config)) keyPaths(v, k, maps, used);
            assert.ok(used.size > 60, `${stack} sets ${used.size} keys`);
            const missing = [...used].filter((k) => !documented.has(k) && !k.includes(".secure"));
            assert.deepEqual(missing, [], `${stack}: keys not in the reference`);
        }
        const model = rows.find((r) => r.key === "mlops-platform:models[].quality.minimum")!;
        assert.deepEqual({ type: model.type, required: model.required }, { type: "number", required: false });
        assert.match(rows.find((r) => r.key === "mlops-platform:models[].rollout.strategy")!.type, /^canary \| blueGreen \| rolling \| abTest \| shadow$/);
    });
});

describe("stack file JSON Schema (docs/stack-config.schema.json)", function () {
    this.timeout(60_000);
    let validate: ValidateFunction;
    before(() => {
        validate = new Ajv({ allErrors: true, strict: false }).compile(referenceSchema());
    });

    it("is up to date (npm run docs)", () => {
        assert.equal(fs.readFileSync(SCHEMA_FILE, "utf8"), `${JSON.stringify(referenceSchema(), null, 2)}\n`);
    });

    it("accepts the dev and prod stack files", () => {
        for (const stack of ["dev", "prod"]) {
            const file = parse(fs.readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8"));
            assert.ok(validate(file), `${stack}: ${JSON.stringify(validate.errors)}`);
        }
    });

    it("flags a misspelt key and a value outside an enumeration, where an editor shows them", () => {
        const file = parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8"));
        file.config["mlops-platform:models"][0].rollout.strategy = "canery";
        file.config["mlops-platform:models"][0].replica = { min: 1 };
        assert.equal(validate(file), false);
        const where = validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
        assert.ok(where.some((w) => w.startsWith("/config/mlops-platform:models/0/rollout/strategy must be equal to one of the allowed values")), where.join("\n"));
        assert.ok(where.some((w) => w.startsWith("/config/mlops-platform:models/0 must NOT have additional properties")), where.join("\n"));
    });
});
