// Every import points down: lib (shared facts and helpers) < components < stack (reading the stack config,
// assembling the platform) < index.ts < scripts. The policy pack stands apart (it is loaded on its own by the
// Pulumi engine). Component folders may use each other but never in a circle.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
/** Floor of each top-level place; a file may import its own floor and those below. */
const FLOORS: [RegExp, number, string][] = [
    [/^lib\//, 0, "lib"],
    [/^components\//, 1, "components"],
    [/^stack\//, 2, "stack"],
    [/^(index|stackOutputs)\.ts$/, 3, "program"],
    [/^scripts\//, 4, "scripts"],
];

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(rel);
        return e.name.endsWith(".ts") ? [rel] : [];
    });
}

/** The project files a file imports (relative specifiers, resolved like the compiler does). */
function importsOf(file: string): string[] {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
    return info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith(".")).flatMap((s) => {
        const base = path.join(path.dirname(file), s);
        const hit = [`${base}.ts`, path.join(base, "index.ts")].find((c) => fs.existsSync(path.join(ROOT, c)));
        return hit ? [hit] : [];
    });
}

const floorOf = (file: string) => FLOORS.find(([re]) => re.test(file));

describe("layers: every import points down", () => {
    const files = ["index.ts", "stackOutputs.ts", ...["lib", "components", "stack", "scripts", "policies"].flatMap(sources)];
    const edges = files.flatMap((f) => importsOf(f).map((to) => ({ from: f, to })));

    it("reads the whole program", () => {
        assert.ok(files.length > 80, `${files.length} files`);
        assert.ok(edges.length > 150, `${edges.length} imports`);
        for (const f of files.filter((x) => !x.startsWith("policies/"))) assert.ok(floorOf(f), `${f} stands on no floor: add its folder to FLOORS`);
    });

    it("no file imports from a floor above its own", () => {
        const up = edges.filter(({ from, to }) => floorOf(from) && floorOf(to) && floorOf(to)![1] > floorOf(from)![1])
            .map(({ from, to }) => `${from} (${floorOf(from)![2]}) -> ${to} (${floorOf(to)![2]})`);
        assert.deepEqual(up, []);
    });

    it("the policy pack imports only itself, and nothing imports the tests", () => {
        const out = edges.filter(({ from, to }) => from.startsWith("policies/") !== to.startsWith("policies/") || to.startsWith("test/"));
        assert.deepEqual(out.map(({ from, to }) => `${from} -> ${to}`), []);
    });

    it("component folders form no circle", () => {
        const folder = (f: string) => f.split("/").slice(0, 2).join("/");
        const graph = new Map<string, Set<string>>();
        for (const { from, to } of edges) {
            if (!from.startsWith("components/") || !to.startsWith("components/") || folder(from) === folder(to)) continue;
            graph.set(folder(from), (graph.get(folder(from)) ?? new Set()).add(folder(to)));
        }
        const circles: string[] = [];
        const visit = (node: string, trail: string[]): void => {
            if (trail.includes(node)) {
                circles.push([...trail.slice(trail.indexOf(node)), node].join(" -> "));
                return;
            }
            for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
        };
        for (const start of graph.keys()) visit(start, []);
        assert.deepEqual(circles, []);
    });
});
