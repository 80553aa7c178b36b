/**
 * The destroy plan (pure): teardown of one co-signer: what carries its tags (and a bucket an interrupted run created before
 * tagging it), removed in reverse order of creation: hosts (waited until terminated), security
 * groups and instance profiles, the bucket only with `--delete-bucket` and when empty, the key only
 * with `--delete-key`, scheduled for deletion (never deleted at once) after its policy lets the
 * administrators do so, and last the role with its policies. Adopted resources are always kept. Every
 * call is journaled (./apply.ts); deletes are idempotent, so a re-run finishes an interrupted teardown.
 */
import { IAM_PATH } from '../config/names.js';
import { partitionForRegion } from '../policy/arn.js';
import type { FoundResource } from '../engine/discover.js';
import { otherRegionReason } from '../engine/ownership.js';
import { networkTeardownOps } from './network.js';
import type { ObservedKey } from '../engine/kms-keys.js';
import { pcr8ValuesOf } from '../policy/pcr8.js';
import { teardownKeyPolicy } from '../policy/teardown-policy.js';
import type { PolicyDocument } from '../policy/types.js';

/** What the destroy plan is for, and what the operator allowed. */
export interface DestroyPlanOptions {
  name: string;
  accountId: string;
  region: string;
  callerArn: string;
  deleteKey: boolean;
  deleteBucket: boolean;
  /** Waiting period of the key deletion (KMS allows 7–30). @default 30 */
  deletionWindowDays: number;
  /** Key administrators of the config (the account root when empty). */
  adminArns: readonly string[];
  /** PCR8 to keep in the proofs' view of the key policy when the policy names none. */
  fallbackPcr8: string;
}

export type DestroyDecision = 'delete' | 'schedule-deletion' | 'keep';

export interface DestroyAction {
  kind: FoundResource['kind'];
  id: string;
  arn?: string;
  resource: string;
  decision: DestroyDecision;
  reason: string;
  /** The calls, in order. */
  ops: { op: string; detail: string; data?: Record<string, unknown> }[];
}

export const DESTROY_PLAN_KIND = 'cosigner-cli/destroy-plan';

export interface DestroyPlan {
  schemaVersion: 1;
  kind: typeof DESTROY_PLAN_KIND;
  name: string;
  accountId: string;
  region: string;
  /** In execution order; kept resources last. */
  actions: DestroyAction[];
  warnings: string[];
}

// Reverse of creation: the host, the VPC endpoints and the NAT gateway first (they hold the
// groups, subnets and addresses); the groups, profile, route tables, internet gateway and Elastic
// IP; the subnets; the VPC; the bucket, then the key (its policy names the role, so it changes
// while the role exists), then the role.
const ORDER: FoundResource['kind'][] = [
  'instance',
  'vpcEndpoint',
  'natGateway',
  'securityGroup',
  'instanceProfile',
  'routeTable',
  'internetGateway',
  'address',
  'subnet',
  'vpc',
  'bucket',
  'key',
  'role',
];

const LABEL: Record<FoundResource['kind'], string> = {
  instance: 'EC2 host',
  securityGroup: 'security group',
  instanceProfile: 'instance profile',
  role: 'IAM role',
  bucket: 'S3 bucket',
  key: 'KMS key',
  vpcEndpoint: 'VPC endpoint',
  natGateway: 'NAT gateway',
  routeTable: 'route table',
  internetGateway: 'internet gateway',
  address: 'Elastic IP',
  subnet: 'subnet',
  vpc: 'VPC',
};

