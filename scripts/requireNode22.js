// Preflight of every npm script: stop at once, with the fix, unless this is Node 22.
// Plain CommonJS with no dependencies, because it must run on whatever `node` npm finds, even Node 20 before tsx
// or the project's Node could load.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const REQUIRED_MAJOR = 22;
const PROJECT_NODE = path.join(__dirname, "..", "node_modules", "node", "bin", "node");

/**
 * The problem with running on `version` (e.g. "20.20.2") from `execPath`, or undefined when it is Node 22.
 * @param {string} version process.versions.node
 * @param {string} execPath process.execPath
 * @param {boolean} projectNodeInstalled whether node_modules/node/bin/node exists
 * @returns {string | undefined}
 */
function nodeProblem(version, execPath, projectNodeInstalled) {
    const major = Number(version.split(".")[0]);
    if (major === REQUIRED_MAJOR) return undefined;
    const head = `mlops-platform needs Node ${REQUIRED_MAJOR}, but this is Node ${version} (${execPath}).`;
    const fix = projectNodeInstalled
        ? `Run it through npm (npm test, npm run plan -- dev, ...): npm scripts put node_modules/.bin first on PATH, ` +
          `where the devDependency "node" provides Node ${REQUIRED_MAJOR}.`
        : `The devDependency "node" provides Node ${REQUIRED_MAJOR} through its preinstall script, which did not run. ` +
          `Fix: keep "node": true under "allowScripts" in package.json, then run \`npm ci\` ` +
          `(or \`npm rebuild node\`).`;
    return `${head}\n${fix}`;
}

if (require.main === module) {
    const problem = nodeProblem(process.versions.node, process.execPath, fs.existsSync(PROJECT_NODE));
    if (problem) {
        process.stderr.write(`${problem}\n`);
        process.exit(1);
    }
}

module.exports = { nodeProblem, REQUIRED_MAJOR };
