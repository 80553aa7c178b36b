/**
 * The simulated IAM's records: whether a principal is valid yet (the eventual-consistency model
 * KMS and S3 policies are checked against), name, path, tag and policy checks with IAM's own error
 * messages, the SDK-shaped output of roles and instance profiles, lookups and list pages.
 */
import type * as SDK from '@aws-sdk/client-iam';
import { isCosignerError } from '../../errors.js';
import { toList, toPolicyDocument } from '../../policy/evaluate.js';
import type { PolicyDocument } from '../../policy/types.js';
import type { Tx } from './engine.js';
import type { SandboxServiceError } from './service-error.js';
import type { InstanceProfileRecord, RoleRecord, SandboxState, Tag } from './state.js';
import { mergeTags, paginate } from './util.js';

/** Whether a principal ARN in a policy is one AWS would accept right now. */
export type PrincipalStatus = 'valid' | 'unpropagated' | 'unknown';

/**
 * Checks an `AWS` principal of a resource policy: account ids and account roots are always
 * valid; users and roles must exist and, for roles, be older than the IAM propagation delay
 * (until then KMS and S3 reject them as invalid principals, as AWS does for a fresh role).
 */
export function principalStatus(
  state: SandboxState,
  principal: string,
  now: Date,
  propagationDelayMs: number,
): PrincipalStatus {
  if (principal === '*' || /^\d{12}$/.test(principal) || /^arn:aws:iam::\d{12}:root$/.test(principal)) return 'valid';
  const match = /^arn:aws:(iam|sts)::(\d{12}):(role|user|assumed-role)\/(.+)$/.exec(principal);
  if (match === null) return 'unknown';
  const [, , account, kind, rest = ''] = match;
  if (account !== state.accountId) return 'valid'; // other accounts are not simulated: taken on trust
  if (kind === 'user') {
    const name = rest.split('/').pop() ?? '';
    return Object.values(state.iam.users).some((user) => user.arn === principal || user.name === name)
      ? 'valid'
      : 'unknown';
  }
  const roleName = kind === 'assumed-role' ? (rest.split('/')[0] ?? '') : (rest.split('/').pop() ?? '');
  const role = Object.values(state.iam.roles).find((candidate) =>
    kind === 'role' ? candidate.arn === principal : candidate.name === roleName,
  );
  if (role === undefined) return 'unknown';
  return now.getTime() - Date.parse(role.createdAt) >= propagationDelayMs ? 'valid' : 'unpropagated';
}

/** Every `AWS` principal named in a policy document's Principal/NotPrincipal elements. */
export function awsPrincipals(document: PolicyDocument): string[] {
  const principals: string[] = [];
  for (const statement of document.Statement) {
    for (const block of [statement.Principal, statement.NotPrincipal]) {
      if (block === undefined || block === '*') continue;
      principals.push(...toList(block.AWS));
    }
  }
  return principals;
}

export function roleArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:role${path}${name}`;
}

const NAME = /^[\w+=,.@-]{1,64}$/;
export const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^\/(?:[\x21-\x7e]*\/)?$/;

export function checkName(tx: Tx, name: string | undefined, what: string): string {
  if (name === undefined || !NAME.test(name)) {
    throw tx.error(
      'ValidationError',
      `1 validation error detected: Value '${name ?? ''}' at '${what}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
    );
  }
  return name;
}

