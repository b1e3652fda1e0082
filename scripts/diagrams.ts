// npm run diagrams [-- <stack>]: regenerates the committed pictures of a stack (default prod) under docs/images/,
// from a fresh plan: <stack>-components.svg (the component tree) and <stack>-traffic.svg (request and release
// paths). test/harness/diagrams.spec.ts fails when the committed copies are stale.
import * as fs from "node:fs";
import * as path from "node:path";
import { planDiagrams } from "./harness/diagrams";
import { runPlan } from "./harness/runPlan";
import { ROOT, loadStackConfig } from "./harness/stackConfig";

export const IMAGES = path.join(ROOT, "docs", "images");

/** Where the committed copy of each plan picture lives. */
export const COMMITTED = { "platform.svg": "components", "traffic.svg": "traffic" } as const;

export function committedPath(stack: string, file: keyof typeof COMMITTED): string {
    return path.join(IMAGES, `${stack}-${COMMITTED[file]}.svg`);
}

async function main(stack: string): Promise<void> {
    const plan = await runPlan(stack, loadStackConfig(stack));
    const svgs = await planDiagrams(plan.resources, stack);
    fs.mkdirSync(IMAGES, { recursive: true });
    for (const [file, svg] of Object.entries(svgs)) {
        const to = committedPath(stack, file as keyof typeof COMMITTED);
        fs.writeFileSync(to, svg);
        console.log(`Wrote ${path.relative(process.cwd(), to)}`);
    }
}

if (require.main === module) {
    main(process.argv[2] ?? "prod").then(() => process.exit(0), (e) => {
        console.error(e);
        process.exit(1);
    });
}
