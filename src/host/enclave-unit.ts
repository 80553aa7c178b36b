/**
 * The systemd unit this tool writes for a generic image. nitro-cli daemonises the enclave and
 * returns, so systemd cannot watch the enclave itself: ExecStartPre starts it (after clearing a
 * leftover of the same name), ExecStart is `cosigner-cli run supervise`, which watches it and
 * exits non-zero when it is gone, no longer RUNNING, in debug mode, or running other measurements;
 * systemd then terminates it (ExecStopPost) and starts it again after RestartSec, at most
 * StartLimitBurst times per StartLimitIntervalSec. Pure: the same input gives the same text.
 */
import { CosignerError } from '../errors.js';
import { runEnclaveArgv } from './nitro-cli.js';
import { ALLOCATOR_UNIT } from './ports.js';

export interface EnclaveUnitInput {
  enclaveName: string;
  /** Host path of the verified image. */
  eifPath: string;
  memoryMiB: number;
  cpuCount: number;
  /** Absolute path of nitro-cli. @default /usr/bin/nitro-cli */
  nitroCli?: string;
  /** argv of `cosigner-cli` (node and the CLI's entry), absolute paths. */
  cosignerCli: readonly string[];
  /** Measurements the supervisor holds the running enclave to. */
  pcr0: string;
  pcr8: string;
  /** Only with `--insecure-debug`: the console is readable on the host and PCR0–2 read as zeros. */
  debugMode?: boolean;
  /** @default 10 */
  restartSeconds?: number;
}

/** Enclave names the unit and nitro-cli both accept without quoting. */
export const ENCLAVE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A word systemd reads as one argument without quoting. */
function word(value: string): string {
  if (!/^[\w@%+=:,./-]+$/.test(value))
    throw new CosignerError('INVALID_OPTION', `cannot put ${JSON.stringify(value)} into a systemd unit`, {
      hint: 'use paths and names of letters, digits and . _ - / only',
    });
  return value;
}

export function buildEnclaveUnit(input: EnclaveUnitInput): string {
  if (!ENCLAVE_NAME.test(input.enclaveName))
    throw new CosignerError('INVALID_OPTION', `invalid enclave name ${JSON.stringify(input.enclaveName)}`, {
      hint: 'use 1–63 characters of a-z, 0-9 and "-"',
    });
  const nitro = word(input.nitroCli ?? '/usr/bin/nitro-cli');
  const line = (args: readonly string[]) => args.map(word).join(' ');
  const terminate = `-${nitro} ${line(['terminate-enclave', '--enclave-name', input.enclaveName])}`;
  return [
    '# Written by cosigner-cli run. The enclave runs the image verified when it was written;',
    '# `cosigner-cli run status` shows it, `cosigner-cli run stop` stops it.',
    '[Unit]',
    `Description=Co-signer enclave ${input.enclaveName} (cosigner-cli)`,
    `After=${ALLOCATOR_UNIT} network-online.target`,
    `Requires=${ALLOCATOR_UNIT}`,
    'StartLimitIntervalSec=600',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    `ExecStartPre=${terminate}`,
    `ExecStartPre=${nitro} ${line([...runEnclaveArgv(input), ...(input.debugMode === true ? ['--debug-mode'] : [])])}`,
    `ExecStart=${line([
      ...input.cosignerCli,
      'run',
      'supervise',
      '--enclave-name',
      input.enclaveName,
      '--expect-pcr0',
      input.pcr0,
      '--expect-pcr8',
      input.pcr8,
      // The supervisor refuses --debug-mode alone, as `run` does.
      ...(input.debugMode === true ? ['--debug-mode', '--insecure-debug'] : []),
    ])}`,
    `ExecStopPost=${terminate}`,
    'Restart=on-failure',
    `RestartSec=${input.restartSeconds ?? 10}`,
    'PrivateTmp=yes',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
