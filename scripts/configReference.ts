// npm run docs [-- --check]
// Generates docs/configuration.md from the option interfaces the program reads (StackOptions and every
// interface it names), with the TypeScript compiler's own reading of the types and doc comments, so the
// reference cannot drift from the code. `--check` exits 1 when the committed file is out of date.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
export const REFERENCE_FILE = path.join(ROOT, "docs", "configuration.md");
export const SCHEMA_FILE = path.join(ROOT, "docs", "stack-config.schema.json");
/** Where the stack file's keys are declared. */
const STACK_OPTIONS = { file: path.join(ROOT, "stack", "platform.ts"), name: "StackOptions" };
/** Provider keys the program reads outside its own namespace (see parsePlatformConfig). */
const PROVIDER_KEYS: Row[] = [
    { key: "gcp:project", type: "string", required: true, doc: "The Google Cloud project ID: 6-30 lowercase letters, digits or '-', starting with a letter." },
    { key: "gcp:region", type: "string", required: true, doc: "The Google Cloud region of the network, cluster, database and buckets, e.g. us-central1." },
];

export interface Row {
    /** Key path, e.g. `mlops-platform:models[].rollout.strategy`. */
    key: string;
    type: string;
    required: boolean;
    doc: string;
}

const MAX_DEPTH = 8;

/** The compiler's view of StackOptions (only the project's files are loaded). */
function loadStackOptions() {
    const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS };
    const host = ts.createCompilerHost(options);
    // Only the project's own files: the option interfaces never need a package's types, and loading
    // @pulumi's declarations would cost most of the run.
    host.resolveModuleNames = (names, containing) => names.map((n) => (n.startsWith(".") ? ts.resolveModuleName(n, containing, options, host).resolvedModule : undefined));
    const program = ts.createProgram([STACK_OPTIONS.file], options, host);
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(STACK_OPTIONS.file)!;
    const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === STACK_OPTIONS.name);
    if (!decl) throw new Error(`${STACK_OPTIONS.name} not found in ${path.relative(ROOT, STACK_OPTIONS.file)}`);
    return { checker, decl };
}

/** Reads the option interfaces with the compiler and lists every key, depth first, in declaration order. */
export function referenceRows(): Row[] {
    const { checker, decl } = loadStackOptions();
    const rows: Row[] = [...PROVIDER_KEYS];
    const visit = (type: ts.Type, prefix: string, depth: number) => {
        for (const prop of checker.getPropertiesOfType(type)) {
            const propType = checker.getNonNullableType(checker.getTypeOfSymbol(prop));
            const key = `${prefix}${prop.name}`;
            const doc = ts.displayPartsToString(prop.getDocumentationComment(checker)).replace(/\s+/g, " ").trim();
            const required = (prop.flags & ts.SymbolFlags.Optional) === 0;
            const { element, suffix } = unwrap(checker, propType);
            rows.push({ key: key + suffix, type: typeText(checker, propType), required, doc });
            if (depth < MAX_DEPTH && isOptionObject(checker, element)) {
                const index = element.getStringIndexType();
                if (index && checker.getPropertiesOfType(element).length === 0) {
                    if (isOptionObject(checker, index)) visit(index, `${key}${suffix}.<name>.`, depth + 1);
                } else visit(element, `${key}${suffix}.`, depth + 1);
            }
        }
    };
    visit(checker.getTypeAtLocation(decl), "mlops-platform:", 0);
    return rows;
}

type Schema = Record<string, unknown>;

/**
 * The stack file as a JSON Schema (draft-07) for editors (yaml-language-server reads a `$schema` comment):
 * the same interfaces, so completion and hover show the reference's descriptions. Unknown keys are flagged.
 */
