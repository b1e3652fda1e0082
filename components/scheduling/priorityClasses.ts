import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PRIORITIES } from "../workloads/priorities";

export interface PriorityClassesArgs {
    k8sProvider: k8s.Provider;
}

/**
 * The platform's pod PriorityClasses (platform-critical > serving > batch > experiment; batch and
 * experiments never preempt). Created first: a pod naming a class that does not exist yet is rejected.
 */
export class PriorityClasses extends pulumi.ComponentResource {
    public readonly classes: k8s.scheduling.v1.PriorityClass[];

    constructor(name: string, args: PriorityClassesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:scheduling:PriorityClasses", name, {}, opts);
        this.classes = Object.values(PRIORITIES).map((p) => new k8s.scheduling.v1.PriorityClass(`${name}-${p.name}`, {
            metadata: { name: p.name },
            value: p.value,
            preemptionPolicy: p.preemptionPolicy,
            globalDefault: false,
            description: p.description,
        }, { parent: this, provider: args.k8sProvider }));
        this.registerOutputs({ classes: this.classes });
    }
}
