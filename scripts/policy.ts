// npm run policy -- <stack> <path/to/resources.json>
// Runs the policy pack, with the stack's policy config, over a saved plan (the resources.json that
// `npm run plan` writes), prints the report and exits 1 on a mandatory violation.
import * as fs from "node:fs";
import { checkPolicies, formatReport } from "./harness/policy";
import { ResourceRecord } from "./harness/recorder";

async function main(argv: string[]): Promise<number> {
    const [stack, file] = argv;
    if (!stack || !file) {
        console.error("usage: npm run policy -- <stack> <path/to/resources.json>");
        return 2;
    }
    const resources = JSON.parse(fs.readFileSync(file, "utf8")) as ResourceRecord[];
    const report = await checkPolicies(stack, resources);
    console.log(formatReport(report));
    return report.mandatory > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
});