export function referenceSchema(): Schema {
    const { checker, decl } = loadStackOptions();
    const toSchema = (t: ts.Type, depth: number): Schema => {
        const type = checker.getNonNullableType(t);
        if (checker.isArrayType(type)) return { type: "array", items: toSchema((type as ts.TypeReference).typeArguments![0], depth + 1) };
        if (type.flags & ts.TypeFlags.BooleanLike) return { type: "boolean" };
        if (type.isUnion()) {
            const literals = type.types.filter((u) => u.isStringLiteral() || u.isNumberLiteral()).map((u) => (u as ts.LiteralType).value);
            if (literals.length === type.types.length) return { enum: literals };
            return { anyOf: type.types.map((u) => toSchema(u, depth + 1)) };
        }
        if (type.isStringLiteral() || type.isNumberLiteral()) return { const: type.value };
        if (type.flags & ts.TypeFlags.StringLike) return { type: "string" };
        if (type.flags & ts.TypeFlags.NumberLike) return { type: "number" };
        if (depth < MAX_DEPTH && isOptionObject(checker, type)) {
            const index = type.getStringIndexType();
            if (index && checker.getPropertiesOfType(type).length === 0) return { type: "object", additionalProperties: toSchema(index, depth + 1) };
            const properties: Record<string, Schema> = {};
            const required: string[] = [];
            for (const prop of checker.getPropertiesOfType(type)) {
                const doc = ts.displayPartsToString(prop.getDocumentationComment(checker)).replace(/\s+/g, " ").trim();
                properties[prop.name] = { ...(doc ? { description: doc } : {}), ...toSchema(checker.getTypeOfSymbol(prop), depth + 1) };
                if ((prop.flags & ts.SymbolFlags.Optional) === 0) required.push(prop.name);
            }
            return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: false };
        }
        return {};
    };
    const top = toSchema(checker.getTypeAtLocation(decl), 0) as { properties: Record<string, Schema> };
    const config: Record<string, Schema> = {};
    for (const r of PROVIDER_KEYS) config[r.key] = { type: "string", description: r.doc };
    for (const [k, v] of Object.entries(top.properties)) config[`mlops-platform:${k}`] = v;
    return {
        $schema: "http://json-schema.org/draft-07/schema#",
        title: "mlops-platform stack file (Pulumi.<stack>.yaml)",
        description: "Generated by npm run docs from the option interfaces; see docs/configuration.md.",
        type: "object",
        properties: {
            secretsprovider: { type: "string" }, encryptedkey: { type: "string" }, encryptionsalt: { type: "string" },
            config: { type: "object", properties: config, required: PROVIDER_KEYS.filter((r) => r.required).map((r) => r.key), additionalProperties: false },
        },
        additionalProperties: false,
    };
}

/** An array's element (key suffix `[]`), or the type itself. */
function unwrap(checker: ts.TypeChecker, t: ts.Type): { element: ts.Type; suffix: string } {
    if (checker.isArrayType(t)) return { element: checker.getNonNullableType((t as ts.TypeReference).typeArguments![0]), suffix: "[]" };
    return { element: t, suffix: "" };
}

/** An object of named options (not a string, number, union of literals or function). */
function isOptionObject(checker: ts.TypeChecker, t: ts.Type): boolean {
    if (t.isUnion()) return false;
    if (!(t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection))) return false;
    return checker.getPropertiesOfType(t).length > 0 || t.getStringIndexType() !== undefined;
}

function typeText(checker: ts.TypeChecker, t: ts.Type): string {
    const { element, suffix } = unwrap(checker, t);
    const index = element.getStringIndexType();
    if (index && checker.getPropertiesOfType(element).length === 0) return `map of ${isOptionObject(checker, index) ? "object" : typeText(checker, index)}${suffix}`;
    if (isOptionObject(checker, element)) return `object${suffix}`;
    const text = checker.typeToString(element, undefined, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType).replace(/'/g, "");
    return suffix && element.isUnion() ? `(${text})${suffix}` : `${text}${suffix}`;
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

/** The reference as Markdown: one table per top-level key. */
export function renderReference(rows: Row[]): string {
    const out = [
        "# Configuration reference",
        "",
        "<!-- Generated by `npm run docs` from the option interfaces (stack/platform.ts StackOptions and the",
        "     interfaces it names). Do not edit: a test fails when this file is out of date. -->",
        "",
        "Every key a stack file (`Pulumi.<stack>.yaml`) may set. Unknown keys are errors. Set values with",
        "`pulumi config set --path 'mlops-platform:<key>' <value>` or edit the file; secrets with `--secret`.",
        "Defaults and allowed values are in each description; the rules between keys are in",
        "[configuration-rules.md](configuration-rules.md) where present.",
        "",
    ];
    const sections = new Map<string, Row[]>();
    for (const r of rows) {
        const top = r.key.split(/[.[]/)[0].replace(/^(mlops-platform:[^.[]+|gcp:.*)$/, "$1");
        const section = r.key.startsWith("gcp:") ? "gcp" : top;
        sections.set(section, [...(sections.get(section) ?? []), r]);
    }
    for (const [section, list] of sections) {
        out.push(`## \`${section === "gcp" ? "gcp:" : section}\``, "", "| Key | Type | Required | Description |", "|---|---|---|---|");
        for (const r of list) out.push(`| \`${cell(r.key)}\` | ${cell(r.type)} | ${r.required ? "yes" : ""} | ${cell(r.doc)} |`);
        out.push("");
    }
    return out.join("\n");
}

function main(argv: string[]): number {
    const files: [string, string][] = [[REFERENCE_FILE, renderReference(referenceRows())], [SCHEMA_FILE, `${JSON.stringify(referenceSchema(), null, 2)}\n`]];
    let stale = 0;
    for (const [file, text] of files) {
        const name = path.relative(process.cwd(), file);
        if (argv.includes("--check")) {
            const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
            if (current !== text) stale++;
            console.log(current === text ? `${name} is up to date` : `${name} is out of date: run npm run docs`);
        } else {
            fs.writeFileSync(file, text);
            console.log(`Wrote ${name} (${text.split("\n").length} lines)`);
        }
    }
    return stale > 0 ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
