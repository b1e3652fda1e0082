import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedModel } from "../serving/modelConfig";
import { JobEnvironment } from "../serving/modelJobs";
import { instanceCondition } from "./tuningService";
import { StudyRef, tuningCronJobSpec, tuningLabels, tuningNetworkPolicies, tuningPodSpec } from "./tuning";

export interface ModelTuningArgs {
    /** A resolved model with `tuning` (and so `retraining`). Required. */
    model: ResolvedModel;
    project: string;
    /** Where workers find the study (Secret with the storage URL, study name, Cloud SQL connection name). Required. */
    study: StudyRef;
    /** The platform's Cloud SQL instance name, for the IAM condition. Required. */
    instance: pulumi.Input<string>;
    /** Cloud SQL's private range: workers and retraining pods connect there on 3307. Required. */
    privateServicesCidr: string;
    /**
     * The model's jobs identity (ModelJobs): Kubernetes service account name and its Google service account's
     * email. Workers are training runs of the same model, reading the same datasets and writing the same MLflow
     * experiment, and retraining reads the same study: one identity with one more grant (Cloud SQL client on the
     * instance) is the least for both. Required.
     */
    jobsServiceAccount: { name: string; email: pulumi.Input<string> };
    env: JobEnvironment;
    /** Secret with the model's MLflow writer: every trial is an MLflow run. Required. */
    mlflowCredentials: string;
    monitoringNamespace: string;
    k8sProvider: k8s.Provider;
}

/**
 * A model's hyperparameter search: the `<name>-tune` CronJob of Indexed Jobs (Kueue-admitted, suspended when on
 * demand), Cloud SQL client for the model's jobs identity, and the egress workers and retraining need.
 */
export class ModelTuning extends pulumi.ComponentResource {
    public readonly cronJob: k8s.batch.v1.CronJob;

    constructor(name: string, args: ModelTuningArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:tuning:ModelTuning", name, {}, opts);
        const m = args.model;
        if (!m.tuning || !m.retraining) throw new Error(`ModelTuning ${name}: the model has no tuning study or no retraining`);
        const k8sOpts = { parent: this, provider: args.k8sProvider };

        // Roles/cloudsql.client is granted per project; the condition narrows it to the platform's instance.
        new gcp.projects.IAMMember(`${name}-cloudsql-client`, {
            project: args.project, role: "roles/cloudsql.client", member: pulumi.interpolate`serviceAccount:${args.jobsServiceAccount.email}`,
            condition: pulumi.output(args.instance).apply((i) => instanceCondition(args.project, i)),
        }, { parent: this });

        const pod = tuningPodSpec(m, { ...args.env, serviceAccount: args.jobsServiceAccount.name, mlflowCredentials: args.mlflowCredentials }, args.study);
        this.cronJob = new k8s.batch.v1.CronJob(`${name}-tune`, {
            metadata: { name: `${m.name}-tune`, namespace: m.namespace, labels: tuningLabels(m) },
            spec: tuningCronJobSpec(m, pod),
        }, k8sOpts);

        for (const p of tuningNetworkPolicies(m, { privateServicesCidr: args.privateServicesCidr, monitoringNamespace: args.monitoringNamespace })) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${p.name.slice(m.name.length + 1)}`, { metadata: { name: p.name, namespace: m.namespace, labels: tuningLabels(m) }, spec: p.spec }, k8sOpts);
        }
        this.registerOutputs({ cronJob: this.cronJob });
    }
}
