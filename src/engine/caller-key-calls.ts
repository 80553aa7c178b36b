/**
 * The calls a run plans on a KMS key, checked against the key policy for the caller before any
 * write (src/policy/caller-access.ts). A dedicated key administrator named in `kms.adminArns`
 * while someone else runs the tool used to get CreateKey and CreateAlias through and then an
 * AccessDenied on EnableKeyRotation (provision: exit 4 with a live key whose rotation is off), or
 * the host and role deleted before ScheduleKeyDeletion was refused (destroy --delete-key). Now
 * the run is refused whole, before any write, and says who may run it.
 */
import type { CosignerErrorCode } from '../errors.js';
import { keyPolicyRefusesCaller } from '../policy/caller-access.js';
import type { PolicyDocument } from '../policy/types.js';

/** A planned call, as provision's and destroy's plans spell them. */
export interface KeyCall {
  op: string;
  detail: string;
  data?: Record<string, unknown>;
}

/** The first planned call on the key (twins aside) that the key policy in force refuses to the caller. */
export function deniedKeyCall<O extends KeyCall>(
  rounds: readonly (readonly O[])[],
  livePolicy: PolicyDocument | undefined,
  keyArn: string,
  callerArn: string,
): { op: O; policy: PolicyDocument } | undefined {
  let policy = livePolicy;
  for (const round of rounds) {
    const atStart = policy;
    for (const op of round) {
      // Twins are retired under their own policy (the plan makes it let the administrators and the caller).
      if (op.data?.['keyId'] !== undefined) continue;
      const written = op.data?.['policy'] as PolicyDocument | undefined;
      if (op.op === 'kms:CreateKey') {
        // KMS's lockout check: CreateKey fails unless the new policy lets the caller PutKeyPolicy.
        if (written !== undefined && keyPolicyRefusesCaller(written, keyArn, callerArn, 'kms:PutKeyPolicy'))
          return { op, policy: written };
        policy = written;
        continue;
      }
      if (op.op === 'kms:PutKeyPolicy') {
        if (atStart !== undefined && keyPolicyRefusesCaller(atStart, keyArn, callerArn, op.op))
          return { op, policy: atStart };
        policy = written ?? policy;
        continue;
      }
      if (!op.op.startsWith('kms:')) continue;
      // A call in the same round as a policy write may run before or after it: refused only when
      // both policies refuse it.
      const candidates = [atStart, policy].filter((p): p is PolicyDocument => p !== undefined);
      if (candidates.length > 0 && candidates.every((p) => keyPolicyRefusesCaller(p, keyArn, callerArn, op.op)))
        return { op, policy: atStart ?? policy! };
    }
  }
  return undefined;
}

/** The refusal for a key call the caller cannot make, naming who can. */
export function callerRefusal(
  verb: 'provision' | 'destroy',
  op: KeyCall,
  callerArn: string,
  adminArns: readonly string[],
): { code: CosignerErrorCode; message: string; hint: string } {
  const admins = adminArns.length > 0 ? adminArns.join(', ') : 'the account root user';
  return {
    code: 'KEY_CALLER_NOT_ADMIN',
    message: `the key policy does not let ${callerArn} call ${op.op} (${op.detail}); only the key administrators may (${admins})`,
    hint:
      adminArns.length > 0
        ? `run ${verb} as one of kms.adminArns, or add ${callerArn} to kms.adminArns (--kms-admin)`
        : `run ${verb} with credentials the key policy admits`,
  };
}
