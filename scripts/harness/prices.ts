// A pinned, dated price table for the plan's cost estimate: approximate list prices in USD, never a quote.
// Compute Engine figures were copied from pricing.yml of github.com/Cyclenerd/google-cloud-pricing-cost-calculator
// (generated 2026-07-30 from Google's Cloud Billing Catalog API; checked through the fetch tool, commit fd66b26),
// region us-central1, `hour` and `hour_spot`. The rest is from Google's pricing pages, as noted per entry; this
// machine cannot reach them, so treat every figure as approximate and re-pin the table, with its date, when it ages.

/** Hours in a month, as Google's price lists count them. */
export const HOURS_PER_MONTH = 730;

export interface PriceTable {
    /** The day the figures were taken from their sources (YYYY-MM-DD). */
    asOf: string;
    /** The region every figure is for; other regions are not priced. */
    region: string;
    /** Where the figures come from, for the plan's output. */
    source: string;
    /** USD per hour for the GKE cluster management fee (Standard edition), per cluster. */
    clusterHour: number;
    /** USD per hour per machine type: [on-demand, spot]. GPUs of accelerator-optimized types included. */
    machines: Record<string, readonly [onDemand: number, spot: number]>;
    /** USD per hour per GPU attached to an N1 machine: [on-demand, spot or undefined when not pinned]. */
    attachedGpus: Record<string, readonly [onDemand: number, spot: number | undefined]>;
    /** USD per GB-month of a node's boot disk, by disk type. */
    disks: Record<string, number>;
    /** Cloud SQL Enterprise edition, dedicated core, zonal: USD per vCPU-hour and per GB-hour; HA doubles both. */
    cloudSql: { vcpuHour: number; memoryGbHour: number; ssdGbMonth: number; hddGbMonth: number };
}

