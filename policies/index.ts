// The mlops-platform policy pack: security and resource rules for every stack of the platform.
import { PolicyPack } from "@pulumi/policy";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { capacityPolicies } from "./capacity";
import { decodeStructsOnce } from "./decodeOnce";
import { databasePolicies } from "./database";
import { gkePolicies, nodeHardeningPolicies, nodePoolPolicies } from "./gke";
import { identityMeaningPolicies, identityPolicies } from "./identity";
import { isolationPolicies, isolationStackPolicies } from "./isolation";
import { lifecycleStackPolicies } from "./lifecycle";
import { networkPolicies } from "./network";
import { alertingStackPolicies, dataPolicies, exposurePolicies } from "./observability";
import { hostPortPolicy, rbacPolicies, rbacStackPolicies } from "./rbac";
import { releasePolicies, releaseStackPolicies } from "./release";
import { secretPolicies } from "./secrets";
import { trafficPolicies } from "./traffic";
import { stackPolicies } from "./stack";
import { storagePolicies } from "./storage";
import { workloadPolicies } from "./workloads";

export const policies = [
    ...gkePolicies, ...nodeHardeningPolicies, ...nodePoolPolicies, ...storagePolicies, ...databasePolicies, ...dataPolicies,
    ...identityPolicies, ...identityMeaningPolicies, ...rbacPolicies, ...rbacStackPolicies, ...secretPolicies,
    ...workloadPolicies, hostPortPolicy, ...networkPolicies, ...exposurePolicies, ...isolationPolicies, ...isolationStackPolicies,
    ...capacityPolicies, ...releasePolicies, ...releaseStackPolicies, ...lifecycleStackPolicies, ...alertingStackPolicies, ...stackPolicies, ...trafficPolicies,
];

// Only where the pack is served: modules that import single rules (tests, docs) keep the library as it is.
decodeStructsOnce(Struct);
new PolicyPack("mlops-platform", { policies });
