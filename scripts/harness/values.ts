// Turns property values as they cross the Pulumi wire (serialized RPC form) into plain JSON for the plan:
// secrets masked, values unknown until deployment marked, resource references reduced to their URN.
import * as rpc from "@pulumi/pulumi/runtime/rpc";

/** Written wherever a value is secret. The value itself never reaches the plan's files. */
export const SECRET = "[secret]";
/** Written wherever a value is only known after deployment (an output of a resource not yet created). */
export const UNKNOWN = "[unknown]";

const SIGS = {
    secret: rpc.specialSecretSig,
    resource: rpc.specialResourceSig,
    output: rpc.specialOutputValueSig,
    asset: rpc.specialAssetSig,
    archive: rpc.specialArchiveSig,
};
const SIG_KEY = rpc.specialSigKey;
/** The string the SDK sends for an unknown value during a preview. */
export const WIRE_UNKNOWN = rpc.unknownValue;

export type Plain = null | boolean | number | string | Plain[] | { [k: string]: Plain };

/** Converts one serialized property value to plain JSON with sorted keys. */
export function plain(v: unknown): Plain {
    if (v === WIRE_UNKNOWN) return UNKNOWN;
    if (v === null || v === undefined) return null;
    if (Array.isArray(v)) return v.map(plain);
    if (typeof v === "object") {
        const o = v as Record<string, unknown>;
        switch (o[SIG_KEY]) {
            case SIGS.secret: return SECRET;
            case SIGS.resource: return { $resource: String(o.urn) };
            case SIGS.output:
                if (o.secret) return SECRET;
                return "value" in o ? plain(o.value) : UNKNOWN;
            case SIGS.asset:
            case SIGS.archive: return { $asset: String(o.path ?? o.uri ?? "[inline]") };
        }
        const out: Record<string, Plain> = {};
        for (const k of Object.keys(o).sort()) out[k] = plain(o[k]);
        return out;
    }
    return v as Plain;
}
