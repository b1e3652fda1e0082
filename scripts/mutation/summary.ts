// Stryker's JSON report (mutation-testing-report-schema) as Markdown: the score per file and every mutant that
// survived, for the mutation workflow's job summary and for docs/development.md.

export type MutantStatus = "Killed" | "Survived" | "NoCoverage" | "Timeout" | "CompileError" | "RuntimeError" | "Ignored" | "Pending";

export interface MutationReport {
    files: Record<string, {
        mutants: {
            id: string;
            mutatorName: string;
            replacement?: string;
            status: MutantStatus;
            location: { start: { line: number; column: number } };
        }[];
    }>;
}

export interface FileScore {
    file: string;
    killed: number;
    timeout: number;
    survived: number;
    noCoverage: number;
    /** Detected / valid × 100, or undefined with no valid mutant. */
    score: number | undefined;
}

/**
 * Stryker's own formula (mutation-testing-metrics, calculateMetrics.js): detected = killed + timeout, valid =
 * detected + survived + no coverage; compile errors, runtime errors, ignored and pending mutants do not count.
 */
export function scoreOf(counts: Omit<FileScore, "file" | "score">): number | undefined {
    const detected = counts.killed + counts.timeout;
    const valid = detected + counts.survived + counts.noCoverage;
    return valid > 0 ? (detected / valid) * 100 : undefined;
}

/** Per-file counts and scores, files sorted by path, then the total under the name "all files". */
export function fileScores(report: MutationReport): FileScore[] {
    const rows: FileScore[] = [];
    const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
    for (const file of Object.keys(report.files).sort()) {
        const c = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
        for (const m of report.files[file].mutants) {
            if (m.status === "Killed") c.killed++;
            else if (m.status === "Timeout") c.timeout++;
            else if (m.status === "Survived") c.survived++;
            else if (m.status === "NoCoverage") c.noCoverage++;
        }
        for (const k of Object.keys(c) as (keyof typeof c)[]) total[k] += c[k];
        rows.push({ file, ...c, score: scoreOf(c) });
    }
    rows.push({ file: "all files", ...total, score: scoreOf(total) });
    return rows;
}

const pct = (s: number | undefined) => (s === undefined ? "n/a" : `${s.toFixed(2)} %`);

/** The Markdown summary: a score table, then the surviving and uncovered mutants by file and line. */
export function summaryMarkdown(report: MutationReport): string {
    const lines = ["## Mutation score", "", "| file | score | killed | timeout | survived | no coverage |", "|---|---:|---:|---:|---:|---:|"];
    for (const r of fileScores(report)) {
        lines.push(`| ${r.file} | ${pct(r.score)} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} |`);
    }
    const undetected = Object.keys(report.files).sort().flatMap((file) => report.files[file].mutants
        .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
        .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column)
        .map((m) => `- ${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} (${m.status})` +
            (m.replacement === undefined ? "" : `: \`${m.replacement.replace(/\s+/g, " ").slice(0, 100)}\``)));
    lines.push("", `## Surviving mutants (${undetected.length})`, "", ...(undetected.length ? undetected : ["none"]));
    return lines.join("\n") + "\n";
}
