// npm run mutate:summary [-- <mutation.json>]
// Prints Stryker's JSON report as Markdown (score per file, surviving mutants); the mutation workflow appends it
// to the job summary.
import * as fs from "node:fs";
import * as path from "node:path";
import { MutationReport, summaryMarkdown } from "./mutation/summary";

const file = process.argv[2] ?? path.join(__dirname, "..", "reports", "mutation", "mutation.json");
try {
    process.stdout.write(summaryMarkdown(JSON.parse(fs.readFileSync(file, "utf8")) as MutationReport));
} catch (e) {
    console.error(`${file}: ${e instanceof Error ? e.message : e} (run \`npm run mutate\` first)`);
    process.exit(2);
}
