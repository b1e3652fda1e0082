// Mocha's spec reporter plus one closing line in the plain form CI reads: "mocha: N passed, N failed".
const Mocha = require("mocha");

class SpecWithTotals extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once("end", () => {
            const s = runner.stats;
            console.log(`mocha: ${s.passes} passed, ${s.failures} failed` + (s.pending ? `, ${s.pending} skipped` : ""));
        });
    }
}

module.exports = SpecWithTotals;
