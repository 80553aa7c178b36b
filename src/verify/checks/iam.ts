/**
 * The IAM checks: who may assume the role, what the role may do (proved no wider than Fireblocks'
 * template for this bucket and key, with the evaluator), and the host's instance profile.
 */
import { evaluatePolicy } from '../../policy/evaluate.js';
import { buildRoleInlinePolicy, ssmManagedPolicyArn } from '../../policy/iam-policies.js';
import { actionMatches } from '../../policy/match.js';
import { toList } from '../../policy/parse.js';
import { coveredActions, principalEntries } from '../../policy/statement-shape.js';
import type { PolicyDocument } from '../../policy/types.js';
import { checkMeta } from '../catalogue.js';
import { skipped, statementEvidence, Verdict, type CheckContext, type CheckDefinition } from '../check.js';
import type { RoleFacts } from '../account-reads.js';
import { instanceArn } from './ec2.js';

const ASSUME_ACTIONS = ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML'];

function roleResource(ctx: CheckContext, role?: RoleFacts): string {
  return role?.arn ?? ctx.target.roleArn;
}

/** The role, or undefined after recording why there is none on the verdict. */
async function roleOf(ctx: CheckContext, v: Verdict): Promise<RoleFacts | 'unreadable' | undefined> {
  const role = await ctx.reads.role();
  if (!role.ok) {
    v.unreadable(role.failure);
    return 'unreadable';
  }
  return role.value;
}

const trustPolicy: CheckDefinition = {
  ...checkMeta('cosigner_iam_trust_policy'),
  reads: ['role'],
  async run(ctx) {
    const v = new Verdict();
    const role = await roleOf(ctx, v);
    if (role === 'unreadable') return v.outcome(ctx.target.roleArn);
    if (role === undefined) return skipped(ctx.target.roleArn, `no role ${ctx.target.roleName}`);
    const policy = role.trustPolicy;
    if (policy === undefined) return v.fail({ message: 'iam:GetRole returned no trust policy' }).outcome(role.arn);
    v.note('trustPolicy', policy);
    policy.Statement.forEach((statement, index) => {
      if (statement.Effect !== 'Allow' || coveredActions(statement, ASSUME_ACTIONS).length === 0) return;
      const entries = principalEntries(statement);
      const others = Array.isArray(entries)
        ? entries
            .filter((e) => !(e.type === 'Service' && e.value === 'ec2.amazonaws.com'))
            .map((e) => `${e.type}:${e.value}`)
        : [entries === '*' ? '"*"' : entries === 'not' ? 'every principal NotPrincipal does not list' : 'no principal'];
      if (others.length > 0)
        v.fail({
          ...statementEvidence(policy.Statement, index),
          principals: others,
          message: `lets ${others.join(', ')} assume the co-signer role (and get its credentials)`,
        });
    });
    return v.outcome(role.arn);
  },
};

/**
 * Is every (action, resource) an Allow statement names also allowed by the template? Each pattern
 * of the statement is evaluated as a request against the template, whose own patterns hold no `?`
 * and only trailing `*`: a wildcard of the statement then matches only where the template's
 * pattern covers it, so the answer holds for every action and resource the statement covers.
 */
function excess(
  statement: PolicyDocument['Statement'][number],
  template: PolicyDocument,
  roleArn: string,
  account: string,
): string[] {
  if (statement.Effect !== 'Allow') return [];
  if (statement.NotAction !== undefined) return ['NotAction (every action but those listed)'];
  if (statement.NotResource !== undefined) return ['NotResource (every resource but those listed)'];
  const out: string[] = [];
  for (const action of toList(statement.Action))
    for (const resource of statement.Resource === undefined ? ['*'] : toList(statement.Resource)) {
      const result = evaluatePolicy(template, {
        principalArn: roleArn,
        principalAccount: account,
        action,
        resource,
        context: {},
      });
      if (result.decision !== 'Allow') out.push(`${action} on ${resource}`);
    }
  return out;
}

const leastPrivilege: CheckDefinition = {
  ...checkMeta('cosigner_iam_least_privilege'),
  reads: ['role', 'roleInlinePolicies', 'roleAttachedPolicies', 'key'],
  async run(ctx) {
    const v = new Verdict();
    const role = await roleOf(ctx, v);
    if (role === 'unreadable') return v.outcome(ctx.target.roleArn);
    if (role === undefined) return skipped(ctx.target.roleArn, `no role ${ctx.target.roleName}`);
    const [inline, attached, key] = await Promise.all([
      ctx.reads.roleInlinePolicies(),
      ctx.reads.roleAttachedPolicies(),
      ctx.reads.key(),
    ]);
    const ssm = ssmManagedPolicyArn(ctx.target.partition);
    if (!attached.ok) v.unreadable(attached.failure);
    else {
      v.note('attachedPolicies', attached.value ?? []);
      for (const arn of attached.value ?? [])
        if (arn !== ssm)
          v.fail({ attachedPolicy: arn, message: `attached policy ${arn} is not part of the template (only ${ssm})` });
    }
    if (!key.ok) v.unreadable(key.failure);
    if (!inline.ok) v.unreadable(inline.failure);
    if (key.ok && inline.ok) {
      // Without a key, no KMS permission is part of the template: a key ARN that matches nothing.
      const keyArn =
        key.value?.Arn ?? `arn:${ctx.target.partition}:kms:${ctx.target.region}:${ctx.target.accountId}:key/none`;
      const template = buildRoleInlinePolicy({ bucketName: ctx.target.bucketName, keyArn });
      v.note('template', { bucket: ctx.target.bucketName, key: key.value?.Arn ?? null });
      for (const policy of inline.value ?? []) {
        if (policy.document === undefined) continue;
        policy.document.Statement.forEach((statement, index) => {
          const beyond = excess(statement, template, role.arn, ctx.target.accountId);
          if (beyond.length > 0)
            v.fail({
              policy: policy.name,
              ...statementEvidence(policy.document?.Statement ?? [], index),
              beyond,
              message: `inline policy ${policy.name} allows more than the template: ${beyond.join('; ')}`,
            });
        });
      }
      v.note(
        'inlinePolicies',
        (inline.value ?? []).map((p) => p.name),
      );
    }
    return v.outcome(role.arn);
  },
};

