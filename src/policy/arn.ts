/** Small ARN helpers for the builders and proofs. */
import { fail } from '../errors.js';

export type Partition =
  'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b' | 'aws-iso-e' | 'aws-iso-f' | 'aws-eusc';

const ACCOUNT_ID = /^\d{12}$/;
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

/**
 * An IAM user or role ARN, split: partition, account, type, path (`/` when none), name.
 * `arn:aws:iam::111122223333:role/cosigner-cli/demo` → path `/cosigner-cli/`, name `demo`.
 */
const IAM_IDENTITY_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)(\/(?:[^/]*\/)*)([^/]+)$/;
/** A role session: `arn:aws:sts::111122223333:assumed-role/<role name>/<session name>`. */
const SESSION_ARN = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/;

export interface IamIdentityParts {
  partition: string;
  accountId: string;
  kind: 'role' | 'user';
  /** `/` when none. */
  path: string;
  name: string;
}

/** An IAM role or user ARN split into its parts; undefined for anything else. */
export function parseIamIdentityArn(arn: string): IamIdentityParts | undefined {
  const m = IAM_IDENTITY_ARN.exec(arn);
  if (m === null) return undefined;
  return { partition: m[1]!, accountId: m[2]!, kind: m[3] as 'role' | 'user', path: m[4]!, name: m[5]! };
}

/** A role session ARN split: partition, account, role name (no path: a session ARN has none), session. */
export function parseSessionArn(
  arn: string,
): { partition: string; accountId: string; roleName: string; sessionName: string } | undefined {
  const m = SESSION_ARN.exec(arn);
  if (m === null) return undefined;
  return { partition: m[1]!, accountId: m[2]!, roleName: m[3]!, sessionName: m[4]! };
}

/**
 * Do two principal ARNs name the same IAM identity? IAM user and role names are unique in an
 * account ignoring case ("Names are not distinguished by case": CreateRole/CreateUser RoleName,
 * UserName), so `role/Demo-Cosigner` and `role/demo-cosigner` can only be one role: the name
 * compares case-insensitively (IAM names are ASCII), the partition, account, type and path
 * exactly. A role session compares its role name the same way and its session name exactly.
 * Anything else (account roots, services) compares as written. This is the one rule every proof
 * uses to decide "this principal is the co-signer role / an administrator / the caller".
 */
export function sameIamPrincipal(a: string, b: string): boolean {
  if (a === b) return true;
  const [x, y] = [IAM_IDENTITY_ARN.exec(a), IAM_IDENTITY_ARN.exec(b)];
  if (x !== null && y !== null)
    return (
      x[1] === y[1] &&
      x[2] === y[2] &&
      x[3] === y[3] &&
      x[4] === y[4] &&
      (x[5] ?? '').toLowerCase() === (y[5] ?? '').toLowerCase()
    );
  const [s, t] = [SESSION_ARN.exec(a), SESSION_ARN.exec(b)];
  if (s !== null && t !== null)
    return s[1] === t[1] && s[2] === t[2] && (s[3] ?? '').toLowerCase() === (t[3] ?? '').toLowerCase() && s[4] === t[4];
  return false;
}

/**
 * Is `principal` a session of the role `roleArn` (`arn:…:sts::<account>:assumed-role/<name>/…`)?
 * A session ARN does not show the role's path, so partition, account and the name (ignoring case,
 * as in {@link sameIamPrincipal}) decide.
 */
export function isSessionOfRole(principal: string, roleArn: string): boolean {
  const session = SESSION_ARN.exec(principal);
  const role = IAM_IDENTITY_ARN.exec(roleArn);
  if (session === null || role === null || role[3] !== 'role') return false;
  return (
    session[1] === role[1] &&
    session[2] === role[2] &&
    (session[3] ?? '').toLowerCase() === (role[5] ?? '').toLowerCase()
  );
}

/** Is `principal` the role `roleArn` itself (any spelling of its name) or one of its sessions? */
export function isRoleOrSession(principal: string, roleArn: string): boolean {
  return sameIamPrincipal(principal, roleArn) || isSessionOfRole(principal, roleArn);
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
