/**
 * Actions a key policy names that can never take effect there, so that `attest` can say so and the
 * proofs never count them as access.
 *
 * - `Encrypt`, `GenerateDataKeyWithoutPlaintext`, `GenerateDataKeyPairWithoutPlaintext` and
 *   `GetKeyPolicy` take no `Recipient`, so their requests never carry an attestation document and
 *   every `kms:RecipientAttestation:*` key is absent (KMS supports `Recipient` on Decrypt,
 *   DeriveSharedSecret, GenerateDataKey, GenerateDataKeyPair and GenerateRandom only:
 *   https://docs.aws.amazon.com/kms/latest/developerguide/cryptographic-attestation.html). An Allow
 *   that names them under an attestation condition (Fireblocks' attested statement) never grants
 *   them: KMS denies such a call, it does not skip the condition.
 * - `GenerateRandom` takes no key: its permission is an IAM-policy permission only
 *   (https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html), so a key-policy
 *   statement about it grants or denies nothing.
 *
 * Only actions listed by name count (any case): a wildcard also covers actions that do take effect.
 */
import { sameIamPrincipal } from './arn.js';
import { isAttestationKey } from './condition-keys.js';
import { contextMap, evaluateCondition } from './conditions.js';
import { toList } from './parse.js';
import { principalEntries } from './statement-shape.js';
import type { ContextValue, PolicyDocument, PolicyStatement, RequestContext } from './types.js';

/** The operations that take no `Recipient`: their requests never carry an attestation. */
export const NO_ATTESTATION_ACTIONS: readonly string[] = [
  'kms:Encrypt',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GetKeyPolicy',
];

/** The operations that take no key: only IAM policies control them. */
export const KEYLESS_ACTIONS: readonly string[] = ['kms:GenerateRandom'];

/**
 * `no-attestation`: an Allow names the action under a condition that needs an attestation, which
 * its requests never carry. `no-key`: the action takes no key, so a key policy cannot grant or deny it.
 */
export type InertReason = 'no-attestation' | 'no-key';

export interface InertAction {
  /** As KMS spells it, e.g. `kms:Encrypt`. */
  action: string;
  reason: InertReason;
  /** One sentence: why the action never takes effect in this policy. */
  message: string;
  /** The statements that name it. */
  statements: { index: number; sid?: string }[];
}

function namesAction(statement: PolicyStatement, action: string): boolean {
  const wanted = action.toLowerCase();
  return toList(statement.Action).some((entry) => entry.toLowerCase() === wanted);
}

/**
 * Can the statement's condition hold for a request that carries no attestation? Every attestation
 * key the condition names is absent, every other key may hold any value (or be absent), the
 * principal included; only a certain "no" (`false`) makes the statement inert, so an operator that
 * passes on a missing key (`…IfExists`, a negation, `ForAllValues`, `Null: true`) keeps it live.
 */
function holdsWithoutAttestation(statement: PolicyStatement, action: string): boolean {
  const absent: Record<string, ContextValue> = {};
  for (const block of Object.values(statement.Condition ?? {}))
    for (const key of Object.keys(block)) if (isAttestationKey(key)) absent[key.toLowerCase()] = undefined;
  const request: RequestContext = {
    principalArn: 'arn:aws:iam::000000000000:role/any',
    principalAccount: '000000000000',
    action,
    resource: '*',
    context: absent,
    openWorld: true,
    openKeys: ['aws:PrincipalArn', 'aws:PrincipalAccount'],
  };
  const scope = { statement: 0, undecided: [] };
  return evaluateCondition(statement, request, contextMap(request), scope, false) !== false;
}

function ref(statement: PolicyStatement, index: number): { index: number; sid?: string } {
  return statement.Sid === undefined ? { index } : { index, sid: statement.Sid };
}

function quoted(refs: readonly { index: number; sid?: string }[]): string {
  return refs.map((r) => (r.sid === undefined || r.sid === '' ? `#${r.index}` : JSON.stringify(r.sid))).join(', ');
}

/**
 * The inert actions a key policy names, in the order of {@link NO_ATTESTATION_ACTIONS} then
 * {@link KEYLESS_ACTIONS}, each with the statements that name it. Pure.
 */
export function inertActionsOf(policy: PolicyDocument): InertAction[] {
  const found: InertAction[] = [];
  for (const action of NO_ATTESTATION_ACTIONS) {
    const statements = policy.Statement.flatMap((statement, index) =>
      statement.Effect === 'Allow' && namesAction(statement, action) && !holdsWithoutAttestation(statement, action)
        ? [ref(statement, index)]
        : [],
    );
    if (statements.length === 0) continue;
    found.push({
      action,
      reason: 'no-attestation',
      message: `${action} never carries an attestation: the attestation condition of ${quoted(statements)} never matches it, so ${statements.length === 1 ? 'that statement does' : 'those statements do'} not grant it`,
      statements,
    });
  }
  for (const action of KEYLESS_ACTIONS) {
    const statements = policy.Statement.flatMap((statement, index) =>
      namesAction(statement, action) ? [ref(statement, index)] : [],
    );
    if (statements.length === 0) continue;
    found.push({
      action,
      reason: 'no-key',
      message: `${action} takes no key, so ${quoted(statements)} can neither grant nor deny it (only IAM policies control it)`,
      statements,
    });
  }
  return found;
}

/**
 * The inert actions listed by statements that name the principal (any spelling of its name, or
 * `*`): what such a policy seems to grant it but never does. The proofs name them when the
 * co-signer role is left without access.
 */
export function inertActionsFor(policy: PolicyDocument, principalArn: string): string[] {
  const namesPrincipal = (index: number): boolean => {
    const statement = policy.Statement[index];
    const entries = statement === undefined ? 'none' : principalEntries(statement);
    return (
      entries === '*' ||
      (Array.isArray(entries) && entries.some((e) => e.type === 'AWS' && sameIamPrincipal(e.value, principalArn)))
    );
  };
  return inertActionsOf(policy)
    .filter((inert) => inert.statements.some((ref) => namesPrincipal(ref.index)))
    .map((inert) => inert.action);
}
