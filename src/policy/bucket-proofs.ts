/**
 * The bucket policy proof: administrators keep the bucket-policy actions (a bucket policy lockout
 * needs the root user to undo) and the role keeps its object access.
 */
import { accountOfPrincipal, accountRootArn } from './arn.js';
import { evaluateAccess } from './evaluate.js';
import { IAM_ALLOWS_ALL, involved, statementRef } from './proof-support.js';
import type { ProofCode, ProofFinding, ProofReport } from './proofs.js';
import type { PolicyDocument, RequestContext } from './types.js';

export interface BucketPolicyProofInput {
  bucketName: string;
  /** @default 'aws' */
  partition?: string;
  accountId: string;
  /** Principals that must keep s3:GetBucketPolicy and s3:PutBucketPolicy (default: the account root). */
  adminArns?: readonly string[];
  roleArn: string;
}

/**
 * The bucket policy must never deny the administrators s3:GetBucketPolicy / s3:PutBucketPolicy over
 * TLS (a bucket policy lockout needs the root user to undo), and must keep the role's object access.
 */
export function proveBucketPolicy(policy: PolicyDocument, input: BucketPolicyProofInput): ProofReport {
  const findings: ProofFinding[] = [];
  let requests = 0;
  const partition = input.partition ?? 'aws';
  const bucket = `arn:${partition}:s3:::${input.bucketName}`;
  const admins = input.adminArns === undefined || input.adminArns.length === 0 ? [accountRootArn(input.accountId, partition)] : input.adminArns;
  const check = (principalArn: string, action: string, resource: string, shouldAllow: 'certain' | 'possible', code: ProofCode, what: string) => {
    const account = accountOfPrincipal(principalArn) ?? input.accountId;
    const request: RequestContext = { principalArn, principalAccount: account, action, resource, context: { 'aws:SecureTransport': true }, openWorld: shouldAllow === 'certain' };
    requests += 1;
    const result = evaluateAccess(policy, request, [IAM_ALLOWS_ALL], { service: 'generic', resourceAccount: input.accountId });
    const ok = shouldAllow === 'certain' ? result.possibleDecisions.length === 1 && result.possibleDecisions[0] === 'Allow' : result.decision === 'Allow';
    if (ok) return;
    findings.push({
      check: 'lockout',
      severity: 'error',
      code,
      principal: principalArn,
      action,
      message: `${principalArn} ${what}`,
      statements: involved(policy, request, 'Deny').map((i) => statementRef(policy, i)),
      ...(result.undecided.length > 0 ? { undecided: result.undecided } : {}),
    });
  };
  for (const admin of admins) {
    const principal = /^\d{12}$/.test(admin) ? accountRootArn(admin, partition) : admin;
    for (const action of ['s3:GetBucketPolicy', 's3:PutBucketPolicy']) check(principal, action, bucket, 'certain', 'POLICY_LOCKOUT', `could be denied ${action} on the bucket`);
  }
  for (const action of ['s3:GetObject', 's3:PutObject']) check(input.roleArn, action, `${bucket}/cosigner/object`, 'possible', 'POLICY_ROLE_DENIED', `would be denied ${action} on the bucket's objects`);
  return { ok: findings.length === 0, findings, requests };
}
