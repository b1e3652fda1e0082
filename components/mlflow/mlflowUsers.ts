import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    CLIENT_SECRET_KEYS, CREATE_USERS_SCRIPT, ModelUser, USERS_FILES, mlflowLabels, modelCredentialSecrets, modelGrants, modelUserNames,
    trackingUri, usersJobPodSpec,
} from "./manifests";

export interface MlflowUsersArgs {
    /** The models whose users to create: a reader each, a writer each that has jobs. Required; may be empty. */
    models: ModelUser[];
    /** MLflow's namespace: the Job, its ConfigMap and its passwords Secret go there. Required. */
    namespace: pulumi.Input<string>;
    /** The MLflow server image; the Job uses its MLflow client. Required. */
    image: string;
    /** The MLflow server Deployment: the Job runs once it is ready. Required. */
    server: pulumi.Resource;
    /** The models' namespaces, created before the credential Secrets go into them. Defaults to none. */
    namespacesReady?: pulumi.Resource[];
    /** The Kubernetes provider; every object uses it. Required. */
    k8sProvider: k8s.Provider;
}

/** A model's credential Secrets (names, in its namespace). `writer` only when the model has jobs. */
export interface ModelCredentials {
    reader: string;
    writer?: string;
}

/**
 * The platform's MLflow users, created by the platform rather than by hand after a deploy: per model a
 * read-only user for its server and, when it has jobs, a writer for retraining and drift, each with a
 * random password in a Secret in the model's namespace. A Job in MLflow's namespace signs in as the admin
 * and creates the users and their grants with MLflow's own auth client; it re-runs whenever a user, a grant,
 * a password or the script changes.
 */
export class MlflowUsers extends pulumi.ComponentResource {
    /** Credential Secret names by model name. */
    public readonly credentials: Record<string, ModelCredentials>;
    /** The Job that creates the users. */
    public readonly job: k8s.batch.v1.Job;
    /** Writer logins by model name (passwords secret): for a platform service acting on a model's versions. */
    public readonly writerLogins: Record<string, { username: string; password: pulumi.Output<string> }>;

    constructor(name: string, args: MlflowUsersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:mlflow:MlflowUsers", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.k8sProvider };
        const intoNamespaces = { ...k8sOpts, dependsOn: args.namespacesReady ?? [] };
        const labels = mlflowLabels("users");

        // One random password per user; the clear text exists only in Secrets and (encrypted) in state.
        const passwords: Record<string, pulumi.Output<string>> = {};
        const credentials: Record<string, ModelCredentials> = {};
        const clientSecret = (model: string, role: "reader" | "writer", namespace: string) => {
            const username = modelUserNames(model)[role];
            const password = new random.RandomPassword(`${name}-${model}-${role}-password`, { length: 32, special: false }, { parent: this });
            passwords[username] = password.result;
            const secretName = modelCredentialSecrets(model)[role];
            new k8s.core.v1.Secret(`${name}-${model}-${role}`, {
                metadata: { name: secretName, namespace, labels: { ...labels, "app.kubernetes.io/instance": model } },
                type: "Opaque",
                stringData: { [CLIENT_SECRET_KEYS.username]: username, [CLIENT_SECRET_KEYS.password]: password.result },
            }, intoNamespaces);
            return secretName;
        };
        for (const m of args.models) {
            credentials[m.model] = {
                reader: clientSecret(m.model, "reader", m.namespace),
                ...(m.jobs ? { writer: clientSecret(m.model, "writer", m.namespace) } : {}),
            };
        }
        this.credentials = credentials;
        this.writerLogins = Object.fromEntries(args.models.filter((m) => m.jobs).map((m) => {
            const username = modelUserNames(m.model).writer;
            return [m.model, { username, password: pulumi.secret(passwords[username]) }];
        }));

        // The script and the grants are not secret: a reviewer reads them in the plan. Passwords are.
        const grants = JSON.stringify(modelGrants(args.models), null, 2);
        const configMapName = "mlflow-users";
        const configMap = new k8s.core.v1.ConfigMap(`${name}-script`, {
            metadata: { name: configMapName, namespace: args.namespace, labels },
            data: { [USERS_FILES.script]: CREATE_USERS_SCRIPT, [USERS_FILES.grants]: grants },
        }, k8sOpts);
        const passwordsJson = pulumi.secret(pulumi.all(passwords).apply((p) => JSON.stringify(p)));
        const passwordsSecretName = "mlflow-users-passwords";
        const passwordsSecret = new k8s.core.v1.Secret(`${name}-passwords`, {
            metadata: { name: passwordsSecretName, namespace: args.namespace, labels },
            type: "Opaque",
            stringData: { [USERS_FILES.passwords]: passwordsJson },
        }, k8sOpts);

        // Jobs are immutable: a new checksum in the pod template replaces the Job, so it runs again. It
        // covers the passwords, so it stays secret.
        const checksum = pulumi.secret(passwordsJson.apply((p) => createHash("sha256").update(CREATE_USERS_SCRIPT).update(grants).update(p).digest("hex")));
        this.job = new k8s.batch.v1.Job(`${name}-job`, {
            metadata: { namespace: args.namespace, labels },
            spec: {
                backoffLimit: 6,
                activeDeadlineSeconds: 900,
                template: {
                    metadata: { labels, annotations: { "mlops.platform/users-checksum": checksum } },
                    spec: usersJobPodSpec({
                        image: args.image,
                        trackingUri: pulumi.output(args.namespace).apply(trackingUri),
                        configMap: configMapName,
                        passwordsSecret: passwordsSecretName,
                    }),
                },
            },
        }, { ...k8sOpts, dependsOn: [args.server, configMap, passwordsSecret] });

        this.registerOutputs({ credentials: this.credentials, job: this.job });
    }
}
