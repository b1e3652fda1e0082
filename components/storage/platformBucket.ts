import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { Report } from "../../lib/errors";

/** The user-facing options of a bucket (e.g. `mlops-platform:mlflow.artifactBucket`). */
export interface BucketOptions {
    /** Bucket location: a region (`US-CENTRAL1`), dual-region or multi-region (`US`). Defaults to the stack's region. */
    location?: string;
    /** Keep old object versions, so an overwritten or deleted model can be recovered. Defaults to true. */
    versioning?: boolean;
    /** Days a noncurrent version is kept before deletion. Defaults to 30. */
    noncurrentVersionDays?: number;
}

export interface PlatformBucketArgs extends BucketOptions {
    /** The stack's region, the default location. Required. */
    region: string;
    /** Days deleted objects stay restorable (soft delete), 0 or 7..90. Defaults to 7. */
    softDeleteDays?: number;
    /** Labels for cost allocation. */
    labels?: Record<string, string>;
    /** Pulumi `protect`: prod buckets cannot be deleted by a stray change. Defaults to true. */
    protect?: boolean;
}

export const BUCKET_DEFAULTS = { versioning: true, noncurrentVersionDays: 30, softDeleteDays: 7, protect: true };

const LOCATION = /^[A-Z]+(-[A-Z]+[0-9]*)*$/;

/** Pure: checks the user-facing bucket options. */
export function checkBucketOptions(o: BucketOptions, report: Report): void {
    if (o.location !== undefined && !LOCATION.test(o.location.toUpperCase())) report("location", "must be a GCS location such as US, EU, US-CENTRAL1 or NAM4", o.location);
    const days = o.noncurrentVersionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) report("noncurrentVersionDays", "must be a whole number of days from 1 to 3650", days);
}

/**
 * A private GCS bucket: uniform bucket-level access (IAM only, no ACLs), public access prevention enforced,
 * versioning with a lifecycle for noncurrent versions, soft delete, and never `forceDestroy`.
 */
export class PlatformBucket extends pulumi.ComponentResource {
    public readonly bucket: gcp.storage.Bucket;
    /** The bucket's (autonamed, globally unique) name. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: PlatformBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:storage:PlatformBucket", name, {}, opts);
        const d = BUCKET_DEFAULTS;
        const versioning = args.versioning ?? d.versioning;
        this.bucket = new gcp.storage.Bucket(`${name}-bucket`, {
            location: (args.location ?? args.region).toUpperCase(),
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            versioning: { enabled: versioning },
            softDeletePolicy: { retentionDurationSeconds: (args.softDeleteDays ?? d.softDeleteDays) * 86400 },
            lifecycleRules: versioning ? [{
                action: { type: "Delete" },
                condition: { daysSinceNoncurrentTime: args.noncurrentVersionDays ?? d.noncurrentVersionDays, withState: "ARCHIVED" },
            }] : [],
            forceDestroy: false,
            labels: args.labels,
        }, { parent: this, protect: args.protect ?? d.protect });
        this.name = this.bucket.name;
        this.registerOutputs({ bucket: this.bucket, name: this.name });
    }
}
