// Cloud Storage buckets.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ofTypes, TYPES } from "./util";

const bucket = (name: string, description: string, check: Parameters<typeof ofTypes>[1]): ResourceValidationPolicy => ({
    name, description, enforcementLevel: "mandatory", validateResource: ofTypes([TYPES.bucket], check),
});

export const storagePolicies: ResourceValidationPolicy[] = [
    bucket("gcs-uniform-bucket-level-access", "IAM alone decides access; object ACLs cannot open single objects.", (p, _a, report) => {
        if (p.uniformBucketLevelAccess !== true) report("Buckets must enable uniform bucket-level access.");
    }),
    bucket("gcs-public-access-prevention", "No object can be made public, whatever IAM says.", (p, _a, report) => {
        if (p.publicAccessPrevention !== "enforced") report(`Buckets must enforce public access prevention (got ${JSON.stringify(p.publicAccessPrevention)}).`);
    }),
    bucket("gcs-versioning", "Overwritten or deleted models and datasets can be recovered.", (p, _a, report) => {
        if (p.versioning?.enabled !== true) report("Buckets must enable versioning.");
    }),
];
