// Secrets: credentials live in Secrets (or Secret Manager) and reach pods by reference, never as literals in a
// pod spec, a ConfigMap or a chart's values; passwords are generated, never typed.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { EXEMPTIONS_SCHEMA, forEachContainer, ofTypes, Props, TYPES } from "./util";

const q = JSON.stringify;
/** Names that say "this is a credential"; a name for where one is (…_FILE, …_PATH) is not one. */
const SECRET_NAME = /(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|access[_-]?key)/i;
const REFERENCE_NAME = /(_file|_path|_dir|_uri|_url|_ref|_name|_key_id)$/i;
/** Values that are credentials whatever their key is called. */
const SECRET_VALUE = [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
    /\bAIza[0-9A-Za-z_-]{35}\b/, // Google API key
    /\bgh[pousr]_[0-9A-Za-z]{36}\b/, // GitHub token
    /\bxox[abprs]-[0-9A-Za-z-]{10,}/, // Slack token
    /"type":\s*"service_account"[\s\S]*"private_key"/, // a service account key file
    /\b[a-z]+:\/\/[^/\s:@]+:[^/\s@]+@/i, // credentials in a URL
];
/** Passwords shipped as chart or tutorial defaults. */
const DEFAULT_PASSWORDS = ["admin", "password", "changeme", "prom-operator", "root", "postgres", "mlflow", "secret", "123456", "letmein"];

export const secretLooking = (key: string, value: unknown): boolean =>
    typeof value === "string" && value.length > 0 && ((SECRET_NAME.test(key) && !REFERENCE_NAME.test(key)) || SECRET_VALUE.some((re) => re.test(value)));

export const secretPolicies: ResourceValidationPolicy[] = [
    {
        name: "secrets-not-in-env",
        description: "A credential reaches a container through secretKeyRef, not as a literal env value anyone who can read the pod spec sees.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { ...EXEMPTIONS_SCHEMA } },
        validateResource: forEachContainer((c, _pod, props, report) => {
            (c.spec.env ?? []).forEach((e: Props, i: number) => {
                if (secretLooking(e.name ?? "", e.value)) {
                    report(`${c.kind} ${c.name} of ${props.metadata?.namespace}/${props.metadata?.name} must not carry a credential in env[${i}] ${e.name} (a literal value of ${String(e.value).length} characters); use valueFrom.secretKeyRef.`);
                }
            });
        }),
    },
    {
        name: "secrets-not-in-configmaps",
        description: "ConfigMaps are readable by anyone who can read the namespace's configuration; credentials go in Secrets.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes(["kubernetes:core/v1:ConfigMap"], (p, _args, report) => {
            for (const [key, value] of Object.entries<unknown>(p.data ?? {})) {
                const inText = typeof value === "string" && value.length > 200 ? SECRET_VALUE.find((re) => re.test(value)) : undefined;
                if (inText) report(`ConfigMap ${p.metadata?.namespace}/${p.metadata?.name} must not hold a credential (data[${q(key)}] matches ${inText}); move it to a Secret.`);
                else if (secretLooking(key, value)) report(`ConfigMap ${p.metadata?.namespace}/${p.metadata?.name} must not hold a credential (data[${q(key)}], a value of ${String(value).length} characters); move it to a Secret.`);
            }
        }),
    },
    {
        name: "secrets-no-literal-passwords",
        description: "Passwords are generated (random.RandomPassword, a Pulumi secret), never a literal or a chart's default.",
        enforcementLevel: "mandatory",
        validateResource: ofTypes(["kubernetes:core/v1:Secret", "gcp:sql/user:User", TYPES.helmRelease], (p, args, report) => {
            const weak = (v: unknown) => typeof v === "string" && (DEFAULT_PASSWORDS.includes(v.toLowerCase()) || v.length < 16);
            if (args.type === "gcp:sql/user:User") {
                if (p.password !== undefined && weak(p.password)) report(`Cloud SQL user ${p.name} must not have a literal password (password is ${p.password.length} characters${DEFAULT_PASSWORDS.includes(String(p.password).toLowerCase()) ? ", a well-known default" : ""}); use a RandomPassword's result.`);
                return;
            }
            if (args.type === TYPES.helmRelease) {
                const pw = p.values?.grafana?.adminPassword ?? (p.chart === "grafana" ? p.values?.adminPassword : undefined);
                if (pw !== undefined) report(`Helm release ${p.name} must take Grafana's admin password from a Secret (values.grafana.adminPassword is set, ${String(pw).length} characters); use grafana.admin.existingSecret.`);
                return;
            }
            for (const field of ["stringData", "data"]) {
                for (const [key, value] of Object.entries<unknown>(typeof p[field] === "object" && p[field] ? p[field] : {})) {
                    const plain = field === "data" && typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : value;
                    if (SECRET_NAME.test(key) && weak(plain)) report(`Secret ${p.metadata?.namespace}/${p.metadata?.name} must not hold a literal password (${field}[${q(key)}] is ${String(plain).length} characters${DEFAULT_PASSWORDS.includes(String(plain).toLowerCase()) ? ", a well-known default" : ""}); generate it (random.RandomPassword).`);
                }
            }
        }),
    },
];
