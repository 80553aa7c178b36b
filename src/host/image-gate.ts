/**
 * The gate every image passes before it may start: measured in-process (structure, CRC, PCR0/1/2,
 * the signature over PCR0 and PCR8 from its certificate: src/files/eif-file.ts), signed, its
 * signing certificate valid now, its PCR8 one the config admits (the Fireblocks environment's
 * preset or fireblocks.pcr8), and its PCR8 admitted by the key policy as it is live in KMS
 * (GetKeyPolicy, which the co-signer role may call). Each step is a named check that throws its own
 * coded error; nothing is started unless all pass.
 */
import type { KMSPort } from '../aws/kms.js';
import type { EifImage } from '../enclave/eif.js';
import { CosignerError, isCosignerError } from '../errors.js';
import { readEifFile } from '../files/eif-file.js';
import { parsePolicyDocument } from '../policy/evaluate.js';
import { pcr8ValuesOf, shortPCR8 } from '../policy/pcr8.js';

export interface ImageGateInput {
  /** The image as it will be started (already in its root-owned place). */
  eifPath: string;
  keyArn: string;
  /** The PCR8 values the config admits and where they come from. */
  configured: { values: readonly string[]; label: string };
}

export interface ImageGateDeps {
  kms: Pick<KMSPort, 'getKeyPolicy'>;
  now: () => Date;
  /** Measure an image file. @default the in-process reader */
  measure?: (path: string) => Promise<EifImage>;
}

export interface VerifiedImage {
  eifPath: string;
  size: number;
  pcrs: { PCR0: string; PCR1: string; PCR2: string; PCR8: string };
  certificateNotAfter: string;
  /** The PCR8 values the live key policy admits. */
  policyPcr8: string[];
  /** Milliseconds spent measuring and reading the policy. */
  timings: { measureMs: number; policyMs: number };
}

/**
 * The gate's own measurement: one pass over the file in 4 MiB reads, the next read running while
 * this chunk is hashed; for a large image each register's SHA-384 in a worker of its own and the
 * CRC here, so the three streams run side by side (`openssl dgst -sha384` computes one).
 */
export function measureImage(path: string): Promise<EifImage> {
  return readEifFile(path, { allRegisters: true });
}

export async function verifyImage(input: ImageGateInput, deps: ImageGateDeps): Promise<VerifiedImage> {
  // 1. Measure in-process: a damaged, altered or tampered image fails here with its EIF_* code.
  const started = performance.now();
  const image = await (deps.measure ?? measureImage)(input.eifPath);
  const measureMs = performance.now() - started;

  // 2. Signed: the key policy admits images by PCR8, which only a signed image has.
  const pcr8 = image.pcrs.PCR8;
  const certificate = image.signature?.certificate;
  if (pcr8 === undefined || certificate === undefined)
    throw new CosignerError('EIF_UNSIGNED', `the image ${input.eifPath} is not signed: it has no PCR8`, {
      hint: 'sign it (nitro-cli build-enclave --signing-certificate … --private-key …, or `cosigner-cli run build`); the key policy admits images by their signing certificate',
    });

  // 3. The signing certificate is valid now (nitro-cli would refuse it with E59 otherwise).
  const now = deps.now();
  if (now < certificate.notBefore || now > certificate.notAfter)
    throw new CosignerError(
      'CERT_EXPIRED',
      `the image's signing certificate is valid from ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}, not now`,
      { hint: 'get an image signed with a current certificate from its publisher', context: { pcr8 } },
    );

  // 4. The configured environment admits this PCR8.
  if (!input.configured.values.includes(pcr8))
    throw new CosignerError(
      'PCR8_NOT_CONFIGURED',
      `the image's PCR8 ${shortPCR8(pcr8)} is not the ${input.configured.label}'s (${input.configured.values.map(shortPCR8).join(', ')})`,
      {
        hint: 'use the image of the configured Fireblocks environment, or change --fb-env / fireblocks.pcr8 and run `cosigner-cli attest` first',
        context: { pcr8, configured: [...input.configured.values] },
      },
    );

  // 5. The live key policy admits it (the only list that decides at KMS).
  const policyStarted = performance.now();
  let text: string | undefined;
  try {
    text = (await deps.kms.getKeyPolicy({ KeyId: input.keyArn, PolicyName: 'default' })).Policy;
  } catch (error) {
    const { classifyAwsError } = await import('../aws/errors.js');
    const classified = classifyAwsError(error, { service: 'kms', operation: 'GetKeyPolicy', resource: input.keyArn });
    throw new CosignerError(
      classified.code,
      `cannot read the live key policy of ${input.keyArn}: ${classified.message}`,
      {
        hint:
          classified.code === 'AWS_ACCESS_DENIED'
            ? 'the co-signer role needs kms:GetKeyPolicy on the key (provision grants it); pass --kms-key-id with the key ARN'
            : (classified.hint ?? 'check the key ARN and the region'),
        cause: error,
      },
    );
  }
  let policyPcr8: string[];
  try {
    policyPcr8 = pcr8ValuesOf(parsePolicyDocument(text ?? ''));
  } catch (error) {
    throw new CosignerError('POLICY_MALFORMED', `the live key policy of ${input.keyArn} cannot be read`, {
      hint: 'check the key policy with `cosigner-cli attest --dry-run`',
      cause: isCosignerError(error) ? error : undefined,
    });
  }
  const policyMs = performance.now() - policyStarted;
  if (!policyPcr8.includes(pcr8))
    throw new CosignerError(
      'PCR8_NOT_IN_POLICY',
      `the image's PCR8 ${shortPCR8(pcr8)} is not admitted by the key policy of ${input.keyArn} (it admits ${policyPcr8.map(shortPCR8).join(', ') || 'none'})`,
      {
        hint: `KMS would refuse this enclave its key: if the image is the right one, run \`cosigner-cli attest --add ${pcr8}\` from a workstation first`,
        context: { pcr8, policyPcr8 },
      },
    );

  return {
    eifPath: input.eifPath,
    size: image.size,
    pcrs: { PCR0: image.pcrs.PCR0, PCR1: image.pcrs.PCR1, PCR2: image.pcrs.PCR2, PCR8: pcr8 },
    certificateNotAfter: certificate.notAfter.toISOString(),
    policyPcr8,
    timings: { measureMs, policyMs },
  };
}
