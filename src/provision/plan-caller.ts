/**
 * Provision's key calls checked for the caller before any write (src/engine/caller-key-calls.ts):
 * the key's action becomes a refusal naming who may run provision.
 */
import type { PolicyDocument } from '../policy/types.js';
import { callerRefusal, deniedKeyCall } from '../engine/caller-key-calls.js';
import type { PlannedAction } from './plan-types.js';

/** `action` refused when the caller cannot make one of its key calls; unchanged otherwise. */
export function withCallerCheck(
  action: PlannedAction,
  livePolicy: PolicyDocument | undefined,
  keyArn: string,
  callerArn: string,
  adminArns: readonly string[],
): PlannedAction {
  if (action.kind === 'refuse' || action.kind === 'noop') return action;
  const denied = deniedKeyCall(action.rounds, livePolicy, keyArn, callerArn);
  if (denied === undefined) return action;
  const refusal = callerRefusal('provision', denied.op, callerArn, adminArns);
  return { ...action, kind: 'refuse', reasons: [refusal.message], rounds: [], refusal };
}