export function planDestroy(
  found: readonly FoundResource[],
  keys: ReadonlyMap<string, ObservedKey>,
  options: DestroyPlanOptions,
): DestroyPlan {
  const warnings: string[] = [];
  const role = found.find((r) => r.kind === 'role');
  const roleArn =
    role?.arn ??
    `arn:${partitionForRegion(options.region)}:iam::${options.accountId}:role${IAM_PATH}${options.name}-cosigner`;
  const actions = [...found]
    .sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))
    .map((r): DestroyAction => {
      const resource = `${LABEL[r.kind]} ${r.name !== undefined && r.name !== '' ? r.name : r.id}`;
      const base = { kind: r.kind, id: r.id, ...(r.arn === undefined ? {} : { arn: r.arn }), resource };
      if (r.adopted)
        return { ...base, decision: 'keep', reason: 'adopted: it existed before cosigner-cli took it over', ops: [] };
      // IAM is global: the same name's role and profile may belong to this name's co-signer in
      // another region (its host runs under them). Only that region's destroy removes them.
      const elsewhere =
        (r.kind === 'role' || r.kind === 'instanceProfile') && r.tags !== undefined
          ? otherRegionReason(r.tags, options.region)
          : undefined;
      if (elsewhere !== undefined)
        return { ...base, decision: 'keep', reason: `kept: it ${elsewhere}; destroy it from there`, ops: [] };
      switch (r.kind) {
        case 'instance':
          return {
            ...base,
            decision: 'delete',
            reason: `${r.state}: terminate`,
            ops: [{ op: 'ec2:TerminateInstances', detail: 'terminate and wait until terminated' }],
          };
        case 'securityGroup':
          return {
            ...base,
            decision: 'delete',
            reason: 'no longer used once the host is gone',
            ops: [{ op: 'ec2:DeleteSecurityGroup', detail: 'delete the group' }],
          };
        case 'instanceProfile':
          return {
            ...base,
            decision: 'delete',
            reason: 'tagged for this co-signer',
            ops: [
              { op: 'iam:RemoveRoleFromInstanceProfile', detail: 'take the role out' },
              { op: 'iam:DeleteInstanceProfile', detail: 'delete the profile' },
            ],
          };
        case 'role':
          return {
            ...base,
            decision: 'delete',
            reason: 'tagged for this co-signer',
            ops: [
              { op: 'iam:DeleteRolePolicy', detail: 'delete its inline policies' },
              { op: 'iam:DetachRolePolicy', detail: 'detach its managed policies' },
              { op: 'iam:DeleteRole', detail: 'delete the role' },
            ],
          };
        case 'bucket':
          if (!options.deleteBucket)
            return {
              ...base,
              decision: 'keep',
              reason:
                "kept: it holds the co-signer's encrypted database (pass --delete-bucket to delete it when empty)",
              ops: [],
            };
          return {
            ...base,
            decision: 'delete',
            reason: '--delete-bucket: deleted only if empty',
            ops: [{ op: 's3:DeleteBucket', detail: 'delete the bucket if it is empty' }],
          };
        case 'vpcEndpoint':
        case 'natGateway':
        case 'routeTable':
        case 'internetGateway':
        case 'address':
        case 'subnet':
        case 'vpc':
          return { ...base, decision: 'delete', reason: 'part of the managed network', ops: networkTeardownOps(r) };
        case 'key': {
          if (r.state === 'PendingDeletion')
            return { ...base, decision: 'keep', reason: 'already scheduled for deletion', ops: [] };
          if (!options.deleteKey)
            return {
              ...base,
              decision: 'keep',
              reason: "kept: it decrypts the co-signer's database (pass --delete-key to schedule its deletion)",
              ops: [],
            };
          const key = keys.get(r.id);
          const ops: DestroyAction['ops'] = [];
          const teardown =
            key?.policy === undefined
              ? undefined
              : teardownPolicy(key.policy, key.arn, roleArn, role === undefined, options);
          if (teardown !== undefined)
            ops.push({
              op: 'kms:PutKeyPolicy',
              detail: 'let the administrators schedule the deletion',
              data: { policy: teardown },
            });
          for (const alias of (r.detail['aliases'] as string[] | undefined) ?? [])
            ops.push({ op: 'kms:DeleteAlias', detail: `delete ${alias}`, data: { alias } });
          ops.push({
            op: 'kms:ScheduleKeyDeletion',
            detail: `schedule the deletion in ${options.deletionWindowDays} days`,
            data: { pendingWindowInDays: options.deletionWindowDays },
          });
          return {
            ...base,
            decision: 'schedule-deletion',
            reason: `--delete-key: deleted after a ${options.deletionWindowDays}-day waiting period (the key administrators can undo it: aws kms cancel-key-deletion --key-id <key>, then aws kms enable-key --key-id <key>)`,
            ops,
          };
        }
      }
    });
  const bucket = actions.find((a) => a.kind === 'bucket');
  if (
    options.deleteKey &&
    actions.some((a) => a.kind === 'key' && a.decision === 'schedule-deletion') &&
    bucket !== undefined &&
    bucket.decision !== 'delete'
  ) {
    warnings.push(
      `the bucket ${bucket.id} is kept, but its data is encrypted under the key being deleted: after the waiting period it can never be decrypted`,
    );
  }
  if (options.deleteKey && options.deleteBucket)
    warnings.push('if the bucket turns out not to be empty, the key is kept too (its data would be lost)');
  const kept = actions.filter((a) => a.decision === 'keep');
  return {
    schemaVersion: 1,
    kind: DESTROY_PLAN_KIND,
    name: options.name,
    accountId: options.accountId,
    region: options.region,
    actions: [...actions.filter((a) => a.decision !== 'keep'), ...kept],
    warnings,
  };
}

function teardownPolicy(
  policy: PolicyDocument,
  keyArn: string,
  roleArn: string,
  roleGone: boolean,
  options: DestroyPlanOptions,
): PolicyDocument | undefined {
  const pcr8 = pcr8ValuesOf(policy);
  return teardownKeyPolicy(policy, {
    accountId: options.accountId,
    partition: partitionForRegion(options.region),
    keyArn,
    roleArn,
    adminArns: options.adminArns,
    callerArn: options.callerArn,
    pcr8: pcr8.length > 0 ? pcr8 : [options.fallbackPcr8],
    roleGone,
  });
}
