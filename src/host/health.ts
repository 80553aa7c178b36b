/**
 * The health gate: an enclave counts as started only when `describe-enclaves` shows it RUNNING,
 * in the mode asked for (never debug unless asked), with the measurements of the verified image
 * (nitro-cli computes them from the file it loaded: an image swapped after the check shows here),
 * and still so after a settle time. A RUNNING enclave whose measurements nitro-cli does not report
 * (nitro-cli before 1.2) cannot be verified, so it is refused, never taken for the verified image. `run supervise` applies the same judgement in a loop.
 */
import type { DescribedEnclave } from '../enclave/nitro-cli-output.js';
import { CosignerError } from '../errors.js';
import { shortPCR8 } from '../policy/pcr8.js';
import type { NitroCliPort } from './ports.js';

export interface EnclaveExpectation {
  enclaveName: string;
  pcr0: string;
  pcr8: string;
  debugMode: boolean;
}

/** Why a described enclave is not the one expected (undefined: it is). */
export function judgeEnclave(
  found: DescribedEnclave | undefined,
  expected: EnclaveExpectation,
): CosignerError | undefined {
  if (found === undefined)
    return new CosignerError('ENCLAVE_NOT_RUNNING', `no enclave named ${expected.enclaveName} is running`, {
      hint: 'see `cosigner-cli run logs` for why it stopped',
    });
  if (found.Flags === 'DEBUG_MODE' && !expected.debugMode)
    return new CosignerError(
      'DEBUG_MODE_REFUSED',
      `the enclave ${expected.enclaveName} runs in debug mode: its console is readable on the host`,
      { hint: 'stop it (`cosigner-cli run stop`) and start it without --debug-mode' },
    );
  const m = found.Measurements;
  if (m === undefined && found.State === 'RUNNING')
    return new CosignerError(
      'ENCLAVE_IMAGE_MISMATCH',
      `the enclave ${expected.enclaveName} cannot be verified: nitro-cli describe-enclaves reports no measurements for it`,
      {
        hint: 'update nitro-cli (aws-nitro-enclaves-cli 1.2 or later reports the measurements of a running enclave: `sudo dnf update aws-nitro-enclaves-cli`), then run again',
        context: { reason: 'measurements-missing', expected: { PCR0: expected.pcr0, PCR8: expected.pcr8 } },
      },
    );
  if (m !== undefined && (m.PCR0 !== expected.pcr0 || m.PCR8 !== expected.pcr8))
    return new CosignerError(
      'ENCLAVE_IMAGE_MISMATCH',
      `the enclave ${expected.enclaveName} runs PCR0 ${shortPCR8(m.PCR0)} / PCR8 ${shortPCR8(m.PCR8 ?? 'none')}, not the verified image's ${shortPCR8(expected.pcr0)} / ${shortPCR8(expected.pcr8)}`,
      {
        hint: 'the image file changed after it was checked: stop the enclave and run again',
        context: { running: m, expected: { PCR0: expected.pcr0, PCR8: expected.pcr8 } },
      },
    );
  if (found.State !== 'RUNNING')
    return new CosignerError('ENCLAVE_NOT_RUNNING', `the enclave ${expected.enclaveName} is ${found.State}`, {
      hint: 'see `cosigner-cli run logs`',
    });
  return undefined;
}

export interface HealthGateOptions {
  timeoutMs: number;
  /** How long the enclave must stay healthy once seen. */
  settleMs: number;
  pollMs: number;
  sleep: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Wait for the expected enclave; throws the judgement that held at the deadline. */
export async function awaitEnclave(
  nitroCli: Pick<NitroCliPort, 'describeEnclaves'>,
  expected: EnclaveExpectation,
  options: HealthGateOptions,
): Promise<DescribedEnclave> {
  const now = options.now ?? (() => performance.now());
  const start = now();
  let healthySince: number | undefined;
  for (;;) {
    const enclaves = await nitroCli.describeEnclaves();
    const found = enclaves.find((e) => e.EnclaveName === expected.enclaveName);
    const problem = judgeEnclave(found, expected);
    // Debug mode and other measurements are never transient.
    if (problem !== undefined && problem.code !== 'ENCLAVE_NOT_RUNNING') throw problem;
    if (problem === undefined && found !== undefined) {
      healthySince ??= now();
      if (now() - healthySince >= options.settleMs) return found;
    } else if (healthySince !== undefined) {
      throw new CosignerError(
        'ENCLAVE_NOT_RUNNING',
        `the enclave ${expected.enclaveName} stopped right after it started`,
        {
          hint: 'see `cosigner-cli run logs`: the application inside exited (a KMS denial shows there)',
        },
      );
    }
    if (now() - start >= options.timeoutMs)
      throw new CosignerError(
        'ENCLAVE_NOT_RUNNING',
        `the enclave ${expected.enclaveName} was not RUNNING within ${Math.round(options.timeoutMs / 1000)} s`,
        { hint: problem?.hint ?? 'see `cosigner-cli run logs`', ...(problem ? { cause: problem } : {}) },
      );
    await options.sleep(options.pollMs);
  }
}
