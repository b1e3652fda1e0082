// npm run plan -- <stack> [--out <dir>] [--config-file <Pulumi.x.yaml>] [--diff <dir of an earlier plan>]
// Plans a stack offline and checks it (scripts/planCommand.ts). This entry starts the policy pack's process
// first: it needs about a second to load, as long as this process needs to load the program and the SDK, and on
// two cores the two load side by side.
import { startPack } from "./harness/packProcess";
import type { main as planCommand } from "./planCommand";

const stopPack = new AbortController();
const pack = startPack(undefined, stopPack.signal);
pack.catch(() => undefined); // a failure to start is reported where the policy report awaits it

// Loaded only now, once the pack's process is spawned: startPack spawns it a few promise steps on (after checking
// the pack's bundle), and requiring the program and the SDK is one long synchronous step that would come first.
setImmediate(() => {
    // Without reading the source maps of the packages it loads (the SDK's, several hundred: about 0.3 s); their
    // traces stay in JavaScript. This bundle's own map was read as it loaded (scripts/launch.js).
    process.setSourceMapsEnabled(false);
    let main: typeof planCommand;
    try {
        ({ main } = require("./planCommand") as { main: typeof planCommand });
    } catch (e) {
        stopPack.abort(); // the error ends this process; the pack's must not outlive it
        throw e;
    } finally {
        // Also when a module throws as it loads: its trace is mapped once the error is printed.
        process.setSourceMapsEnabled(true);
    }
    // Whatever the outcome (a usage error returns before the plan starts), the pack's process ends with this one.
    main(process.argv.slice(2), pack, stopPack).then((code) => {
        stopPack.abort();
        process.exit(code);
    }, (e) => {
        stopPack.abort();
        console.error(e);
        process.exit(1);
    });
});
