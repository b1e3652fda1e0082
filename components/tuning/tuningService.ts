import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PlatformNamespace } from "../namespaces/platformNamespace";
import {
    DASHBOARD_NAME, DASHBOARD_PORT, OPTUNA_DATABASE, OPTUNA_DB_USER, OPTUNA_NAMESPACE, STORAGE_SECRET_KEY,
    dashboardFlows, dashboardLabels, dashboardPodSpec, storageSecretName, storageUrl,
} from "./tuning";

export interface TuningServiceArgs {
    /** Models with a study: a storage Secret goes into each one's namespace. Required; may be empty (then nothing is created). */
    models: { name: string; namespace: string }[];
    project: string;
    /** The platform's Cloud SQL instance (MLflow's): its name and `project:region:instance`. Required. */
    instance: pulumi.Input<string>;
    connectionName: pulumi.Input<string>;
    /** Cloud SQL's private range (Private Service Access): the proxy connects there on 3307. Required. */
    privateServicesCidr: string;
    /** Google service account ID of the dashboard (unique per stack). Required. */
    serviceAccountId: string;
    /** The models' namespaces, created before the Secrets go into them. Defaults to none. */
    namespacesReady?: pulumi.Resource[];
    k8sProvider: k8s.Provider;
}

/** Pure: the IAM condition that limits a Cloud SQL grant to one instance. */
export function instanceCondition(project: string, instance: string) {
    return {
        title: "platform-sql-instance-only",
        description: "Cloud SQL client on the platform's instance only",
        expression: `resource.name == "projects/${project}/instances/${instance}" && resource.type == "sqladmin.googleapis.com/Instance"`,
    };
}

/**
 * The Optuna studies' storage and dashboard: an `optuna` database and its own user (a random password, a
 * Pulumi secret) on the platform's Cloud SQL instance; per model with a study, a Secret in its namespace with
 * the storage URL; optuna-dashboard in its own namespace with no ingress, read through `kubectl port-forward`.
 */
export class TuningService extends pulumi.ComponentResource {
    public readonly database?: gcp.sql.Database;
    public readonly user?: gcp.sql.User;
    /** Storage Secret names by model name. */
    public readonly secrets: Record<string, string> = {};
    public readonly dashboard?: k8s.apps.v1.Deployment;

    constructor(name: string, args: TuningServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:tuning:TuningService", name, {}, opts);
        // Only built when a model has a study (index.ts): the database, user and dashboard serve studies.
        if (args.models.length === 0) throw new Error("TuningService: no model has a tuning study; create it only when one does");
        const k8sOpts = { parent: this, provider: args.k8sProvider };

        // Its own database and user: a study's credentials cannot read MLflow's tables, nor MLflow's Optuna's.
        this.database = new gcp.sql.Database(`${name}-db`, { instance: args.instance, name: OPTUNA_DATABASE, deletionPolicy: "ABANDON" }, { parent: this });
        // Letters and digits only: the password goes into a connection URL unescaped.
        const password = new random.RandomPassword(`${name}-db-password`, { length: 32, special: false }, { parent: this });
        this.user = new gcp.sql.User(`${name}-db-user`, { instance: args.instance, name: OPTUNA_DB_USER, password: password.result, deletionPolicy: "ABANDON" }, { parent: this });
        const url = pulumi.secret(password.result.apply(storageUrl));

        for (const m of args.models) {
            const secretName = storageSecretName(m.name);
            new k8s.core.v1.Secret(`${name}-${m.name}-storage`, {
                metadata: { name: secretName, namespace: m.namespace, labels: { ...dashboardLabels(), "app.kubernetes.io/component": "storage", "app.kubernetes.io/instance": m.name } },
                type: "Opaque",
                stringData: { [STORAGE_SECRET_KEY]: url },
            }, { ...k8sOpts, dependsOn: [...(args.namespacesReady ?? []), this.user, this.database] });
            this.secrets[m.name] = secretName;
        }

        // The dashboard: Cloud SQL client on this instance only, through Workload Identity.
        const ns = new PlatformNamespace(`${name}-namespace`, {
            name: OPTUNA_NAMESPACE,
            quota: { requestsCpu: "1", limitsCpu: "4", requestsMemory: "1Gi", limitsMemory: "4Gi" },
            flows: dashboardFlows(args.privateServicesCidr),
        }, k8sOpts);
        const gsa = new gcp.serviceaccount.Account(`${name}-dashboard`, {
            accountId: args.serviceAccountId,
            displayName: "optuna-dashboard (Workload Identity)",
        }, { parent: this });
        new gcp.projects.IAMMember(`${name}-dashboard-cloudsql-client`, {
            project: args.project, role: "roles/cloudsql.client", member: pulumi.interpolate`serviceAccount:${gsa.email}`,
            condition: pulumi.output(args.instance).apply((i) => instanceCondition(args.project, i)),
        }, { parent: this });
        new gcp.serviceaccount.IAMMember(`${name}-dashboard-workload-identity`, {
            serviceAccountId: gsa.name, role: "roles/iam.workloadIdentityUser",
            member: `serviceAccount:${args.project}.svc.id.goog[${OPTUNA_NAMESPACE}/${DASHBOARD_NAME}]`,
        }, { parent: this });
        const inNs = { ...k8sOpts, dependsOn: [ns, ...ns.guardrails] };
        const labels = dashboardLabels();
        const ksa = new k8s.core.v1.ServiceAccount(`${name}-dashboard-ksa`, {
            metadata: { name: DASHBOARD_NAME, namespace: OPTUNA_NAMESPACE, labels, annotations: { "iam.gke.io/gcp-service-account": gsa.email } },
            automountServiceAccountToken: false,
        }, inNs);
        const dashboardSecret = new k8s.core.v1.Secret(`${name}-dashboard-storage`, {
            metadata: { name: `${DASHBOARD_NAME}-storage`, namespace: OPTUNA_NAMESPACE, labels },
            type: "Opaque",
            stringData: { [STORAGE_SECRET_KEY]: url },
        }, inNs);
        this.dashboard = new k8s.apps.v1.Deployment(`${name}-dashboard`, {
            metadata: { name: DASHBOARD_NAME, namespace: OPTUNA_NAMESPACE, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: dashboardPodSpec({ serviceAccountName: DASHBOARD_NAME, secretName: `${DASHBOARD_NAME}-storage`, connectionName: args.connectionName }),
                },
            },
        }, { ...inNs, dependsOn: [...inNs.dependsOn, ksa, dashboardSecret, this.user, this.database] });
        // ClusterIP, for `kubectl -n optuna port-forward svc/optuna-dashboard 8080`; no NetworkPolicy admits traffic to it.
        new k8s.core.v1.Service(`${name}-dashboard-service`, {
            metadata: { name: DASHBOARD_NAME, namespace: OPTUNA_NAMESPACE, labels },
            spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: DASHBOARD_PORT, targetPort: "http", protocol: "TCP" }] },
        }, inNs);

        this.registerOutputs({ database: this.database, user: this.user, secrets: this.secrets, dashboard: this.dashboard });
    }
}