export function checkPath(tx: Tx, path: string | undefined): string {
  const value = path ?? '/';
  if (!PATH.test(value) || value.length > 512)
    throw tx.error(
      'ValidationError',
      `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
    );
  return value;
}

export function checkIamTags(tx: Tx, tags: readonly { Key?: string | undefined; Value?: string | undefined }[]): Tag[] {
  for (const tag of tags) {
    if (tag.Key === undefined || tag.Key.length === 0 || tag.Key.length > 128)
      throw tx.error('ValidationError', 'Tag keys must be 1 to 128 characters.');
    if (tag.Key.toLowerCase().startsWith('aws:'))
      throw tx.error('InvalidInput', `User is not authorized to create tags with the reserved prefix 'aws:'.`);
    if ((tag.Value ?? '').length > 256) throw tx.error('ValidationError', 'Tag values must be at most 256 characters.');
  }
  return mergeTags([], tags);
}

/** Parses and validates a policy for IAM (identity policies must not name a principal). */
export function parseIamPolicy(tx: Tx, text: string | undefined, kind: 'identity' | 'trust'): PolicyDocument {
  if (text === undefined || text.trim() === '') throw tx.error('MalformedPolicyDocument', 'Syntax errors in policy.');
  let document: PolicyDocument;
  try {
    const value: unknown = JSON.parse(text);
    document = toPolicyDocument(value);
  } catch (error) {
    if (error instanceof SyntaxError) throw tx.error('MalformedPolicyDocument', 'This policy contains invalid Json');
    if (isCosignerError(error)) throw tx.error('MalformedPolicyDocument', `Syntax errors in policy. ${error.message}`);
    throw error;
  }
  for (const statement of document.Statement) {
    const hasPrincipal = statement.Principal !== undefined || statement.NotPrincipal !== undefined;
    if (kind === 'identity' && hasPrincipal)
      throw tx.error('MalformedPolicyDocument', 'Policy document should not specify a principal.');
    if (kind === 'trust' && !hasPrincipal)
      throw tx.error('MalformedPolicyDocument', 'AssumeRolepolicy contained an invalid principal element.');
    if (kind === 'identity' && statement.Resource === undefined && statement.NotResource === undefined)
      throw tx.error('MalformedPolicyDocument', 'Policy statement must contain resources.');
    if (kind === 'identity' && statement.Action === undefined && statement.NotAction === undefined)
      throw tx.error('MalformedPolicyDocument', 'Policy statement must contain actions.');
  }
  if (kind === 'trust') {
    for (const principal of awsPrincipals(document)) {
      if (principalStatus(tx.state, principal, tx.now, tx.knobs.iamPropagationDelayMs) !== 'valid') {
        throw tx.error('MalformedPolicyDocument', `Invalid principal in policy: "AWS":"${principal}"`);
      }
    }
  }
  return document;
}

export function roleOutput(role: RoleRecord, listing = false): SDK.Role {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: role.arn,
    CreateDate: new Date(role.createdAt),
    // IAM returns policy documents URL-encoded (RFC 3986).
    AssumeRolePolicyDocument: encodeURIComponent(role.assumeRolePolicy),
    ...(role.description === undefined ? {} : { Description: role.description }),
    MaxSessionDuration: role.maxSessionDuration,
    ...(role.permissionsBoundary === undefined
      ? {}
      : {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
            PermissionsBoundaryArn: role.permissionsBoundary,
          },
        }),
    ...(listing ? {} : { RoleLastUsed: {} }),
    ...(listing || role.tags.length === 0 ? {} : { Tags: role.tags.map((tag) => ({ ...tag })) }),
  };
}

export function profileOutput(state: SandboxState, profile: InstanceProfileRecord): SDK.InstanceProfile {
  return {
    Path: profile.path,
    InstanceProfileName: profile.name,
    InstanceProfileId: profile.id,
    Arn: profile.arn,
    CreateDate: new Date(profile.createdAt),
    Roles: profile.roles.flatMap((name) => {
      const role = state.iam.roles[name];
      return role === undefined ? [] : [roleOutput(role, true)];
    }),
    ...(profile.tags.length === 0 ? {} : { Tags: profile.tags.map((tag) => ({ ...tag })) }),
  };
}

/** Finds a role by name, case-insensitively (IAM names are unique regardless of case). */
export function findRole(tx: Tx, name: string | undefined): RoleRecord {
  const role = Object.values(tx.state.iam.roles).find(
    (candidate) => candidate.name.toLowerCase() === (name ?? '').toLowerCase(),
  );
  if (role === undefined) throw tx.error('NoSuchEntity', `The role with name ${name ?? ''} cannot be found.`, 404);
  return role;
}

export function findProfile(tx: Tx, name: string | undefined): InstanceProfileRecord {
  const profile = Object.values(tx.state.iam.instanceProfiles).find(
    (candidate) => candidate.name.toLowerCase() === (name ?? '').toLowerCase(),
  );
  if (profile === undefined) throw tx.error('NoSuchEntity', `Instance Profile ${name ?? ''} cannot be found.`, 404);
  return profile;
}

export function iamListPage<T>(
  tx: Tx,
  items: T[],
  input: { Marker?: string | undefined; MaxItems?: number | undefined },
  scope: object,
) {
  if (input.MaxItems !== undefined && (input.MaxItems < 1 || input.MaxItems > 1000))
    throw tx.error(
      'ValidationError',
      `1 validation error detected: Value '${input.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  const page = paginate(items, {
    token: input.Marker,
    max: input.MaxItems,
    pageSize: tx.knobs.pageSize,
    scope: `${tx.operation}:${JSON.stringify(scope)}`,
    invalid: (): SandboxServiceError => tx.error('ValidationError', 'Invalid Marker.'),
  });
  return {
    items: page.items,
    IsTruncated: page.next !== undefined,
    ...(page.next === undefined ? {} : { Marker: page.next }),
  };
}

/** The inline-policy quota: 10,240 characters per role, whitespace excluded. */
export const INLINE_QUOTA = 10_240;
