/**
 * Who a simulated call is made as: the principal (the sandbox's administrator user, or a session of
 * a role) resolved against the account, with its ids and identity policies.
 */
import type { PolicyDocument } from '../../policy/types.js';
import { MANAGED_POLICIES } from './catalogue.js';
import { parsedPolicy } from './policy-cache.js';
import { SandboxServiceError } from './service-error.js';
import { ADMIN_USER } from './state-new.js';
import type { SandboxState } from './state.js';

/** Who the calls are made as. */
export type PrincipalSpec = { kind: 'admin' } | { kind: 'role'; roleName: string; sessionName: string };

/** The caller of one call, resolved against the state. */
export interface Caller {
  kind: 'user' | 'role';
  /** What STS reports: the user ARN or the assumed-role session ARN. */
  arn: string;
  /** `aws:PrincipalArn`: the user ARN or the role ARN. */
  principalArn: string;
  accountId: string;
  /** `aws:userid`. */
  userId: string;
  accessKeyId: string;
  name: string;
  identityPolicies: PolicyDocument[];
}

/** A deterministic access key id for a principal (shown in CloudTrail). */
function accessKeyFor(seed: string): string {
  let hash = 0;
  for (const char of seed) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return `AKIA${hash.toString(36).toUpperCase().padStart(16, 'X').slice(0, 16)}`;
}

function policyDocuments(texts: string[]): PolicyDocument[] {
  // A policy the evaluator cannot read grants nothing (it was validated on write).
  return texts.map(parsedPolicy).filter((document) => document !== undefined);
}

/** Resolves the principal against the state (its identity policies, its ids). */
export function resolveCaller(state: SandboxState, principal: PrincipalSpec): Caller {
  const account = state.accountId;
  if (principal.kind === 'admin') {
    const user = state.iam.users[ADMIN_USER];
    const attached = user?.attachedPolicies ?? ['arn:aws:iam::aws:policy/AdministratorAccess'];
    return {
      kind: 'user',
      arn: user?.arn ?? `arn:aws:iam::${account}:user/${ADMIN_USER}`,
      principalArn: user?.arn ?? `arn:aws:iam::${account}:user/${ADMIN_USER}`,
      accountId: account,
      userId: user?.id ?? 'AIDA',
      accessKeyId: accessKeyFor(`${account}/${ADMIN_USER}`),
      name: ADMIN_USER,
      identityPolicies: policyDocuments(attached.map((arn) => MANAGED_POLICIES.get(arn)?.document ?? '')),
    };
  }
  const { roleName, sessionName } = principal;
  const role = Object.values(state.iam.roles).find(
    (candidate) => candidate.name.toLowerCase() === roleName.toLowerCase(),
  );
  if (role === undefined) {
    throw new SandboxServiceError(
      'sts',
      'ExpiredToken',
      `The security token included in the request is invalid: role ${roleName} no longer exists.`,
      403,
      'ExpiredToken',
    );
  }
  return {
    kind: 'role',
    arn: `arn:aws:sts::${account}:assumed-role/${role.name}/${sessionName}`,
    principalArn: role.arn,
    accountId: account,
    userId: `${role.id}:${sessionName}`,
    accessKeyId: accessKeyFor(`${account}/${role.name}/${sessionName}`).replace(/^AKIA/, 'ASIA'),
    name: role.name,
    identityPolicies: policyDocuments([
      ...Object.values(role.inlinePolicies),
      ...role.attachedPolicies.map((arn) => MANAGED_POLICIES.get(arn)?.document ?? ''),
    ]),
  };
}
