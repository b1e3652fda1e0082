// Google Cloud regions, their zones, and the zones that offer each GPU type the platform knows.
//
// Source: SkyPilot's machine-generated GCP catalog (github.com/skypilot-org/skypilot-catalog,
// catalogs/v8/gcp/vms.csv, stored commit 006059e0f18acb1341e22a27751e9f80df6ba92f, read 2025 via the offline
// library; the catalog is rebuilt from the Compute Engine API's machineTypes/acceleratorTypes lists). Regions
// and zones: the rows of e2-standard-8 (offered in every public region) plus asia-southeast3 (seen under m3).
// GPUs: the rows of g2-standard-8 (L4), a2-highgpu-* (A100 40GB), a2-ultragpu-* (A100 80GB), a3-highgpu-* and
// a3-edgegpu-8g (H100 80GB), a3-megagpu-8g (H100 Mega), and the attachable T4 (1 GPU) and V100 (8 GPUs) rows.
//
// Completeness: every public region as of that catalog (43); special zones such as us-south1-ai1b and the
// TPU-only us-central2 are left out. New regions and GPU zones appear over time: when Google adds one, add it
// here (the error message says so) rather than working around the check.

/** Region -> its zone suffixes (zone = `${region}-${suffix}`). */
const REGION_ZONES: Record<string, string> = {
    "africa-south1": "abc",
    "asia-east1": "abc", "asia-east2": "abc",
    "asia-northeast1": "abc", "asia-northeast2": "abc", "asia-northeast3": "abc",
    "asia-south1": "abc", "asia-south2": "abc",
    "asia-southeast1": "abc", "asia-southeast2": "abc", "asia-southeast3": "abc",
    "australia-southeast1": "abc", "australia-southeast2": "abc",
    "europe-central2": "abc", "europe-north1": "abc", "europe-north2": "abc", "europe-southwest1": "abc",
    "europe-west1": "bcd", "europe-west2": "abc", "europe-west3": "abc", "europe-west4": "abc", "europe-west6": "abc",
    "europe-west8": "abc", "europe-west9": "abc", "europe-west10": "abc", "europe-west12": "abc",
    "me-central1": "abc", "me-central2": "abc", "me-west1": "abc",
    "northamerica-northeast1": "abc", "northamerica-northeast2": "abc", "northamerica-south1": "abc",
    "southamerica-east1": "abc", "southamerica-west1": "abc",
    "us-central1": "abcf", "us-east1": "bcd", "us-east4": "abc", "us-east5": "abc", "us-south1": "abc",
    "us-west1": "abc", "us-west2": "abc", "us-west3": "abc", "us-west4": "abc",
};

export const REGIONS: readonly string[] = Object.keys(REGION_ZONES).sort();

/** The zones of a region, or undefined for a region not in the table. */
export function zonesOf(region: string): string[] | undefined {
    const suffixes = REGION_ZONES[region];
    return suffixes === undefined ? undefined : [...suffixes].map((s) => `${region}-${s}`);
}

/** The region of a zone name (`us-central1-a` -> `us-central1`), whether or not either exists. */
export function regionOfZone(zone: string): string {
    return zone.replace(/-[a-z]$/, "");
}

/** GPU type -> region -> zone suffixes that offer it. */
const GPU_ZONES: Record<string, Record<string, string>> = {
    "nvidia-l4": {
        "asia-east1": "abc", "asia-northeast1": "abc", "asia-northeast3": "ab", "asia-south1": "abc", "asia-southeast1": "abc",
        "europe-west1": "bc", "europe-west2": "ab", "europe-west3": "ab", "europe-west4": "abc", "europe-west6": "bc",
        "me-central2": "ac", "northamerica-northeast1": "bc", "northamerica-northeast2": "ab",
        "us-central1": "abc", "us-east1": "bcd", "us-east4": "ac", "us-west1": "abc", "us-west4": "ac",
    },
    "nvidia-tesla-t4": {
        "asia-east1": "ac", "asia-east2": "ac", "asia-northeast1": "ac", "asia-northeast3": "bc", "asia-south1": "ab",
        "asia-southeast1": "abc", "asia-southeast2": "ab", "australia-southeast1": "ac", "europe-central2": "bc",
        "europe-west1": "bcd", "europe-west2": "ab", "europe-west3": "b", "europe-west4": "abc", "me-west1": "bc",
        "northamerica-northeast1": "c", "southamerica-east1": "abc", "us-central1": "abcf", "us-east1": "bcd",
        "us-east4": "abc", "us-west1": "ab", "us-west2": "bc", "us-west3": "b", "us-west4": "ab",
    },
    "nvidia-tesla-v100": {
        "asia-east1": "c", "europe-west4": "abc", "us-central1": "abcf", "us-east1": "bc", "us-west1": "ab",
    },
    "nvidia-tesla-a100": {
        "asia-northeast1": "ac", "asia-northeast3": "ab", "asia-southeast1": "abc", "europe-west4": "ab", "me-west1": "ac",
        "us-central1": "abcf", "us-east1": "b", "us-west1": "b", "us-west3": "b", "us-west4": "b",
    },
    "nvidia-a100-80gb": {
        "asia-southeast1": "c", "europe-west4": "a", "us-central1": "ac", "us-east4": "c", "us-east5": "ab",
    },
    "nvidia-h100-80gb": {
        "asia-east1": "c", "asia-northeast1": "b", "asia-northeast3": "ac", "asia-south1": "c", "asia-south2": "b",
        "asia-southeast1": "bc", "australia-southeast1": "c", "europe-north1": "c", "europe-west1": "bc", "europe-west2": "b",
        "europe-west3": "ac", "europe-west4": "bc", "europe-west8": "c", "europe-west9": "c", "northamerica-northeast2": "c",
        "us-central1": "abc", "us-east4": "abc", "us-east5": "a", "us-west1": "ab", "us-west4": "a",
    },
    "nvidia-h100-mega-80gb": {
        "asia-east1": "c", "asia-northeast1": "b", "asia-southeast1": "bc", "australia-southeast1": "c", "europe-north1": "c",
        "europe-west1": "bc", "europe-west3": "c", "europe-west4": "bc", "us-central1": "abc", "us-east4": "abc",
        "us-east5": "a", "us-west1": "ab", "us-west4": "a",
    },
};

/** The zones of `region` that offer `gpu`; [] when none does; undefined for a GPU type not in the table. */
export function gpuZonesIn(gpu: string, region: string): string[] | undefined {
    const byRegion = GPU_ZONES[gpu];
    if (!byRegion) return undefined;
    return [...(byRegion[region] ?? "")].map((s) => `${region}-${s}`);
}

/** Every region that has at least one zone offering `gpu`. */
export function gpuRegions(gpu: string): string[] {
    return Object.keys(GPU_ZONES[gpu] ?? {}).sort();
}

export type LocationCheck = { ok: true } | { ok: false; message: string };

/** Checks a region name against the table; the message lists the known regions. */
export function checkRegion(region: string): LocationCheck {
    if (REGION_ZONES[region] !== undefined) return { ok: true };
    return { ok: false, message: `is not a known Google Cloud region; known: ${REGIONS.join(", ")} (a region newer than this list: add it to lib/zones.ts)` };
}

/** Checks that `zone` is a zone of `region`; the message lists the region's zones. Unknown regions pass (reported on the region). */
export function checkZone(zone: string, region: string): LocationCheck {
    const zones = zonesOf(region);
    if (!zones || zones.includes(zone)) return { ok: true };
    return { ok: false, message: `is not a zone of ${region}; its zones: ${zones.join(", ")}` };
}
