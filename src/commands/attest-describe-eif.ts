/**
 * `attest describe-eif <file>`: argv → options, and the rendering of what `nitro-cli describe-eif`
 * prints. The measurement itself, in-process with no nitro-cli, is src/attest/describe-eif.ts.
 */
import { resolve } from 'node:path';
import type { DescribeEifOptions, DescribeEifResult } from '../attest/describe-eif.js';
import type { CommandContext, Invocation } from '../command-kit.js';
import { fail } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';

export type { DescribeEifOptions, DescribeEifResult } from '../attest/describe-eif.js';

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

const yesNo = (value: boolean | undefined): string => (value === true ? 'yes' : 'no');

function renderDescribeEif(result: DescribeEifResult, style?: Style): string {
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

export async function execute(options: DescribeEifOptions, context: CommandContext): Promise<DescribeEifResult> {
  const { runDescribeEif } = await import('../attest/describe-eif.js');
  return runDescribeEif(options, { io: context.io, now: context.now });
}

export const render = renderDescribeEif;
