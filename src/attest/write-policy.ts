/**
 * `attest`'s write: PutKeyPolicy (never with BypassPolicyLockoutSafetyCheck), retried while IAM
 * propagates a freshly created role, with KMS's own lockout refusal and a missing permission
 * explained; then the policy read back and compared semantically with the one written.
 */
import type { KMSPort } from '../aws/kms.js';
import { isAwsErrorNamed, isIamPropagationError } from '../aws/errors.js';
import { withPropagationRetry } from '../aws/retry.js';
import { CosignerError, isCosignerError } from '../errors.js';
import type { IoHost } from '../io/io-host.js';
import { policiesEquivalent, serialisePolicy } from '../policy/canonical.js';
import { OWNED_KEY_POLICY_SIDS } from '../policy/constants.js';
import { diffPolicies } from '../policy/diff.js';
import type { PolicyDocument } from '../policy/types.js';
import { awsError, readPolicy } from './key.js';

export interface WritePolicyDeps {
  io: IoHost;
  kms: Pick<KMSPort, 'getKeyPolicy' | 'putKeyPolicy'>;
  caller: { region: string };
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Bound on the time spent waiting for IAM propagation. @default 120000 */
  propagationMaxWaitMs?: number;
}

/** How KMS words its own lockout check's refusal (a MalformedPolicyDocumentException). */
const KMS_LOCKOUT_REFUSAL = /will not allow you to (?:subsequently )?(?:update|call PutKeyPolicy)/i;

/**
 * Write the policy; returns the number of PutKeyPolicy calls made. `beforeEachWrite` runs before
 * every attempt and throws to stop (Ctrl-C): no attempt is made once interrupted, and KMS refused
 * every earlier one.
 */
export async function writeKeyPolicy(
  keyArn: string,
  policy: PolicyDocument,
  deps: WritePolicyDeps,
  beforeEachWrite: (attempt: number) => void,
): Promise<number> {
  const step = deps.io.startStep('writing the key policy');
  let attempts = 0;
  try {
    await withPropagationRetry(
      async (attempt) => {
        beforeEachWrite(attempt);
        attempts += 1;
        // BypassPolicyLockoutSafetyCheck is never set: AWS's own lockout check stays on.
        await deps.kms.putKeyPolicy({ KeyId: keyArn, PolicyName: 'default', Policy: serialisePolicy(policy) });
      },
      {
        isRetryable: isIamPropagationError,
        sleep: deps.sleep,
        now: () => deps.now().getTime(),
        maxWaitMs: deps.propagationMaxWaitMs ?? 120_000,
        waitingFor: 'the role to become a valid key-policy principal',
        onRetry: (progress) =>
          step.update(
            `waiting for IAM to propagate the role (attempt ${progress.attempt + 1}, ${Math.ceil(progress.remainingMs / 1000)} s left)`,
          ),
      },
    );
  } catch (error) {
    step.fail('the key policy was not written');
    throw writeError(error, keyArn, deps.caller.region);
  }
  step.succeed(
    attempts > 1
      ? `key policy written (after ${attempts} attempts while IAM propagated the role)`
      : 'key policy written',
  );
  return attempts;
}

/** A failed PutKeyPolicy as the coded error that says how to fix it. */
function writeError(error: unknown, keyArn: string, region: string): CosignerError {
  if (isCosignerError(error)) return error;
  if (
    isAwsErrorNamed(error, 'MalformedPolicyDocumentException') &&
    KMS_LOCKOUT_REFUSAL.test(error instanceof Error ? error.message : '')
  ) {
    return new CosignerError(
      'POLICY_LOCKOUT',
      'KMS refused the policy: it would not let the caller change the key policy again',
      { hint: 'keep the caller (or the account root) in the administrator statement', cause: error },
    );
  }
  const classified = awsError(error, 'PutKeyPolicy', keyArn, region);
  if (classified.code === 'AWS_ACCESS_DENIED') {
    return new CosignerError('AWS_ACCESS_DENIED', `not allowed to write the key policy of ${keyArn}`, {
      hint: 'the caller needs kms:PutKeyPolicy on the key (the key policy must allow it, directly or through the account root)',
      cause: error,
    });
  }
  return classified;
}

/**
 * Read the policy back until it matches the one written (three reads, one and two seconds apart:
 * KMS may answer a read with the previous policy for a moment); POLICY_READBACK_MISMATCH otherwise.
 */
export async function verifyReadBack(keyArn: string, policy: PolicyDocument, deps: WritePolicyDeps): Promise<void> {
  const check = deps.io.startStep('reading the key policy back');
  let readBack: PolicyDocument | undefined;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    readBack = await readPolicy(deps, keyArn);
    if (policiesEquivalent(readBack, policy)) break;
    if (attempt < 3) await deps.sleep(1000 * attempt);
  }
  if (readBack === undefined || !policiesEquivalent(readBack, policy)) {
    check.fail('the key policy read back differs from the one written');
    const readBackDiff = readBack === undefined ? undefined : diffPolicies(policy, readBack, OWNED_KEY_POLICY_SIDS);
    throw new CosignerError(
      'POLICY_READBACK_MISMATCH',
      `the key policy read back from ${keyArn} differs from the one written`,
      {
        hint: 'someone else may be changing the key policy; inspect it, then run attest again',
        context: { diff: readBackDiff },
      },
    );
  }
  check.succeed('key policy read back and verified');
}
