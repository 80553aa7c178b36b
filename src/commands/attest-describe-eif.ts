/**
 * `attest describe-eif <file>`: what `nitro-cli describe-eif` prints, measured in-process with no
 * nitro-cli: EIF version, PCR0/1/2 (and PCR8 for a signed image), signing certificate, CRC and
 * signature checks, image name/version and build metadata. The image is streamed, not loaded.
 * A damaged, altered or wrongly signed image is an error with exit code 3.
 */
import { resolve } from 'node:path';
import type { CommandContext, Invocation } from '../command-kit.js';
import { describeEIF } from '../enclave/eif-describe.js';
import type { DescribeEifOutput } from '../enclave/nitro-cli-output.js';
import { certificateValidity, formatName } from '../enclave/x509.js';
import { fail } from '../errors.js';
import { readEifFile } from '../files/eif-file.js';
import { log, type IoHost } from '../io/io-host.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';

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

export function parseOptions(invocation: Invocation): DescribeEifOptions {
  const file = invocation.args[0];
  if (file === undefined || file === '')
    fail(
      'USAGE',
      'attest describe-eif needs an image file',
      'pass the .eif path: cosigner-cli attest describe-eif cosigner.eif',
    );
  return { eifPath: resolve(invocation.cwd, file) };
}

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
    log.warn(deps.io, 'the image is not signed: it has no PCR8, so a PCR8 key policy can never admit it');
  } else {
    // nitro-cli run-enclave refuses an image whose signing certificate is outside its validity (E59).
    const now = deps.now();
    const state = certificateValidity(signature.certificate, now);
    const subject = escapeControl(formatName(signature.certificate.subject));
    if (state === 'expired')
      log.warn(
        deps.io,
        `the signing certificate ${subject} expired at ${signature.certificate.notAfter.toISOString()}: nitro-cli run-enclave will refuse this image`,
      );
    if (state === 'not-yet-valid')
      log.warn(
        deps.io,
        `the signing certificate ${subject} is valid only from ${signature.certificate.notBefore.toISOString()}: nitro-cli run-enclave will refuse this image until then`,
      );
  }
  return describeEIF(image);
}

const yesNo = (value: boolean | undefined): string => (value === true ? 'yes' : 'no');

export function renderDescribeEif(result: DescribeEifResult, style?: Style): string {
  const bold = (t: string): string => (style ? style.bold(t) : t);
  const rows: [string, string][] = [
    ['EIF version', String(result.EifVersion)],
    ['PCR0', result.Measurements.PCR0],
    ['PCR1', result.Measurements.PCR1],
    ['PCR2', result.Measurements.PCR2],
  ];
  if (result.Measurements.PCR8 !== undefined) rows.push(['PCR8', result.Measurements.PCR8]);
  rows.push(['Signed', yesNo(result.IsSigned)]);
  if (result.SigningCertificate !== undefined) {
    const issuer = Object.entries(result.SigningCertificate.IssuerName)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    rows.push(
      ['Signing cert', `issuer ${issuer}`],
      [
        '',
        `${result.SigningCertificate.Algorithm}, valid ${result.SigningCertificate.NotBefore} to ${result.SigningCertificate.NotAfter}`,
      ],
    );
  }
  rows.push(['CRC check', result.CheckCRC ? 'passed' : 'FAILED']);
  if (result.SignatureCheck !== undefined) rows.push(['Signature check', result.SignatureCheck ? 'passed' : 'FAILED']);
  if (result.ImageName !== undefined) rows.push(['Image', `${result.ImageName} ${result.ImageVersion ?? ''}`.trim()]);
  if (result.Metadata !== undefined) {
    const m = result.Metadata;
    rows.push([
      'Built',
      `${m.BuildTime} by ${m.BuildTool} ${m.BuildToolVersion} (${m.OperatingSystem} ${m.KernelVersion})`,
    ]);
  }
  // Every value may come from the image (names, metadata, certificate): no terminal controls.
  return rows.map(([label, value]) => `${bold(label.padEnd(16))}${escapeControl(value)}`).join('\n');
}

export function execute(options: DescribeEifOptions, context: CommandContext): Promise<DescribeEifResult> {
  return runDescribeEif(options, { io: context.io, now: context.now });
}

export const render = renderDescribeEif;
