/**
 * The plan's vocabulary: the operations apply knows how to perform, a node's planned action
 * (create / update / no-op / refuse, with reasons), and the plan document itself. A plan is plain
 * JSON: it is printed with `--json`, saved with `--plan-out` and checked again with `--apply`.
 */
import type { CosignerErrorCode } from '../errors.js';
import type { NodeId } from './graph.js';
import type { NetworkCost } from './network-model.js';
import type { NetworkIds } from './plan-network.js';

/** Every write operation apply performs, in AWS's spelling. */
export const OPS = [
  'iam:CreateRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:TagRole',
  'iam:CreateInstanceProfile',
  'iam:AddRoleToInstanceProfile',
  'iam:RemoveRoleFromInstanceProfile',
  'iam:TagInstanceProfile',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
  's3:CreateBucket',
  's3:PutPublicAccessBlock',
  's3:PutBucketOwnershipControls',
  's3:PutBucketVersioning',
  's3:PutBucketEncryption',
  's3:PutBucketTagging',
  's3:PutBucketPolicy',
  'kms:CreateKey',
  'kms:CreateAlias',
  'kms:PutKeyPolicy',
  'kms:EnableKeyRotation',
  'kms:TagResource',
  'kms:ScheduleKeyDeletion',
  'ec2:CreateSecurityGroup',
  'ec2:RevokeSecurityGroupEgress',
  'ec2:AuthorizeSecurityGroupEgress',
  'ec2:RevokeSecurityGroupIngress',
  'ec2:CreateTags',
  'ec2:RunInstances',
  // The managed network.
  'ec2:CreateVpc',
  'ec2:ModifyVpcAttribute',
  'ec2:CreateSubnet',
  'ec2:CreateInternetGateway',
  'ec2:AttachInternetGateway',
  'ec2:AllocateAddress',
  'ec2:CreateNatGateway',
  'ec2:CreateRouteTable',
  'ec2:AssociateRouteTable',
  'ec2:CreateRoute',
  'ec2:ReplaceRoute',
  'ec2:CreateVpcEndpoint',
  'ec2:AuthorizeSecurityGroupIngress',
  // Twins a retried create left (apply removes them; never planned).
  'ec2:DeleteVpc',
  'ec2:DeleteSubnet',
  'ec2:DeleteInternetGateway',
  'ec2:ReleaseAddress',
] as const;
export type OpName = (typeof OPS)[number];

/** One write call of the plan. `data` is what it writes when known at plan time. */
export interface PlannedOp {
  op: OpName;
  /** What the call does, in words. */
  detail: string;
  data?: Record<string, unknown>;
}

export type ActionKind = 'create' | 'update' | 'noop' | 'refuse';

export interface Refusal {
  code: CosignerErrorCode;
  message: string;
  hint: string;
}

/** How a key policy's PCR8 list changes: the live list, the config's, and the difference. */
export interface Pcr8Change {
  /** The values the live key policy admits. */
  live: string[];
  /** The values the config admits (what the plan writes). */
  config: string[];
  /** In the config, not in the live policy. */
  added: string[];
  /** In the live policy, not in the config: applying removes them. */
  removed: string[];
}

export interface PlannedAction {
  node: NodeId;
  /** e.g. `IAM role treasury-cosigner`. */
  resource: string;
  kind: ActionKind;
  /** Why this kind: what is missing or different. */
  reasons: string[];
  /** Calls in sequential rounds; the calls of one round run in parallel. */
  rounds: PlannedOp[][];
  dependsOn: NodeId[];
  /** The existing resource's id or ARN. */
  id?: string;
  refusal?: Refusal;
  /** Drift this plan does not fix, and other remarks. */
  notes: string[];
  /** True when an existing resource named in the config is taken over (tagged as adopted). */
  adopt?: boolean;
  /** The key node only: the PCR8 list the plan changes in the live key policy. */
  pcr8Change?: Pcr8Change;
}

/** Values apply needs that observation resolved (and the plan shows). */
export interface PlanContext {
  vpcId?: string;
  subnetId?: string;
  availabilityZone?: string;
  imageId?: string;
  keyId?: string;
  keyArn?: string;
  groupId?: string;
  instanceId?: string;
  /** Ids of the managed network's parts that exist (network.mode "managed"). */
  network?: NetworkIds;
  roleArn: string;
  instanceProfileArn: string;
  bucketName: string;
  keyAlias: string;
}

export interface PlanSummary {
  create: number;
  update: number;
  noop: number;
  refuse: number;
  /** Write calls apply will make (before retries). */
  writes: number;
}

export const PLAN_SCHEMA_VERSION = 1;
export const PLAN_KIND = 'cosigner-cli/provision-plan';

export interface Plan {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  kind: typeof PLAN_KIND;
  name: string;
  accountId: string;
  region: string;
  toolVersion: string;
  createdAt: string;
  /** Hash of what the plan was computed from (config-derived desired state + observed facts). */
  fingerprint: string;
  inputs: { desiredHash: string; observedHash: string };
  /** The PCR8 list of the config (`value` is its first value), and what applying changes in the live key policy. */
  pcr8: { value: string; values: string[]; source: string; label: string; change?: Pcr8Change };
  actions: PlannedAction[];
  context: PlanContext;
  summary: PlanSummary;
  warnings: string[];
  /** What the network mode costs a month (NAT gateway, endpoints, public IPv4), when anything. */
  cost?: NetworkCost & { line: string };
}
