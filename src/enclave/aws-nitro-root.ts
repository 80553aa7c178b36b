// The AWS Nitro Enclaves Root-G1 certificate, pinned. Every genuine attestation document chains
// to it through its `cabundle` (spec §6.3 step 3).
// Source: https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip (root.pem),
// described at https://docs.aws.amazon.com/enclaves/latest/user/verify-root.html; the same bytes
// are in test/fixtures/testdata/root/aws-nitro-enclaves-root-g1.der.
// Subject C=US, O=Amazon, OU=AWS, CN=aws.nitro-enclaves; valid 2019-10-28 to 2049-10-28; P-384.
import { createHash } from 'node:crypto';
import { fail } from '../errors.js';
import { toHex } from './bytes.js';

/** SHA-256 fingerprint of the Root-G1 DER, as AWS publishes it (verify-root.html). */
export const AWS_NITRO_ROOT_G1_SHA256 = '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b';

const AWS_NITRO_ROOT_G1_BASE64 =
  'MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTELMAkGA1UEBhMCVVMxDzANBgNVBAoMBkFt' +
  'YXpvbjEMMAoGA1UECwwDQVdTMRswGQYDVQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4' +
  'MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQLDANBV1MxGzAZBgNVBAMMEmF3cy5uaXRy' +
  'by1lbmNsYXZlczB2MBAGByqGSM49AgEGBSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb' +
  '48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZEh8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/' +
  'BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkFR+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC' +
  'MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPWrfMCMQCi85sWBbJwKKXdS6BptQFuZbT7' +
  '3o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6NIwLz3/Y=';

/** SHA-256 fingerprint (lowercase hex) of a DER certificate. */
export function certificateFingerprint(der: Uint8Array): string {
  return toHex(new Uint8Array(createHash('sha256').update(der).digest()));
}

/**
 * Decode a pinned root and check its fingerprint, so that an edited constant cannot silently
 * change the root of trust. Throws INTERNAL on a mismatch.
 */
export function loadPinnedRoot(base64: string, sha256: string): Uint8Array {
  const der = new Uint8Array(Buffer.from(base64, 'base64'));
  const actual = certificateFingerprint(der);
  if (actual !== sha256)
    fail(
      'INTERNAL',
      `pinned root certificate fingerprint mismatch: ${actual}`,
      'the build is corrupt; reinstall cosigner-cli',
    );
  return der;
}

/** The AWS Nitro Enclaves Root-G1 certificate, DER (fingerprint-checked at load). */
export const AWS_NITRO_ROOT_G1_DER: Uint8Array = loadPinnedRoot(AWS_NITRO_ROOT_G1_BASE64, AWS_NITRO_ROOT_G1_SHA256);
