// Plans of the checked-in stacks, computed once per test run and shared by every spec.
import { Plan, runPlan } from "../scripts/harness/runPlan";
import { ResourceRecord } from "../scripts/harness/recorder";
import { StackConfig, loadStackConfig } from "../scripts/harness/stackConfig";

let queue: Promise<unknown> = Promise.resolve();
const memo = new Map<string, Promise<Plan>>();

/** Runs `fn` alone, after everything queued before it: the SDK's runtime state (mocks, config) is global. */
export function serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
}

/** Runs plans one after another, as `npm run plan` runs them (stack traces off). */
export function planSerially(stack: string, config: StackConfig, program?: string): Promise<Plan> {
    return serially(() => runPlan(stack, config, { program, stackTraces: false }));
}

export function planOf(stack: "dev" | "prod"): Promise<Plan> {
    if (!memo.has(stack)) memo.set(stack, planSerially(stack, loadStackConfig(stack)));
    return memo.get(stack)!;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;

/** Both checked-in stacks' plans, for a suite's `before`. */
export async function bothPlans(): Promise<{ dev: Plan; prod: Plan }> {
    return { dev: await planOf("dev"), prod: await planOf("prod") };
}

/** The resources of a type; with `name`, exactly one of them, by logical name. */
export function ofType(plan: Plan, type: string): (ResourceRecord & { inputs: Any })[] {
    return plan.resources.filter((r) => r.type === type) as (ResourceRecord & { inputs: Any })[];
}

export function one(plan: Plan, type: string, name: string): ResourceRecord & { inputs: Any } {
    const hits = plan.resources.filter((r) => r.type === type && r.name === name);
    if (hits.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${hits.length}`);
    return hits[0] as ResourceRecord & { inputs: Any };
}

export const T = {
    network: "gcp:compute/network:Network",
    subnet: "gcp:compute/subnetwork:Subnetwork",
    router: "gcp:compute/router:Router",
    nat: "gcp:compute/routerNat:RouterNat",
    cluster: "gcp:container/cluster:Cluster",
    nodePool: "gcp:container/nodePool:NodePool",
    serviceAccount: "gcp:serviceaccount/account:Account",
    iamMember: "gcp:projects/iAMMember:IAMMember",
    k8sProvider: "pulumi:providers:kubernetes",
    namespace: "kubernetes:core/v1:Namespace",
    quota: "kubernetes:core/v1:ResourceQuota",
    limitRange: "kubernetes:core/v1:LimitRange",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
} as const;
