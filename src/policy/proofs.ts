/**
 * The key-policy proofs, run on every candidate key policy before it is written (and on the live
 * one by `provision` and `status`). Each invariant is a named step with its own coded finding, run
 * in order; the report keeps the trace of the steps that passed.
 *
 * 1. grammar: nothing the proofs cannot read (POLICY_UNSUPPORTED).
 * 2. not-principal: no Allow with NotPrincipal (POLICY_BYPASS).
 * 3. public-principal: no Allow with Principal "*", whatever it allows, as in the bucket proofs
 *    (POLICY_BYPASS).
 * 4. attested-only: every Allow that covers a data action (Decrypt, GenerateDataKey*,
 *    DeriveSharedSecret, ReEncrypt*, by name, wildcard or NotAction) pins
 *    kms:RecipientAttestation:PCR8 with StringEquals/StringEqualsIgnoreCase to configured values
 *    only, and names the co-signer role only (POLICY_BYPASS).
 * 5. debug-enclave: a Deny takes every attested data action from a debug-mode enclave
 *    (POLICY_BYPASS, or a warning when the risk is accepted).
 * 6. key-control: PutKeyPolicy, grants, deletion, enabling/disabling, imported material,
 *    replication, rotation, the description, tags and aliases are allowed to the administrators
 *    and the account only, never to the co-signer role under any spelling of its name
 *    (POLICY_KEY_CONTROL).
 * 7. lockout: every administrator and the caller keep kms:PutKeyPolicy (POLICY_LOCKOUT).
 * 8. attested-access: the role can still use the key from an attested enclave (POLICY_ROLE_DENIED).
 *
 * Steps 2–6 are read from the statements' text, so they hold for every principal, value and
 * request (statement-shape.ts, key-invariants.ts); steps 7–8 evaluate concrete requests in an
 * open world (key-access.ts). Whether a principal is the role, an administrator or the caller is decided
 * by one rule (arn.ts sameIamPrincipal: IAM names compare ignoring case).
 */
import { CosignerError } from '../errors.js';
import { accountOfPrincipal, parseKeyArn } from './arn.js';
import { lockoutStep, roleAccessStep } from './key-access.js';
import {
  attestedOnlyStep,
  debugGuardStep,
  grammarStep,
  keyControlStep,
  notPrincipalStep,
  publicPrincipalStep,
  type KeyProofContext,
} from './key-invariants.js';
import type { PolicyDocument, Undecided } from './types.js';

export interface KeyPolicyProofInput {
  /** The key the policy is for (its account and partition are used). */
  keyArn: string;
  roleArn: string;
  /** The PCR8 values the role's enclave may present. */
  pcr8: readonly string[];
  /** Administrators that must keep kms:PutKeyPolicy (account root ARN or IAM principal ARNs). */
  adminArns: readonly string[];
  /** The principal about to call PutKeyPolicy; it must keep the permission (AWS checks this too). */
  callerArn?: string;
  /**
   * `deny-required`: a debug-mode enclave that could use the key fails the proof (POLICY_BYPASS).
   * `accept-risk`: it is reported as a warning (the fireblocks-exact profile, or the hardening
   * switched off on purpose).
   * @default 'deny-required'
   */
  debugEnclave?: 'deny-required' | 'accept-risk';
}

export type ProofCheck =
  | 'unsupported'
  | 'not-principal'
  | 'public-principal'
  | 'attested-only'
  | 'debug-enclave'
  | 'key-control'
  | 'lockout'
  | 'attested-access'
  | 'admin-rewrite'
  | 'bucket-objects'
  | 'bucket-foreign'
  | 'bucket-lockout'
  | 'bucket-role-access';
export type ProofCode =
  'POLICY_LOCKOUT' | 'POLICY_BYPASS' | 'POLICY_KEY_CONTROL' | 'POLICY_ROLE_DENIED' | 'POLICY_UNSUPPORTED';

export interface ProofFinding {
  check: ProofCheck;
  severity: 'error' | 'warning' | 'info';
  /** The error code this finding refuses with (errors only). */
  code?: ProofCode;
  message: string;
  principal?: string;
  action?: string;
  /** The statements involved. */
  statements: { index: number; sid?: string }[];
  /** What the evaluator could not decide, when that is why the proof failed. */
  undecided?: Undecided[];
}

/** One step of a proof and whether it held (no error finding). */
export interface ProofStepTrace {
  step: ProofCheck;
  ok: boolean;
}

