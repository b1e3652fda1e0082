// Which keys a stack file may hold, per namespace: this program's own, the Google Cloud provider's (the
// program uses the default gcp provider), and Pulumi's. A misspelt key anywhere is an error, not a silent
// no-op: `gcp:zones` or `kubernetes:context` would otherwise plan without a word and do nothing.
import * as gcpConfig from "@pulumi/gcp/config/vars";
import { ConfigIssue } from "../lib/errors";

/**
 * Every `gcp:` key the Pulumi GCP provider reads: the enumerable getters of @pulumi/gcp's generated
 * config/vars module (one per property of the provider's config schema; checked in
 * node_modules/@pulumi/gcp/config/vars.d.ts of 9.37.0: project, region, zone, credentials,
 * impersonateServiceAccount, defaultLabels, ... and one `<service>CustomEndpoint` per API).
 * Read from the package, so a provider upgrade brings its new keys along.
 */
export const GCP_PROVIDER_KEYS: readonly string[] = Object.keys(gcpConfig).sort();

/**
 * Pulumi's own keys. `pulumi:disable-default-providers` is the one documented stack setting in this
 * namespace (pulumi/pulumi#8829, "Allow disabling default providers").
 */
export const PULUMI_KEYS: readonly string[] = ["disable-default-providers"];

/** Namespaces whose keys configure a provider this program never uses: why, for the message. */
const UNUSED_NAMESPACES: Record<string, string> = {
    kubernetes: "the program builds its own Kubernetes provider from the cluster it creates; kubernetes: keys configure the default provider, which no resource uses",
    random: "the random provider has no configuration",
};

/** Edit distance, to suggest the key a typo meant. */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
        }
    }
    return d[a.length][b.length];
}

/** The closest allowed key within 3 edits, for "did you mean". */
export function closest(key: string, allowed: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestD = 4;
    for (const k of allowed) {
        const dk = distance(key, k);
        if (dk < bestD) [best, bestD] = [k, dk];
    }
    return best;
}

/**
 * Checks the namespace of every key of a stack's config (the program's own keys are checked by name in
 * parsePlatformConfig). Values are not quoted: a provider key may hold a credential.
 * @param ownNamespace the project name (`mlops-platform`).
 * @returns one issue per key that no reader of this program would ever look at.
 */
export function checkNamespaces(keys: string[], ownNamespace: string): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const key of keys) {
        const colon = key.indexOf(":");
        const ns = colon < 0 ? "" : key.slice(0, colon);
        const name = key.slice(colon + 1);
        if (ns === ownNamespace) continue;
        if (ns === "gcp" || ns === "pulumi") {
            const allowed = ns === "gcp" ? GCP_PROVIDER_KEYS : PULUMI_KEYS;
            if (allowed.includes(name)) continue;
            const guess = closest(name, allowed);
            const hint = guess ? `did you mean ${ns}:${guess}?` : ns === "gcp" ? "see the provider's configuration reference (e.g. gcp:project, gcp:region, gcp:zone, gcp:credentials)" : `allowed: ${PULUMI_KEYS.map((k) => `pulumi:${k}`).join(", ")}`;
            issues.push({ key, message: `is not a key the ${ns === "gcp" ? "Google Cloud provider" : "Pulumi engine"} reads; ${hint}` });
        } else if (UNUSED_NAMESPACES[ns]) {
            issues.push({ key, message: `has no effect: ${UNUSED_NAMESPACES[ns]}` });
        } else {
            issues.push({ key, message: `is in namespace ${JSON.stringify(ns)}, which nothing in this program reads; allowed namespaces: ${ownNamespace}, gcp, pulumi` });
        }
    }
    return issues;
}