const noFullKms: CheckDefinition = {
  ...checkMeta('iam_inline_policy_no_full_access_to_kms'),
  reads: ['role', 'roleInlinePolicies'],
  async run(ctx) {
    const v = new Verdict();
    const role = await roleOf(ctx, v);
    if (role === 'unreadable') return v.outcome(ctx.target.roleArn);
    if (role === undefined) return skipped(ctx.target.roleArn, `no role ${ctx.target.roleName}`);
    const inline = await ctx.reads.roleInlinePolicies();
    if (!inline.ok) return v.unreadable(inline.failure).outcome(roleResource(ctx, role));
    v.note(
      'inlinePolicies',
      (inline.value ?? []).map((p) => p.name),
    );
    for (const policy of inline.value ?? []) {
      policy.document?.Statement.forEach((statement, index) => {
        if (statement.Effect !== 'Allow') return;
        const full =
          statement.Action !== undefined
            ? toList(statement.Action).some((pattern) => actionMatches(pattern, 'kms:*'))
            : !toList(statement.NotAction).some((pattern) => actionMatches(pattern, 'kms:Decrypt'));
        if (full)
          v.fail({
            policy: policy.name,
            ...statementEvidence(policy.document?.Statement ?? [], index),
            message: `inline policy ${policy.name} allows kms:*`,
          });
      });
    }
    return v.outcome(role.arn);
  },
};

const profileAttached: CheckDefinition = {
  ...checkMeta('ec2_instance_profile_attached'),
  reads: ['instances', 'instanceProfiles', 'role', 'roleInstanceProfiles'],
  async run(ctx) {
    const v = new Verdict();
    const instances = await ctx.reads.instances();
    if (!instances.ok) return v.unreadable(instances.failure).outcome(ctx.target.roleArn);
    const [profiles, role, holders] = await Promise.all([
      ctx.reads.instanceProfiles(),
      roleOf(ctx, v),
      ctx.reads.roleInstanceProfiles(),
    ]);
    const first = instances.value[0];
    if (role === 'unreadable') return v.outcome(first === undefined ? ctx.target.roleArn : instanceArn(ctx, first));
    const roleArn = role?.arn ?? ctx.target.roleArn;
    // The role in an instance profile no audited host carries: a host launched with that profile
    // gets the co-signer's credentials (bucket, key) and is found by neither tag nor profile.
    const audited = new Set([
      ctx.target.instanceProfileArn,
      ...instances.value.flatMap((i) => (i.IamInstanceProfile?.Arn === undefined ? [] : [i.IamInstanceProfile.Arn])),
    ]);
    if (!holders.ok) v.unreadable(holders.failure);
    else if (holders.value !== undefined) {
      v.note('roleInstanceProfiles', holders.value);
      for (const arn of holders.value.filter((p) => !audited.has(p)))
        v.fail({
          instanceProfile: arn,
          message: `the co-signer role is also in instance profile ${arn}: any host launched with it acts as the co-signer, unseen by this audit`,
        });
    }
    if (first === undefined)
      return v.status() === 'PASS' ? skipped(roleArn, `no host tagged for ${ctx.target.name}`) : v.outcome(roleArn);
    const resource = instanceArn(ctx, first);
    if (!profiles.ok) return v.unreadable(profiles.failure).outcome(resource);
    for (const instance of instances.value) {
      const arn = instance.IamInstanceProfile?.Arn;
      const id = instance.InstanceId ?? '';
      if (arn === undefined) {
        v.fail({ instance: id, message: 'the host has no instance profile' });
        continue;
      }
      const roles = profiles.value.get(arn);
      v.note(id, { instanceProfile: arn, roles: roles ?? null });
      if (roles === undefined)
        v.fail({ instance: id, instanceProfile: arn, message: 'the instance profile does not exist' });
      else if (roles.length !== 1 || roles[0] !== roleArn)
        v.fail({
          instance: id,
          instanceProfile: arn,
          roles,
          message: `the instance profile holds ${roles.length === 0 ? 'no role' : roles.join(', ')}, not the co-signer role ${roleArn}`,
        });
    }
    return v.outcome(resource);
  },
};

export const IAM_CHECKS: readonly CheckDefinition[] = [trustPolicy, leastPrivilege, noFullKms, profileAttached];