export interface ProofReport {
  ok: boolean;
  findings: ProofFinding[];
  /** The steps run, in order. */
  steps: ProofStepTrace[];
  /** How many concrete requests were evaluated. */
  requests: number;
}

const KEY_STEPS: [ProofCheck, (ctx: KeyProofContext) => ProofFinding[]][] = [
  ['unsupported', grammarStep],
  ['not-principal', notPrincipalStep],
  ['public-principal', publicPrincipalStep],
  ['attested-only', attestedOnlyStep],
  ['debug-enclave', debugGuardStep],
  ['key-control', keyControlStep],
  ['lockout', lockoutStep],
  ['attested-access', roleAccessStep],
];

/** Run the named steps in order and collect their findings and trace. */
export function runProofSteps<C extends { requests: number }>(
  steps: readonly [ProofCheck, (ctx: C) => ProofFinding[]][],
  ctx: C,
): ProofReport {
  const findings: ProofFinding[] = [];
  const trace: ProofStepTrace[] = [];
  for (const [step, run] of steps) {
    const found = run(ctx);
    findings.push(...found);
    trace.push({ step, ok: !found.some((finding) => finding.severity === 'error') });
  }
  return { ok: trace.every((step) => step.ok), findings, steps: trace, requests: ctx.requests };
}

/** Run every proof on a candidate key policy. Pure. Use {@link assertKeyPolicyProofs} to refuse. */
export function proveKeyPolicy(policy: PolicyDocument, input: KeyPolicyProofInput): ProofReport {
  const key = parseKeyArn(input.keyArn);
  const ctx: KeyProofContext = {
    policy,
    keyArn: input.keyArn,
    keyAccount: key?.accountId ?? accountOfPrincipal(input.roleArn) ?? '',
    partition: key?.partition ?? 'aws',
    roleArn: input.roleArn,
    pcr8: input.pcr8.map((value) => value.toLowerCase()),
    adminArns: input.adminArns,
    ...(input.callerArn === undefined ? {} : { callerArn: input.callerArn }),
    debugEnclave: input.debugEnclave ?? 'deny-required',
    requests: 0,
  };
  const report = runProofSteps(KEY_STEPS, ctx);
  if (input.adminArns.length > 0) {
    // Administrators can rewrite the policy: inherent, stated once.
    report.findings.push({
      check: 'admin-rewrite',
      severity: 'info',
      message: `administrators (${input.adminArns.join(', ')}) can replace this key policy; guard kms:PutKeyPolicy in IAM accordingly`,
      statements: [],
    });
  }
  return report;
}

const CODE_ORDER: ProofCode[] = [
  'POLICY_LOCKOUT',
  'POLICY_BYPASS',
  'POLICY_KEY_CONTROL',
  'POLICY_UNSUPPORTED',
  'POLICY_ROLE_DENIED',
];

const HINTS: Record<ProofCode, string> = {
  POLICY_LOCKOUT:
    'keep an administrator statement that grants kms:PutKeyPolicy (the account root by default) and remove any Deny that could hit it',
  POLICY_BYPASS:
    'remove or restrict the statements listed (attest --remove-statement <Sid>): no Allow may name "*" or use NotPrincipal, and every Allow of a data operation must name only the co-signer role and pin kms:RecipientAttestation:PCR8 with StringEqualsIgnoreCase to configured values',
  POLICY_KEY_CONTROL:
    'allow the operations that control the key (its policy, grants, state, deletion, material, rotation, description, tags and aliases) to the key administrators or the account only, never to the co-signer role; remove the statements listed (attest --remove-statement <Sid>)',
  POLICY_UNSUPPORTED:
    'rewrite the statement with standard IAM condition operators and principals; cosigner-cli refuses what it cannot prove',
  POLICY_ROLE_DENIED: 'check the PCR8 list and any Deny statements that hit the co-signer role',
};

/** Throw the most important failed proof as a coded error, with every finding in its context. */
export function assertKeyPolicyProofs(report: ProofReport): void {
  if (report.ok) return;
  const errors = report.findings.filter((finding) => finding.severity === 'error');
  const code = CODE_ORDER.find((candidate) => errors.some((finding) => finding.code === candidate)) ?? 'POLICY_BYPASS';
  const first = errors.find((finding) => finding.code === code);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more finding${errors.length > 2 ? 's' : ''})` : '';
  throw new CosignerError(code, `refusing this key policy: ${first?.message ?? 'a proof failed'}${more}`, {
    hint: HINTS[code],
    context: { findings: errors },
  });
}

export { proveBucketPolicy } from './bucket-proofs.js';
