/**
 * Does a KMS grant allow a call? A grant names a grantee principal and operations; it allows that
 * principal (the user or role, or one assumed-role session) to call those operations on the key,
 * whatever the key policy says, unless a policy denies explicitly. Encryption-context constraints
 * narrow it to requests whose context matches. A grant that includes `CreateGrant` lets the
 * grantee create grants for at most its own operations.
 */
import type { ContextValue } from '../../policy/types.js';
import type { Caller } from './caller.js';
import type { GrantRecord } from './state.js';

const CONTEXT_PREFIX = 'kms:EncryptionContext:';

/** The request's encryption context, from the `kms:EncryptionContext:<key>` condition keys. */
function requestContext(context: Record<string, ContextValue>): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const [key, value] of Object.entries(context)) {
    if (key.startsWith(CONTEXT_PREFIX) && typeof value === 'string') pairs.set(key.slice(CONTEXT_PREFIX.length), value);
  }
  return pairs;
}

function constraintsHold(grant: GrantRecord, context: Record<string, ContextValue>): boolean {
  const constraints = grant.constraints;
  if (constraints === undefined) return true;
  const request = requestContext(context);
  if (constraints.EncryptionContextEquals !== undefined) {
    const wanted = Object.entries(constraints.EncryptionContextEquals);
    return wanted.length === request.size && wanted.every(([key, value]) => request.get(key) === value);
  }
  if (constraints.EncryptionContextSubset !== undefined) {
    return Object.entries(constraints.EncryptionContextSubset).every(([key, value]) => request.get(key) === value);
  }
  return true;
}

/** For CreateGrant through a grant: the new grant's operations are among this grant's. */
function withinOperations(grant: GrantRecord, context: Record<string, ContextValue>): boolean {
  const requested = context['kms:GrantOperations'];
  const operations = Array.isArray(requested) ? requested : typeof requested === 'string' ? [requested] : [];
  return operations.every((operation) => grant.operations.includes(operation));
}

export function grantAllows(
  grants: readonly GrantRecord[],
  caller: Pick<Caller, 'arn' | 'principalArn'>,
  action: string,
  context: Record<string, ContextValue>,
): boolean {
  if (!action.startsWith('kms:')) return false;
  const operation = action.slice('kms:'.length);
  return grants.some(
    (grant) =>
      (grant.granteePrincipal === caller.principalArn || grant.granteePrincipal === caller.arn) &&
      grant.operations.includes(operation) &&
      constraintsHold(grant, context) &&
      (operation !== 'CreateGrant' || withinOperations(grant, context)),
  );
}