export const PRICES: PriceTable = {
    asOf: "2026-07-30",
    region: "us-central1",
    source: "Cloud Billing Catalog via Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml; cloud.google.com/{kubernetes-engine,sql}/pricing",
    // cloud.google.com/kubernetes-engine/pricing: $0.10 per cluster per hour (the free tier's monthly credit is not applied).
    clusterHour: 0.10,
    machines: {
    "e2-standard-2": [0.067011, 0.040212], "e2-standard-4": [0.134023, 0.080424],
    "e2-standard-8": [0.268046, 0.160848], "e2-standard-16": [0.536091, 0.321696],
    "e2-standard-32": [1.072183, 0.643392], "e2-highmem-2": [0.0904, 0.054244], "e2-highmem-4": [0.180799, 0.108488],
    "e2-highmem-8": [0.361599, 0.216976], "e2-highmem-16": [0.723197, 0.433952], "e2-highcpu-2": [0.04947, 0.029688],
    "e2-highcpu-4": [0.09894, 0.059376], "e2-highcpu-8": [0.197881, 0.118752], "e2-highcpu-16": [0.395762, 0.237504],
    "e2-highcpu-32": [0.791524, 0.475008], "n1-standard-2": [0.095, 0.033505], "n1-standard-4": [0.189999, 0.06701],
    "n1-standard-8": [0.379998, 0.13402], "n1-standard-16": [0.759996, 0.26804],
    "n1-standard-32": [1.519992, 0.53608], "n1-highmem-2": [0.118303, 0.041722], "n1-highmem-4": [0.236606, 0.083444],
    "n1-highmem-8": [0.473212, 0.166888], "n1-highmem-16": [0.946424, 0.333776],
    "n1-highmem-32": [1.892848, 0.667552], "n1-highcpu-2": [0.070849, 0.024989], "n1-highcpu-4": [0.141697, 0.049978],
    "n1-highcpu-8": [0.283394, 0.099957], "n1-highcpu-16": [0.566789, 0.199914],
    "n1-highcpu-32": [1.133578, 0.399827], "n2-standard-2": [0.097118, 0.04606], "n2-standard-4": [0.194236, 0.09212],
    "n2-standard-8": [0.388472, 0.18424], "n2-standard-16": [0.776944, 0.36848],
    "n2-standard-32": [1.553888, 0.73696], "n2-highmem-2": [0.131014, 0.06214], "n2-highmem-4": [0.262028, 0.12428],
    "n2-highmem-8": [0.524056, 0.24856], "n2-highmem-16": [1.048112, 0.49712], "n2-highmem-32": [2.096224, 0.99424],
    "n2-highcpu-2": [0.071696, 0.034], "n2-highcpu-4": [0.143392, 0.068], "n2-highcpu-8": [0.286784, 0.136],
    "n2-highcpu-16": [0.573568, 0.272], "n2-highcpu-32": [1.147136, 0.544], "n2d-standard-2": [0.084492, 0.024456],
    "n2d-standard-4": [0.168984, 0.048912], "n2d-standard-8": [0.337968, 0.097824],
    "n2d-standard-16": [0.675936, 0.195648], "n2d-standard-32": [1.351872, 0.391296],
    "n2d-highmem-2": [0.11398, 0.032992], "n2d-highmem-4": [0.22796, 0.065984], "n2d-highmem-8": [0.45592, 0.131968],
    "n2d-highmem-16": [0.91184, 0.263936], "n2d-highmem-32": [1.82368, 0.527872],
    "n2d-highcpu-2": [0.062376, 0.018054], "n2d-highcpu-4": [0.124752, 0.036108],
    "n2d-highcpu-8": [0.249504, 0.072216], "n2d-highcpu-16": [0.499008, 0.144432],
    "n2d-highcpu-32": [0.998016, 0.288864], "e2-micro": [0.008376, 0.005027], "e2-small": [0.016753, 0.010053],
    "e2-medium": [0.033506, 0.020106], "g2-standard-4": [0.706832, 0.397336], "g2-standard-8": [0.853624, 0.479872],
    "g2-standard-12": [1.000416, 0.562408], "g2-standard-16": [1.147208, 0.644944],
    "g2-standard-24": [2.000833, 1.124816], "g2-standard-32": [1.734376, 0.975088],
    "g2-standard-48": [4.001665, 2.249632], "g2-standard-96": [8.00333, 4.499264],
    "a2-highgpu-1g": [3.673385, 1.92802], "a2-ultragpu-1g": [5.068798, 2.759546],
    "a3-highgpu-1g": [11.06125, 6.326193], "a2-highgpu-2g": [7.34677, 3.85604],
    "a2-ultragpu-2g": [10.137596, 5.519093], "a3-highgpu-2g": [22.1225, 12.652385],
    "a2-highgpu-4g": [14.69354, 7.71208], "a2-ultragpu-4g": [20.275192, 11.038185],
    "a3-highgpu-4g": [44.245, 25.30477], "a2-highgpu-8g": [29.38708, 15.42416],
    "a2-ultragpu-8g": [40.550383, 22.07637], "a3-highgpu-8g": [88.49, 50.609541],
    "a2-megagpu-16g": [55.739504, 29.25568],
    },
    // cloud.google.com/compute/gpus-pricing: T4 $0.35, V100 $2.48 per GPU-hour on demand. Spot GPU prices move
    // monthly and were not pinned: the estimate uses the on-demand price for them (an upper bound).
    attachedGpus: { "nvidia-tesla-t4": [0.35, undefined], "nvidia-tesla-v100": [2.48, undefined] },
    // pricing.yml compute.storage, us-central1 (pd-balanced "balanced", pd-ssd "ssd", pd-standard "hdd").
    disks: { "pd-balanced": 0.10, "pd-ssd": 0.17, "pd-standard": 0.04 },
    // cloud.google.com/sql/pricing (Enterprise edition, Iowa); pricing.yml has no Cloud SQL. The same rates were
    // quoted for us-central1 as of May 2026 by a third-party guide found through the search tool.
    cloudSql: { vcpuHour: 0.0413, memoryGbHour: 0.007, ssdGbMonth: 0.17, hddGbMonth: 0.09 },
};
