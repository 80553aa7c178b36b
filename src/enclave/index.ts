// Public API of the enclave core. Pure: bytes in, measurements and verdicts out.
export { computePCR3, computePCR4, computePCR8, extendPCR, isZeroPCR, normalizePCR, pcrEquals, sha384, PCR_BYTES, PCR_HEX_LENGTH, ZERO_PCR } from './pcr.js';
export {
  FIREBLOCKS_ENVIRONMENTS,
  FIREBLOCKS_ENV_NAMES,
  PYPI_EGRESS_DOMAINS,
  awsEgressDomains,
  fireblocksEgressDomains,
  fireblocksPreset,
  isFireblocksEnv,
  type FireblocksEnv,
  type FireblocksPreset,
} from './fireblocks-presets.js';
export { parseAttestationDocument, ATTESTATION_LIMITS, type AttestationDocument } from './attestation.js';
export {
  verifyAttestationDocument,
  type AttestationStep,
  type AttestationStepName,
  type AttestationVerification,
  type CertificateSummary,
  type VerifyAttestationOptions,
} from './attestation-verify.js';
export { createAttestationIssuer, type AttestationIssuer, type AttestationIssuerOptions, type MintAttestationOptions } from './attestation-mint.js';
export { AWS_NITRO_ROOT_G1_DER, AWS_NITRO_ROOT_G1_SHA256, certificateFingerprint } from './aws-nitro-root.js';
export { parseCertificate, pemToDer, derToPem, formatName, certificateValidity, type Certificate } from './x509.js';
export { buildCertificate, type CertificateTemplate, type NameSpec } from './x509-build.js';
export { decodeCoseSign1, signCoseSign1, verifyCoseSign1, type CoseSign1 } from './cose.js';
export { toHex, fromHex } from './bytes.js';
