// V8 options of a process that plans: `npm run plan` (package.json's `plan` script passes them to node) and the
// bench's plan and floor processes. A test keeps the two lists equal.

/**
 * A young generation of 64 MB instead of V8's 16 MB: a plan allocates a few hundred bytes per promise and keeps
 * much of it until the plan ends. With the default, the 1,681-resource plan spent about 960 ms of its 5.9 s in
 * 65 collections; with 64 MB, about 700 ms in 18 (prod: 185 ms in 15, 150 ms in 5).
 */
export const PLAN_NODE_OPTIONS = ["--max-semi-space-size=64"];
