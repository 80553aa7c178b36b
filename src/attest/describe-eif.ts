/**
 * `attest describe-eif`: what `nitro-cli describe-eif` prints, measured in-process with no
 * nitro-cli: EIF version, PCR0/1/2 (and PCR8 for a signed image), signing certificate, CRC and
 * signature checks, image name/version and build metadata. The image is streamed, not loaded.
 * A damaged, altered or wrongly signed image is an error with exit code 3.
 */
import { describeEIF } from '../enclave/eif-describe.js';
import type { DescribeEifOutput } from '../enclave/nitro-cli-output.js';
import { certificateValidity, formatName } from '../enclave/x509.js';
import { readEifFile } from '../files/eif-file.js';
import { log, type IoHost } from '../io/io-host.js';
import { escapeControl } from '../io/safe-text.js';

export interface DescribeEifOptions {
  /** The image file, absolute or relative to the working directory. */
  eifPath: string;
}

/** Exactly the fields of `nitro-cli describe-eif`, in its order. */
export type DescribeEifResult = DescribeEifOutput;

export interface DescribeEifDeps {
  io: IoHost;
  /** The time the signing certificate's validity is judged at. */
  now: () => Date;
}

/** Measure the image and describe it; warns about an unsigned image or a signing certificate out of its validity. */
export async function runDescribeEif(options: DescribeEifOptions, deps: DescribeEifDeps): Promise<DescribeEifResult> {
  const step = deps.io.startStep(`measuring ${escapeControl(options.eifPath)}`);
  let image;
  try {
    image = await readEifFile(options.eifPath);
  } catch (error) {
    step.fail();
    throw error;
  }
  step.succeed(`measured ${escapeControl(options.eifPath)} (${image.size} bytes, ${image.sections.length} sections)`);
  const signature = image.signature;
  if (signature === undefined) {
    log.warn(
      deps.io,
      'EIF_NOT_SIGNED',
      'the image is not signed: it has no PCR8, so a PCR8 key policy can never admit it',
    );
  } else {
    // nitro-cli run-enclave refuses an image whose signing certificate is outside its validity (E59).
    const now = deps.now();
    const state = certificateValidity(signature.certificate, now);
    const subject = escapeControl(formatName(signature.certificate.subject));
    if (state === 'expired')
      log.warn(
        deps.io,
        'EIF_CERT_EXPIRED',
        `the signing certificate ${subject} expired at ${signature.certificate.notAfter.toISOString()}: nitro-cli run-enclave will refuse this image`,
      );
    if (state === 'not-yet-valid')
      log.warn(
        deps.io,
        'EIF_CERT_NOT_YET_VALID',
        `the signing certificate ${subject} is valid only from ${signature.certificate.notBefore.toISOString()}: nitro-cli run-enclave will refuse this image until then`,
      );
  }
  return describeEIF(image);
}
