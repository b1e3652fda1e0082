import * as assert from "node:assert/strict";
import { gpusPerNode } from "../../lib/accelerators";
import { serviceAccountId } from "../../lib/naming";
import {
    checkUniqueNames, Cidr, cidrsOverlap, definedOnly, FieldReader, imageIssue, isDns1123Label, isDnsName, parseCidr,
    parseQuantity, QUANTITY_RULE,
} from "../../lib/validate";

/** A parsed block, for tests that only feed valid ones to cidrsOverlap. */
const cidr = (s: string) => parseCidr(s) as Cidr;

describe("validators", () => {
    describe("isDns1123Label", () => {
        it("accepts lowercase alphanumerics with inner dashes, 1 to 63 characters", () => {
            const ok = ["a", "0", "ab", "team1", "1team", "ml-serving", "a--b", "z9", "x".repeat(63), `a${"-".repeat(61)}b`];
            assert.equal(ok.length, 10);
            for (const s of ok) assert.equal(isDns1123Label(s), true, s);
        });

        it("rejects the 64th character, uppercase, other symbols and a dash at either end", () => {
            const bad = ["", "x".repeat(64), "ML", "mL", "-a", "a-", "-", "a_b", "a.b", "a b", "é", "a\n"];
            assert.equal(bad.length, 12);
            for (const s of bad) assert.equal(isDns1123Label(s), false, JSON.stringify(s));
        });
    });

    describe("parseQuantity", () => {
        it("parses every suffix to base units", () => {
            const cases: [string, number][] = [
                ["20", 20], ["0", 0], ["500m", 0.5], ["1k", 1e3], ["1M", 1e6], ["2G", 2e9], ["1T", 1e12], ["1P", 1e15],
                ["1E", 1e18], ["1Ki", 1024], ["1Mi", 2 ** 20], ["40Gi", 40 * 2 ** 30], ["1Ti", 2 ** 40], ["1Pi", 2 ** 50],
                ["1Ei", 2 ** 60],
            ];
            assert.equal(cases.length, 15);
            for (const [s, n] of cases) assert.equal(parseQuantity(s), n, s);
        });

        it("parses decimals and exponents", () => {
            const cases: [string, number][] = [
                ["1.5", 1.5], ["1.", 1], [".5", 0.5], [".25", 0.25], ["0.25Gi", 2 ** 28], ["1e3", 1000], ["1E3", 1000], ["2e+2", 200],
                ["5e-1", 0.5], ["12e10", 12e10],
            ];
            assert.equal(cases.length, 10);
            for (const [s, n] of cases) assert.equal(parseQuantity(s), n, s);
        });

        it("rejects malformed quantities", () => {
            const bad = ["10Gb", "-1", "+1", "1.5 Gi", " 1", "1 ", "Gi", "", ".", "1.2.3", "10gi", "10K", "0x10", "1e", "1e+", "1ee3", "Gi1", "1Gii"];
            assert.equal(bad.length, 18);
            for (const s of bad) assert.equal(parseQuantity(s), undefined, JSON.stringify(s));
        });

        it("states the rule its callers report", () => {
            assert.equal(QUANTITY_RULE,
                "must be a Kubernetes quantity such as 500m, 4, 512Mi or 40Gi (binary suffixes Ki/Mi/Gi/Ti, decimal k/M/G/T)");
        });
    });

    describe("parseCidr", () => {
        it("parses blocks of one- to three-digit octets and prefixes 0 to 32", () => {
            assert.deepEqual(parseCidr("10.0.0.0/8"), { text: "10.0.0.0/8", base: 0x0a000000, prefix: 8 });
            assert.deepEqual(parseCidr("0.0.0.0/0"), { text: "0.0.0.0/0", base: 0, prefix: 0 });
            assert.deepEqual(parseCidr("192.168.100.0/24"), { text: "192.168.100.0/24", base: 0xc0a86400, prefix: 24 });
            assert.deepEqual(parseCidr("255.255.255.255/32"), { text: "255.255.255.255/32", base: 0xffffffff, prefix: 32 });
            assert.deepEqual(parseCidr("172.16.0.0/12"), { text: "172.16.0.0/12", base: 0xac100000, prefix: 12 });
        });

        it("says what is malformed", () => {
            const shape = { error: "must be an IPv4 CIDR block such as 10.0.0.0/8" };
            const cases: [string, object][] = [
                ["10.0.0.0", shape], ["10.0.0/8", shape], ["1000.0.0.0/8", shape], ["10.0.0.0/100", shape],
                ["10.0.0.0/", shape], ["a.0.0.0/8", shape], [" 10.0.0.0/8", shape], ["10.0.0.0/8 ", shape],
                ["10.0.0.0.0/8", shape], ["10.0.0.0/8/8", shape], ["", shape],
                ["256.0.0.0/8", { error: "each address octet must be 0..255" }],
                ["0.0.0.256/32", { error: "each address octet must be 0..255" }],
                ["10.0.0.0/33", { error: "the prefix length must be 0..32" }],
            ];
            assert.equal(cases.length, 14);
            for (const [s, e] of cases) assert.deepEqual(parseCidr(s), e, s);
        });

        it("names the network address when host bits are set", () => {
            const cases: [string, string][] = [
                ["10.1.2.3/16", "10.1.0.0/16"], ["10.1.2.3/24", "10.1.2.0/24"], ["10.1.2.3/0", "0.0.0.0/0"],
                ["192.168.1.129/25", "192.168.1.128/25"], ["10.0.0.1/31", "10.0.0.0/31"],
            ];
            assert.equal(cases.length, 5);
            for (const [s, net] of cases) assert.deepEqual(parseCidr(s), { error: `host bits are set; the network address is ${net}` }, s);
        });
    });

    describe("cidrsOverlap", () => {
        it("compares the blocks under the shorter prefix, either way round", () => {
            const cases: [string, string, boolean][] = [
                ["10.16.0.0/14", "10.17.0.0/20", true],
                ["10.17.0.0/20", "10.16.0.0/14", true],
                ["10.16.0.0/14", "10.20.0.0/20", false],
                ["10.20.0.0/20", "10.16.0.0/14", false],
                ["0.0.0.0/0", "172.16.0.0/28", true],
                ["172.16.0.0/28", "0.0.0.0/0", true],
                ["10.0.0.0/24", "10.0.1.0/24", false],
                ["10.0.0.0/24", "10.0.0.0/24", true],
            ];
            assert.equal(cases.length, 8);
            for (const [a, b, want] of cases) assert.equal(cidrsOverlap(cidr(a), cidr(b)), want, `${a} ${b}`);
        });
    });

    describe("definedOnly", () => {
        it("drops undefined values and keeps every other falsy one", () => {
            assert.deepEqual(definedOnly({ a: 1, b: undefined, c: null, d: 0, e: "", f: false }), { a: 1, c: null, d: 0, e: "", f: false });
            assert.deepEqual(definedOnly({ a: undefined }), {});
        });

        it("gives an empty object for no object", () => {
            assert.deepEqual(definedOnly(undefined), {});
        });
    });

    describe("FieldReader", () => {
        it("starts with no issues, and adds a value only when one is passed (even undefined)", () => {
            const r = new FieldReader();
            assert.deepEqual(r.issues, []);
            r.add("a.b", "is wrong");
            r.add("a.c", "is wrong too", undefined);
            r.add("a.d", "is odd", 0);
            assert.deepEqual(r.issues, [
                { key: "a.b", message: "is wrong" },
                { key: "a.c", value: undefined, message: "is wrong too" },
                { key: "a.d", value: 0, message: "is odd" },
            ]);
        });

        describe("object", () => {
            it("is undefined, silently, when absent", () => {
                const r = new FieldReader();
                assert.equal(r.object(undefined, "gke", ["a"]), undefined);
                assert.equal(r.object(null, "gke", ["a"]), undefined);
                assert.deepEqual(r.issues, []);
            });

            it("returns the object itself and flags each unknown key with the allowed ones", () => {
                const r = new FieldReader();
                const raw = { a: 1, zone: "x", b: 2, c: [3] };
                assert.equal(r.object(raw, "gke", ["a", "b", "zone"]), raw);
                assert.deepEqual(r.issues, [{ key: "gke.c", value: [3], message: "is not a known key; allowed: a, b, zone" }]);
            });

            it("rejects scalars and lists", () => {
                const r = new FieldReader();
                const bad: unknown[] = ["x", 3, true, [1]];
                assert.equal(bad.length, 4);
                for (const v of bad) assert.equal(r.object(v, "gke", []), undefined);
                assert.deepEqual(r.issues, bad.map((value) => ({ key: "gke", value, message: "must be an object" })));
            });
        });

        describe("list", () => {
            it("returns a list itself, undefined when absent, and flags anything else", () => {
                const r = new FieldReader();
                const raw = [1, "a"];
                assert.equal(r.list(raw, "pools"), raw);
                assert.equal(r.list(undefined, "pools"), undefined);
                assert.equal(r.list(null, "pools"), undefined);
                assert.deepEqual(r.issues, []);
                assert.equal(r.list({ 0: 1 }, "pools"), undefined);
                assert.equal(r.list("a", "pools"), undefined);
                assert.deepEqual(r.issues, [
                    { key: "pools", value: { 0: 1 }, message: "must be a list" },
                    { key: "pools", value: "a", message: "must be a list" },
                ]);
            });
        });

        it("keys fields under their parent, or alone at the top level", () => {
            const r = new FieldReader();
            assert.equal(r.string({ name: 1 }, "name", "pools[0]"), undefined);
            assert.equal(r.string({ "gcp:project": 1 }, "gcp:project", ""), undefined);
            assert.deepEqual(r.issues.map((i) => i.key), ["pools[0].name", "gcp:project"]);
        });

        it("reports a missing field only when it is required and its parent exists", () => {
            const r = new FieldReader();
            assert.equal(r.string({}, "name", "pool", "every pool needs a name"), undefined);
            assert.equal(r.integer({ n: null }, "n", "pool", "the node count"), undefined);
            assert.equal(r.string(undefined, "name", "pool", "every pool needs a name"), undefined);
            assert.equal(r.string({}, "zone", "pool"), undefined);
            assert.equal(r.integer({}, "n", "pool"), undefined);
            assert.deepEqual(r.issues, [
                { key: "pool.name", message: "is required: every pool needs a name" },
                { key: "pool.n", message: "is required: the node count" },
            ]);
        });

        it("reads each type, and names the key, the value and the expected type when it is wrong", () => {
            const r = new FieldReader();
            const o = {
                s: "eu", s0: "", s1: 5,
                i: 3, i0: 0, i1: 3.5, i2: "3",
                n: 1.5, n0: 0, n1: Infinity, n2: NaN, n3: "1",
                b: true, b0: false, b1: "true",
                q: "16Gi", q0: 20, q1: 0.5, q2: true,
                sl: ["a", "b"], sl0: [], sl1: ["a", 1], sl2: "a",
                sm: { a: "b" }, sm0: {}, sm1: { a: 1 }, sm2: ["a"], sm3: "s",
            };
            const got = [
                r.string(o, "s", "k"), r.string(o, "s0", "k"), r.string(o, "s1", "k"),
                r.integer(o, "i", "k"), r.integer(o, "i0", "k"), r.integer(o, "i1", "k"), r.integer(o, "i2", "k"),
                r.number(o, "n", "k"), r.number(o, "n0", "k"), r.number(o, "n1", "k"), r.number(o, "n2", "k"), r.number(o, "n3", "k"),
                r.boolean(o, "b", "k"), r.boolean(o, "b0", "k"), r.boolean(o, "b1", "k"),
                r.quantity(o, "q", "k"), r.quantity(o, "q0", "k"), r.quantity(o, "q1", "k"), r.quantity(o, "q2", "k"),
                r.stringList(o, "sl", "k"), r.stringList(o, "sl0", "k"), r.stringList(o, "sl1", "k"), r.stringList(o, "sl2", "k"),
                r.stringMap(o, "sm", "k"), r.stringMap(o, "sm0", "k"), r.stringMap(o, "sm1", "k"), r.stringMap(o, "sm2", "k"),
                r.stringMap(o, "sm3", "k"),
            ];
            assert.deepEqual(got, [
                "eu", undefined, undefined,
                3, 0, undefined, undefined,
                1.5, 0, undefined, undefined, undefined,
                true, false, undefined,
                "16Gi", "20", "0.5", undefined,
                ["a", "b"], [], undefined, undefined,
                { a: "b" }, {}, undefined, undefined, undefined,
            ]);
            assert.deepEqual(r.issues, [
                { key: "k.s0", value: "", message: "must be a non-empty string" },
                { key: "k.s1", value: 5, message: "must be a non-empty string" },
                { key: "k.i1", value: 3.5, message: "must be a whole number" },
                { key: "k.i2", value: "3", message: "must be a whole number" },
                { key: "k.n1", value: Infinity, message: "must be a number" },
                { key: "k.n2", value: NaN, message: "must be a number" },
                { key: "k.n3", value: "1", message: "must be a number" },
                { key: "k.b1", value: "true", message: "must be true or false" },
                { key: "k.q2", value: true, message: "must be a quantity string such as \"4\" or \"16Gi\"" },
                { key: "k.sl1", value: ["a", 1], message: "must be a list of strings" },
                { key: "k.sl2", value: "a", message: "must be a list of strings" },
                { key: "k.sm1", value: { a: 1 }, message: "must be a map of strings to strings" },
                { key: "k.sm2", value: ["a"], message: "must be a map of strings to strings" },
                { key: "k.sm3", value: "s", message: "must be a map of strings to strings" },
            ]);
        });

        it("reads nothing, silently, from a missing parent or a missing field of any type", () => {
            const r = new FieldReader();
            const got = [
                r.string(undefined, "f", "k"), r.secretString(undefined, "f", "k"), r.integer(undefined, "f", "k"),
                r.number(undefined, "f", "k"), r.boolean(undefined, "f", "k"), r.quantity(undefined, "f", "k"),
                r.stringList(undefined, "f", "k"), r.stringMap(undefined, "f", "k"),
                r.secretString({}, "f", "k"), r.secretString({ f: null }, "f", "k"), r.quantity({}, "f", "k"),
                r.quantity({ f: null }, "f", "k"), r.number({ f: null }, "f", "k"), r.boolean({}, "f", "k"),
            ];
            assert.equal(got.length, 14);
            assert.deepEqual(got, new Array(14).fill(undefined));
            assert.deepEqual(r.issues, []);
        });

        it("reads a secret string without ever putting its value in an issue", () => {
            const r = new FieldReader();
            assert.equal(r.secretString({ pw: "hunter2" }, "pw", "db"), "hunter2");
            assert.equal(r.secretString({ pw: "" }, "pw", "db"), undefined);
            assert.equal(r.secretString({ pw: 1234 }, "pw", "db"), undefined);
            assert.equal(r.secretString({ pw: 1234 }, "pw", ""), undefined);
            const message = "must be a non-empty string (value not shown: it is a secret)";
            assert.deepEqual(r.issues, [{ key: "db.pw", message }, { key: "db.pw", message }, { key: "pw", message }]);
        });
    });

    describe("checkUniqueNames", () => {
        it("flags each repeat against the first entry of that name, skipping unnamed entries", () => {
            const r = new FieldReader();
            checkUniqueNames(["a", "b", undefined, "a", undefined, "b", "a", "c"], "mlops-platform:models", r);
            assert.deepEqual(r.issues, [
                { key: "mlops-platform:models[3].name", value: "a", message: "duplicates mlops-platform:models[0].name; names must be unique" },
                { key: "mlops-platform:models[5].name", value: "b", message: "duplicates mlops-platform:models[1].name; names must be unique" },
                { key: "mlops-platform:models[6].name", value: "a", message: "duplicates mlops-platform:models[0].name; names must be unique" },
            ]);
        });

        it("is silent for distinct names", () => {
            const r = new FieldReader();
            checkUniqueNames(["a", "b", undefined, "c"], "pools", r);
            assert.deepEqual(r.issues, []);
        });
    });

    describe("imageIssue", () => {
        const UNPINNED = "must be an image pinned by tag or digest, e.g. registry/name:1.2.3 or registry/name@sha256:<64 hex>";
        const LATEST = "must not use the tag `latest`; pin a version or a digest";
        const digest = "0123456789abcdef".repeat(4);

        it("accepts references pinned by tag or digest", () => {
            const ok = [
                "nginx:1.25", "a:1", "nginx:V1_x", "nginx:1.2-rc.1", "nginx:_1", "nginx:latest-2024", "nginx:latest2",
                "europe-docker.pkg.dev/proj-1/repo/model_server:2.0.1", "registry.example.com:5000/team/model-server:1.2.3",
                "localhost:5000/a:1", "a0.b-c_d/e9:1", `ghcr.io/org/app@sha256:${digest}`, `app@sha256:${"a".repeat(64)}`,
                `nginx:v${"1".repeat(127)}`,
            ];
            assert.equal(ok.length, 14);
            for (const s of ok) assert.equal(imageIssue(s), undefined, s);
        });

        it("rejects references without a valid tag or digest", () => {
            const bad = [
                "nginx", "nginx:", "Nginx:1", "nginx:.1", "nginx:-1", "/nginx:1", "-nginx:1", "nginx:1 ", "nginx:1/x",
                "a..b:1", "a_:1", "a//b:1", "host:port/a:1", `nginx:v${"1".repeat(128)}`,
                `app@sha256:${"a".repeat(63)}`, `app@sha256:${"a".repeat(65)}`, `app@sha256:${"A".repeat(64)}`,
                `app@sha256:${"g".repeat(64)}`, `app@sha512:${"a".repeat(64)}`, "",
            ];
            assert.equal(bad.length, 20);
            for (const s of bad) assert.equal(imageIssue(s), UNPINNED, JSON.stringify(s));
        });

        it("rejects the tag latest", () => {
            const cases = ["nginx:latest", "europe-docker.pkg.dev/p/r/server:latest", "localhost:5000/a:latest"];
            assert.equal(cases.length, 3);
            for (const s of cases) assert.equal(imageIssue(s), LATEST, s);
        });
    });

    describe("isDnsName", () => {
        const l63 = "a".repeat(63);

        it("accepts fully qualified lowercase names up to 253 characters with labels up to 63", () => {
            const ok = [
                "mlflow.ml.example.com", "example.com", "a.b", "ab.cd", "1.com", "a-b.c-d", "x1.y2", "a--b.c",
                `${l63}.com`, `a.${"b".repeat(63)}`, `a.b${"-".repeat(61)}c`,
                `${l63}.${l63}.${l63}.${"b".repeat(61)}`,
            ];
            assert.equal(ok.length, 12);
            assert.equal(ok[11].length, 253);
            for (const s of ok) assert.equal(isDnsName(s), true, s);
        });

        it("rejects one label, uppercase, stray dots and dashes, a numeric top label and the 64th or 254th character", () => {
            const bad = [
                "", "localhost", "Example.com", "example.Com", "a.1", "a.1com", "-a.com", "a-.com", "a.-com", "a.com-",
                "a..com", ".a.com", "a.com.", "a_b.com", "a b.com", "a.com\n", `${l63}a.com`, `a.${"b".repeat(64)}`,
                `${l63}.${l63}.${l63}.${"b".repeat(62)}`,
            ];
            assert.equal(bad.length, 19);
            assert.equal(bad[18].length, 254);
            for (const s of bad) assert.equal(isDnsName(s), false, JSON.stringify(s));
        });
    });

    it("knows which machine carries which GPU, and how many", () => {
        assert.deepEqual(gpusPerNode("nvidia-l4", "g2-standard-48"), { count: 4 });
        assert.deepEqual(gpusPerNode("nvidia-a100-80gb", "a2-ultragpu-8g"), { count: 8 });
        assert.deepEqual(gpusPerNode("nvidia-h100-mega-80gb", "a3-megagpu-8g"), { count: 8 });
        assert.deepEqual(gpusPerNode("nvidia-tesla-t4", "n1-highmem-16", 4), { count: 4 });
        assert.match((gpusPerNode("nvidia-tesla-t4", "n1-standard-8", 3) as { error: string }).error, /counts of 1, 2, 4/);
        assert.match((gpusPerNode("nvidia-a100-80gb", "a2-highgpu-1g") as { error: string }).error, /a2-ultragpu-1g/);
    });

    it("derives service account IDs that fit IAM's 30 characters and stay unique per stack", () => {
        assert.equal(serviceAccountId("gke-nodes", "prod"), "gke-nodes-prod");
        assert.equal(serviceAccountId("gke-nodes", "Team_A/Prod"), "gke-nodes-team-a-prod");
        const long = serviceAccountId("gke-nodes", "a-very-long-stack-name-for-a-team");
        assert.ok(long.length <= 30 && /^[a-z][-a-z0-9]*[a-z0-9]$/.test(long), long);
        assert.notEqual(long, serviceAccountId("gke-nodes", "a-very-long-stack-name-for-b-team"));
    });
});
