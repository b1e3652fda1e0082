// Identity and IAM.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { ofTypes, TYPES } from "./util";

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
        validateResource: ofTypes([TYPES.serviceAccountKey], (_props, _args, report) => report("Service account keys must not be created; use Workload Identity.")),
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

const q = JSON.stringify;
/** Roles that let a principal act as another service account, or grant themselves more. */
const IMPERSONATION_ROLES = [
    "roles/iam.serviceAccountTokenCreator", "roles/iam.serviceAccountUser", "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.serviceAccountAdmin", "roles/iam.workloadIdentityUser", "roles/iam.serviceAccountOpenIdTokenCreator",
    "roles/iam.securityAdmin", "roles/resourcemanager.projectIamAdmin", "roles/iam.roleAdmin",
];
/** Workload Identity member of one Kubernetes service account: serviceAccount:<pool>[<namespace>/<ksa>]. */
const WI_MEMBER = /^serviceAccount:[a-z0-9-]+\.svc\.id\.goog\[([a-z0-9-]+)\/([a-z0-9-]+)\]$/;

interface Conditions { conditionalRoles: string[] }

export const identityMeaningPolicies: ResourceValidationPolicy[] = [
    {
        name: "iam-no-impersonation-grants",
        description: "No one may mint tokens for, act as, or re-grant service accounts; a Workload Identity grant names exactly one Kubernetes service account.",
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            if (!isIam(args.type) || !IMPERSONATION_ROLES.includes(args.props.role)) return;
            const onServiceAccount = args.type.startsWith("gcp:serviceaccount/");
            if (onServiceAccount && args.props.role === "roles/iam.workloadIdentityUser") {
                for (const m of membersOf(args.props)) {
                    if (!WI_MEMBER.test(m)) report(`Workload Identity grant ${args.name} must name one Kubernetes service account (member ${q(m)}); use serviceAccount:<project>.svc.id.goog[<namespace>/<ksa>].`);
                }
                return;
            }
            report(`IAM grant ${args.name} must not give the impersonation role ${args.props.role} (role of this ${args.type.split(":").pop()}); grant the roles the workload itself needs.`);
        },
    },
    {
        name: "iam-conditions-kept",
        description: "Project-wide grants of resource-scoped roles keep the IAM condition that limits them to the platform's resource.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { conditionalRoles: { type: "array", items: { type: "string" }, default: ["roles/cloudsql.client", "roles/cloudsql.instanceUser", "roles/secretmanager.secretAccessor", "roles/storage.objectAdmin", "roles/storage.objectViewer"] } } },
        validateResource: (args, report) => {
            if (args.type !== "gcp:projects/iAMMember:IAMMember" && args.type !== "gcp:projects/iAMBinding:IAMBinding") return;
            const { conditionalRoles } = args.getConfig<Conditions>();
            if (!conditionalRoles.includes(args.props.role)) return;
            const expr: string | undefined = args.props.condition?.expression;
            if (!expr || /^\s*(true|!?\s*false)?\s*$/.test(expr)) report(`Project grant ${args.name} of ${args.props.role} must keep an IAM condition naming the resource (condition.expression is ${q(expr)}); restrict it with resource.name == "...".`);
        },
    },
    {
        name: "iam-workload-identity-not-default-ksa",
        description: "A namespace's default Kubernetes service account runs every pod that names none: it must not hold Google credentials.",
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            if (!isIam(args.type)) return;
            for (const m of membersOf(args.props)) {
                const hit = WI_MEMBER.exec(m) ?? /^principal(Set)?:\/\/iam\.googleapis\.com\/.*\/(kubernetes\.io\/namespace|ns)\/([a-z0-9-]+)(\/sa\/(default))?$/.exec(m);
                if (hit && (hit[2] === "default" || hit[5] === "default" || (m.startsWith("principalSet:") && !hit[4]))) {
                    report(`IAM grant ${args.name} must not bind Google credentials to ${m.startsWith("principalSet:") ? "a whole namespace" : "a namespace's default service account"} (member ${q(m)}); give the workload its own Kubernetes service account.`);
                }
            }
        },
    },
];
