/** Key policies: the default policy, validation on write (size, grammar, principals, lockout safety check), GetKeyPolicy and PutKeyPolicy. */
import type * as SDK from '@aws-sdk/client-kms';
import { isCosignerError } from '../../errors.js';
import { KEY_POLICY_MAX_BYTES } from '../../policy/constants.js';
import { toPolicyDocument } from '../../policy/evaluate.js';
import type { PolicyDocument } from '../../policy/types.js';
import type { Tx } from './engine.js';
import { awsPrincipals, principalStatus } from './iam-records.js';
import { authorizeKey, keyTrail, resolveKey } from './kms-keys.js';

/** The policy KMS gives a key created without one. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );
}

/** Validation of a key policy on write: JSON, size, grammar, principals, lockout safety check. */
export function validateKeyPolicy(tx: Tx, text: string | undefined, keyArn: string, bypass: boolean): string {
  if (text === undefined)
    throw tx.error(
      'ValidationException',
      "1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null",
    );
  if (Buffer.byteLength(text, 'utf8') > KEY_POLICY_MAX_BYTES)
    throw tx.error(
      'LimitExceededException',
      `The key policy exceeds the ${KEY_POLICY_MAX_BYTES / 1024} KB quota for key policy size.`,
    );
  let document: PolicyDocument;
  try {
    document = toPolicyDocument(JSON.parse(text) as unknown);
  } catch (error) {
    if (error instanceof SyntaxError)
      throw tx.error('MalformedPolicyDocumentException', 'The key policy is not a valid JSON document.');
    if (isCosignerError(error))
      throw tx.error('MalformedPolicyDocumentException', `The key policy is malformed: ${error.message}`);
    throw error;
  }
  for (const statement of document.Statement) {
    if (statement.Principal === undefined && statement.NotPrincipal === undefined)
      throw tx.error('MalformedPolicyDocumentException', 'Policy contains a statement with no principal.');
  }
  // Principals must exist and be visible to KMS (a new role is not, until IAM has propagated it).
  for (const principal of awsPrincipals(document)) {
    if (principalStatus(tx.state, principal, tx.now, tx.knobs.iamPropagationDelayMs) !== 'valid') {
      throw tx.error(
        'MalformedPolicyDocumentException',
        'Policy contains a statement with one or more invalid principals.',
      );
    }
  }
  // Lockout safety check: the caller must be able to PutKeyPolicy under the new policy.
  if (!bypass) {
    try {
      tx.authorize({ action: 'kms:PutKeyPolicy', resource: keyArn, resourcePolicy: text, model: 'kms' });
    } catch (error) {
      if (isCosignerError(error)) throw error;
      throw tx.error(
        'MalformedPolicyDocumentException',
        'The new key policy will not allow you to update the key policy in the future.',
      );
    }
  }
  return text;
}

export function getKeyPolicy(tx: Tx, input: SDK.GetKeyPolicyCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  if (input.PolicyName !== undefined && input.PolicyName !== 'default')
    throw tx.error('NotFoundException', `No such policy exists: ${input.PolicyName}`);
  authorizeKey(tx, resolved, 'kms:GetKeyPolicy');
  return { Policy: resolved.key.policy, PolicyName: 'default' };
}

export function putKeyPolicy(tx: Tx, input: SDK.PutKeyPolicyCommandInput) {
  const resolved = resolveKey(tx, input.KeyId, false);
  keyTrail(tx, resolved.key);
  if (input.PolicyName !== undefined && input.PolicyName !== 'default')
    throw tx.error('ValidationException', `PolicyName must be "default", got "${input.PolicyName}"`);
  authorizeKey(tx, resolved, 'kms:PutKeyPolicy');
  // No key-state check: KMS's key-state table allows PutKeyPolicy in every state, PendingDeletion
  // included (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html#key-state-table),
  // so the policy of a key scheduled for deletion can still be repaired before the deletion is
  // cancelled.
  resolved.key.policy = validateKeyPolicy(
    tx,
    input.Policy,
    resolved.key.arn,
    input.BypassPolicyLockoutSafetyCheck === true,
  );
  return {};
}
