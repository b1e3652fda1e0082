// The mlops-platform policy pack: security and resource rules for every stack of the platform.
import { PolicyPack } from "@pulumi/policy";
import { databasePolicies } from "./database";
import { gkePolicies, nodePoolPolicies } from "./gke";
import { identityPolicies } from "./identity";
import { networkPolicies } from "./network";
import { releasePolicies } from "./releases";
import { stackPolicies } from "./stack";
import { storagePolicies } from "./storage";
import { workloadPolicies } from "./workloads";

export const policies = [
    ...gkePolicies, ...nodePoolPolicies, ...storagePolicies, ...databasePolicies, ...identityPolicies,
    ...workloadPolicies, ...networkPolicies, ...stackPolicies, ...releasePolicies,
];

new PolicyPack("mlops-platform", { policies });
