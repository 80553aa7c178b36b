/**
 * `verify`: the account audit (src/verify: Prowler-compatible checks over the deployed resources,
 * read-only), or with `--attestation-doc` the verification of a Nitro attestation document.
 */
import type { CommandContext, Invocation } from '../command-kit.js';
import type { CosignerError } from '../errors.js';
import { fail } from '../errors.js';
import type { Style } from '../io/style.js';
import * as attestation from './verify-attestation.js';
import * as audit from './verify-audit.js';

export type VerifyOptions =
  | { kind: 'attestation'; options: attestation.VerifyAttestationOptions }
  | { kind: 'audit'; options: audit.VerifyAuditOptions };
export type VerifyResult = attestation.VerifyAttestationResult | audit.VerifyAuditCommandResult;

/** Flags that only mean something to the account audit. */
const AUDIT_ONLY: Record<string, string> = {
  all: '--all',
  since: '--since',
  check: '--check',
  skip: '--skip',
  failOn: '--fail-on',
  strict: '--strict',
  format: '--format',
  output: '--output',
  host: '--host',
  probe: '--probe',
  printIamPolicy: '--print-iam-policy',
};
const ATTESTATION_ONLY: Record<string, string> = {
  nonce: '--nonce',
  maxAge: '--max-age',
  anyImage: '--any-image',
  at: '--at',
};

export function parseOptions(invocation: Invocation): VerifyOptions {
  const { opts } = invocation;
  const given = (names: Record<string, string>) =>
    Object.entries(names)
      .filter(([key]) => opts[key] !== undefined)
      .map(([, flag]) => flag);
  if (opts['attestationDoc'] !== undefined) {
    const misplaced = given(AUDIT_ONLY);
    if (misplaced.length > 0)
      fail(
        'INVALID_OPTION',
        `${misplaced.join(', ')} belong to the account audit, not to --attestation-doc`,
        'run the audit and the document check as two commands',
      );
    return { kind: 'attestation', options: attestation.parseOptions(invocation) };
  }
  const misplaced = given(ATTESTATION_ONLY);
  if (misplaced.length > 0)
    fail(
      'INVALID_OPTION',
      `${misplaced.join(', ')} only apply with --attestation-doc <file>`,
      'pass --attestation-doc <file>, or drop them for the account audit',
    );
  return { kind: 'audit', options: audit.parseAuditOptions(invocation) };
}

export function execute(options: VerifyOptions, context: CommandContext): Promise<VerifyResult> {
  return options.kind === 'attestation'
    ? attestation.execute(options.options, context)
    : audit.executeAudit(options.options, context);
}

function isAttestation(result: VerifyResult): result is attestation.VerifyAttestationResult {
  return 'documentPath' in result;
}

export function render(result: VerifyResult, style: Style): string {
  return isAttestation(result) ? attestation.render(result, style) : audit.renderAudit(result, style);
}

export function verdict(result: VerifyResult): CosignerError | undefined {
  return isAttestation(result) ? undefined : audit.auditVerdict(result);
}
