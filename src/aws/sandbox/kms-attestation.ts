/**
 * Attestation (Recipient): verifying `Recipient.AttestationDocument` against the sandbox's trusted
 * roots, and turning its PCRs into `kms:RecipientAttestation:*` condition keys and trail data.
 */
import type * as SDK from '@aws-sdk/client-kms';
import { isCosignerError } from '../../errors.js';
import { AWS_NITRO_ROOT_G1_DER, verifyAttestationDocument, type AttestationVerification } from '../../enclave/index.js';
import type { ContextValue } from '../../policy/types.js';
import type { Tx } from './engine.js';

interface Attested {
  verification: AttestationVerification;
  context: Record<string, ContextValue>;
  publicKey: Uint8Array;
}

function pcrBase64(hex: string | undefined): string | undefined {
  return hex === undefined ? undefined : Buffer.from(hex, 'hex').toString('base64');
}

/** Verifies `Recipient.AttestationDocument` and turns it into condition keys and trail data. */
export function attest(tx: Tx, recipient: SDK.RecipientInfo | undefined): Attested | undefined {
  if (recipient === undefined) return undefined;
  if (recipient.KeyEncryptionAlgorithm !== undefined && recipient.KeyEncryptionAlgorithm !== 'RSAES_OAEP_SHA_256') {
    throw tx.error(
      'ValidationException',
      `1 validation error detected: Value '${String(recipient.KeyEncryptionAlgorithm)}' at 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]`,
    );
  }
  const document = recipient.AttestationDocument;
  if (document === undefined || document.length === 0 || document.length > 262_144)
    throw tx.error(
      'ValidationException',
      'The attestation document in the Recipient parameter is missing or too large.',
    );
  const roots = [
    ...tx.state.attestationRoots.map((root) => new Uint8Array(Buffer.from(root, 'base64'))),
    AWS_NITRO_ROOT_G1_DER,
  ];
  let verification: AttestationVerification | undefined;
  let lastError: unknown;
  for (const root of roots) {
    try {
      // KMS admits debug-mode documents (all-zero PCR0–2): policies decide, so do not reject here.
      verification = verifyAttestationDocument(document, { now: tx.now, rootCertificate: root, allowDebugMode: true });
      break;
    } catch (error) {
      lastError = error;
      if (!isCosignerError(error, 'ATTESTATION_ROOT_UNTRUSTED')) break;
    }
  }
  if (verification === undefined) {
    const why = isCosignerError(lastError) ? lastError.message : 'it could not be verified';
    throw tx.error('ValidationException', `The attestation document is not valid: ${why}`);
  }
  // KMS only accepts documents produced moments ago.
  if (Math.abs(tx.now.getTime() - verification.document.timestamp.getTime()) > 5 * 60_000) {
    throw tx.error(
      'ValidationException',
      'The attestation document is expired: its timestamp is more than 5 minutes from the current time.',
    );
  }
  const publicKey = verification.document.publicKey;
  if (publicKey === null)
    throw tx.error('ValidationException', 'The attestation document does not contain a public key.');
  const pcrs = verification.document.pcrs;
  const context: Record<string, ContextValue> = {};
  for (const [index, value] of pcrs) context[`kms:RecipientAttestation:PCR${index}`] = value.toLowerCase();
  if (pcrs.get(0) !== undefined) context['kms:RecipientAttestation:ImageSha384'] = pcrs.get(0)!.toLowerCase();
  const recipientTrail: Record<string, string> = { attestationDocumentModuleId: verification.document.moduleId };
  const digest = pcrBase64(pcrs.get(0));
  if (digest !== undefined) recipientTrail['attestationDocumentEnclaveImageDigest'] = digest;
  for (const index of [1, 2, 3, 4, 8]) {
    const value = pcrBase64(pcrs.get(index));
    if (value !== undefined) recipientTrail[`attestationDocumentEnclavePCR${index}`] = value;
  }
  tx.trail({ additionalEventData: { recipient: recipientTrail } });
  return { verification, context, publicKey };
}
