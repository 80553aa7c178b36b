// Attack: the health gate (and `run supervise`, and the post-install check of `run --package`)
// compares the running enclave's PCR0/PCR8 with the verified image only when `describe-enclaves`
// reports `Measurements`; the schema makes them optional (nitro-cli before 1.2 omits them, and an
// enclave still booting may lack them), and judgeEnclave then accepts the enclave as the verified
// one. An image swapped after the check (or a package's install.sh starting another file) passes the
// gate whenever nitro-cli does not report measurements. README: "with the measurements of the
// verified image (an image swapped after the check shows here)".
// Impact: fail-open check: an unverified image is reported healthy, and supervise keeps it running.
// Fixed: a RUNNING enclave without a Measurements block cannot be verified: ENCLAVE_IMAGE_MISMATCH
// with a hint to update nitro-cli, never a match; the health gate fails on it at once.
import { describe, expect, it } from 'vitest';
import type { DescribedEnclave } from '../../src/enclave/nitro-cli-output.js';
import { awaitEnclave, judgeEnclave } from '../../src/host/health.js';

const PCR0 = 'a'.repeat(96);
const PCR8 = 'b'.repeat(96);

describe('health gate: an enclave whose measurements are unknown is not the verified image', () => {
  const unmeasured: DescribedEnclave = {
    EnclaveName: 'cosigner',
    EnclaveID: 'i-0123456789abcdef0-enc0123456789abcdef',
    ProcessID: 4242,
    EnclaveCID: 16,
    NumberOfCPUs: 2,
    CPUIDs: [1, 3],
    MemoryMiB: 4096,
    State: 'RUNNING',
    Flags: 'NONE',
  };

  it('describe-enclaves without Measurements is refused, with a hint to update nitro-cli', () => {
    const problem = judgeEnclave(unmeasured, { enclaveName: 'cosigner', pcr0: PCR0, pcr8: PCR8, debugMode: false });
    expect(problem?.code).toBe('ENCLAVE_IMAGE_MISMATCH');
    expect(problem?.message).toContain('cannot be verified');
    expect(problem?.hint).toContain('update nitro-cli');
    expect(problem?.context?.['reason']).toBe('measurements-missing');
  });

  it('the health gate fails on it at once instead of reporting it healthy', async () => {
    let calls = 0;
    const gate = awaitEnclave(
      {
        describeEnclaves: () => {
          calls++;
          return Promise.resolve([unmeasured]);
        },
      },
      { enclaveName: 'cosigner', pcr0: PCR0, pcr8: PCR8, debugMode: false },
      { timeoutMs: 60_000, settleMs: 0, pollMs: 0, sleep: () => Promise.resolve() },
    );
    await expect(gate).toThrowCosignerError('ENCLAVE_IMAGE_MISMATCH');
    expect(calls).toBe(1);
  });

  it('with Measurements of another image it is refused (held)', () => {
    const problem = judgeEnclave(
      {
        EnclaveName: 'cosigner',
        EnclaveID: 'i-0123456789abcdef0-enc0123456789abcdef',
        ProcessID: 4242,
        EnclaveCID: 16,
        NumberOfCPUs: 2,
        CPUIDs: [1, 3],
        MemoryMiB: 4096,
        State: 'RUNNING',
        Flags: 'NONE',
        Measurements: { HashAlgorithm: 'Sha384 { ... }', PCR0: 'c'.repeat(96), PCR1: PCR0, PCR2: PCR0, PCR8 },
      },
      { enclaveName: 'cosigner', pcr0: PCR0, pcr8: PCR8, debugMode: false },
    );
    expect(problem?.code).toBe('ENCLAVE_IMAGE_MISMATCH');
  });
});
