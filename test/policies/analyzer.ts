// One analyzer (run-policy-pack child process) for the whole test run; closed when mocha finishes.
import { Analyzer } from "../../scripts/harness/policy";

let started: Promise<Analyzer> | undefined;

export function sharedAnalyzer(): Promise<Analyzer> {
    started ??= Analyzer.start();
    return started;
}

after(async () => {
    if (started) (await started).close();
});
