// Identity and IAM.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "./util";

const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];
const PRIMITIVE_ROLES = ["roles/owner", "roles/editor"];
const isIam = (type: string) => /^gcp:.*IAM(Member|Binding)$/.test(type);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const membersOf = (p: Record<string, any>): string[] => [...(p.member ? [p.member] : []), ...(p.members ?? [])];

export const identityPolicies: ResourceValidationPolicy[] = [
    {
        name: "iam-no-service-account-keys",
        description: "Keys are long-lived secrets; Workload Identity and federation replace them.",
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            if (args.type === TYPES.serviceAccountKey) report("Service account keys must not be created; use Workload Identity.");
        },
    },
    {
        name: "iam-no-primitive-roles",
        description: "Owner and Editor grant nearly everything in the project.",
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            if (isIam(args.type) && PRIMITIVE_ROLES.includes(args.props.role)) report(`IAM grants must not use the primitive role ${args.props.role}.`);
        },
    },
    {
        name: "iam-no-public-members",
        description: "Nothing of the platform is granted to the whole internet.",
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            if (!isIam(args.type)) return;
            for (const m of membersOf(args.props)) if (PUBLIC_MEMBERS.includes(m)) report(`IAM grants must not name ${m}.`);
        },
    },
];
