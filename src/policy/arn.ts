/** Small ARN helpers for the builders and proofs. */
import { fail } from '../errors.js';

export type Partition =
  'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b' | 'aws-iso-e' | 'aws-iso-f' | 'aws-eusc';

export const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]+$/;
const PRINCIPAL_ARN = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):[\w+=,.@/:-]+$/;
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/[\w-]+$/;

/** The partition of a region, e.g. `cn-north-1` → `aws-cn`. */
export function partitionForRegion(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

export function accountRootArn(accountId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

export function isAccountRootArn(arn: string): boolean {
  return /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(arn);
}

/** The account id in an IAM/STS principal ARN, or a bare account id; undefined otherwise. */
export function accountOfPrincipal(principal: string): string | undefined {
  if (ACCOUNT_ID.test(principal)) return principal;
  return PRINCIPAL_ARN.exec(principal)?.[2];
}

export interface KeyArnParts {
  partition: string;
  region: string;
  accountId: string;
}

export function parseKeyArn(arn: string): KeyArnParts | undefined {
  const match = KEY_ARN.exec(arn);
  if (match === null) return undefined;
  return { partition: match[1] ?? 'aws', region: match[2] ?? '', accountId: match[3] ?? '' };
}

/** Validate builder inputs once, with coded errors. */
export function assertAccountId(accountId: string): void {
  if (!ACCOUNT_ID.test(accountId))
    fail(
      'POLICY_INVALID',
      `not a 12-digit AWS account id: ${JSON.stringify(accountId)}`,
      'pass the account id, e.g. 123456789012',
    );
}
export function assertRoleArn(roleArn: string): void {
  if (!ROLE_ARN.test(roleArn))
    fail(
      'POLICY_INVALID',
      `not an IAM role ARN: ${JSON.stringify(roleArn)}`,
      'pass the role ARN, e.g. arn:aws:iam::123456789012:role/cosigner',
    );
}
export function assertPrincipalArn(arn: string): void {
  if (!PRINCIPAL_ARN.test(arn) && !ACCOUNT_ID.test(arn)) {
    fail(
      'POLICY_INVALID',
      `not an IAM principal ARN: ${JSON.stringify(arn)}`,
      'pass an IAM role, user or account root ARN, e.g. arn:aws:iam::123456789012:role/Admin',
    );
  }
}
