/**
 * `verify`: with `--attestation-doc`, verification of a Nitro attestation document. The account
 * audit (Prowler-compatible checks over the deployed resources) is not part of this version, and
 * says so with NOT_AVAILABLE rather than printing a partial report.
 */
import type { CommandContext, Invocation } from '../command-kit.js';
import { fail } from '../errors.js';
import type { Style } from '../io/style.js';
import * as attestation from './verify-attestation.js';

export type VerifyOptions = { kind: 'attestation'; options: attestation.VerifyAttestationOptions };
export type VerifyResult = attestation.VerifyAttestationResult;

export function parseOptions(invocation: Invocation): VerifyOptions {
  if (invocation.opts.attestationDoc === undefined) {
    fail(
      'NOT_AVAILABLE',
      'the account audit is not available in this version of cosigner-cli',
      'verify an attestation document with --attestation-doc <file>; `cosigner-cli attest --dry-run` proves the key policy',
    );
  }
  return { kind: 'attestation', options: attestation.parseOptions(invocation) };
}

export function execute(options: VerifyOptions, context: CommandContext): Promise<VerifyResult> {
  return attestation.execute(options.options, context);
}

export function render(result: VerifyResult, style: Style): string {
  return attestation.render(result, style);
}
