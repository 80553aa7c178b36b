// Public API of the enclave core: the verifier side only. Pure: bytes in, measurements and
// verdicts out. Issuing (certificates, attestation documents, signed EIFs, CMS envelopes) belongs
// to the simulated account: src/aws/sandbox/nitro/.
export {
  computePCR3,
  computePCR4,
  computePCR8,
  extendPCR,
  isZeroPCR,
  normalizePCR,
  pcrEquals,
  sha384,
  PCR_BYTES,
  PCR_HEX_LENGTH,
  ZERO_PCR,
} from './pcr.js';
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
export { AWS_NITRO_ROOT_G1_DER, AWS_NITRO_ROOT_G1_SHA256, certificateFingerprint } from './aws-nitro-root.js';
export { parseCertificate, pemToDer, formatName, certificateValidity, type Certificate } from './x509.js';
export { decodeCoseSign1, verifyCoseSign1, type CoseSign1 } from './cose.js';
export { toHex, fromHex } from './bytes.js';
export { parseEIF, inspectEIF, type EifImage } from './eif.js';
export {
  createEifMeasurer,
  measureEIF,
  measureEifChunks,
  type DigestSink,
  type EifMeasurement,
  type EifMeasurer,
  type EifMeasurerOptions,
  type EifSection,
} from './eif-measurer.js';
export {
  EIF_HEADER_SIZE,
  EIF_SECTION_HEADER_SIZE,
  EIF_CRC_OFFSET,
  EIF_MAX_SECTIONS,
  EIF_SIGNATURE_MAX_SIZE,
  type EifHeader,
  type EifSectionType,
} from './eif-format.js';
export { describeEIF, formatAsn1Time, NITRO_HASH_ALGORITHM } from './eif-describe.js';
export { decodeEifSignatureSection, verifyEifSignature, type EifSignature } from './eif-signature.js';
export { parseEifMetadata, type EifMetadata } from './eif-metadata.js';
export {
  parseBuildEnclaveOutput,
  parseDescribeEifOutput,
  parseDescribeEnclavesOutput,
  parseRunEnclaveOutput,
  parseTerminateEnclaveOutput,
  parsePcrOutput,
  type BuildEnclaveOutput,
  type DescribeEifOutput,
  type DescribeEnclavesOutput,
  type DescribedEnclave,
  type NitroMeasurements,
  type PcrOutput,
  type RunEnclaveOutput,
  type SigningCertificateInfo,
  type TerminateEnclaveOutput,
} from './nitro-cli-output.js';
