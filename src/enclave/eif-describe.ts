// The `nitro-cli describe-eif` view of an image (spec §5; nitro-cli src/lib.rs `describe_eif`,
// image-format `EifDescribeInfo`/`SignCertificateInfo`), built from our own measurements.
import { toColonHex } from './bytes.js';
import type { EifImage } from './eif.js';
import type { DescribeEifOutput, SigningCertificateInfo } from './nitro-cli-output.js';
import type { Certificate } from './x509.js';

/** nitro-cli prints the Rust Debug form of its hash algorithm. */
export const NITRO_HASH_ALGORITHM = 'Sha384 { ... }';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** OpenSSL's ASN1_TIME display form, as nitro-cli prints it: `Nov  6 10:50:28 2026 GMT`. */
export function formatAsn1Time(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const month = MONTHS[date.getUTCMonth()] as string;
  return `${month} ${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${date.getUTCFullYear()} GMT`;
}

/** `SignCertificateInfo`: issuer attributes by OpenSSL long name (sorted, last one wins, like a BTreeMap). */
function signingCertificateInfo(certificate: Certificate): SigningCertificateInfo {
  const issuer: Record<string, string> = {};
  for (const attribute of certificate.issuer) issuer[attribute.longName] = attribute.value;
  return {
    IssuerName: Object.fromEntries(Object.entries(issuer).sort(([a], [b]) => (a < b ? -1 : 1))),
    Algorithm: certificate.signatureAlgorithm,
    NotBefore: formatAsn1Time(certificate.notBefore),
    NotAfter: formatAsn1Time(certificate.notAfter),
    Signature: toColonHex(certificate.signature),
  };
}

/**
 * The describe-eif fields, in nitro-cli's order. Our parser is strict, so an image that gets here
 * has a good CRC (`CheckCRC: true`) and, if signed, a matching signature (`SignatureCheck: true`).
 */
export function describeEIF(image: EifImage): DescribeEifOutput {
  const signed = image.signature !== undefined;
  const metadata = image.metadata;
  const custom = metadata?.CustomMetadata;
  return {
    EifVersion: image.header.version,
    Measurements: { HashAlgorithm: NITRO_HASH_ALGORITHM, ...image.pcrs },
    IsSigned: signed,
    ...(image.signature === undefined
      ? {}
      : { SigningCertificate: signingCertificateInfo(image.signature.certificate) }),
    CheckCRC: true,
    ...(signed ? { SignatureCheck: true } : {}),
    ...(metadata === undefined
      ? {}
      : {
          ImageName: metadata.ImageName,
          ImageVersion: metadata.ImageVersion,
          Metadata: {
            BuildTime: metadata.BuildMetadata.BuildTime,
            BuildTool: metadata.BuildMetadata.BuildTool,
            BuildToolVersion: metadata.BuildMetadata.BuildToolVersion,
            OperatingSystem: metadata.BuildMetadata.OperatingSystem,
            KernelVersion: metadata.BuildMetadata.KernelVersion,
            DockerInfo: metadata.DockerInfo,
            // serde(flatten) of the custom metadata object; anything else is kept under its own name.
            ...(custom === undefined || custom === null
              ? {}
              : typeof custom === 'object' && !Array.isArray(custom)
                ? custom
                : { CustomMetadata: custom }),
          },
        }),
  };
}
