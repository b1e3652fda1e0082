// Limits the policy pack (policies/) enforces on the plan that config alone already decides, so a stack that
// would break them fails at config time, naming the key, before anything is planned. The policy pack is a
// separate package and does not import this file: test/config/policyLimits.spec.ts reads the pack's schema
// defaults and policies/config/*.json and fails when these numbers drift from them.

/** `nodepool-max-nodes-cap` in policies/config/prod.json (mandatory; dev's cap of 4 is advisory). */
export const POOL_MAX_NODES = 20;

/** The environments whose policy config makes the node cap and the alert receiver mandatory. */
export const POOL_CAP_ENVIRONMENTS: readonly string[] = ["staging", "prod"];

/** `alerting-critical-reaches-someone`: mandatory except in dev (disabled in policies/config/dev.json). */
export const PAGING_ENVIRONMENTS: readonly string[] = ["prod"];
