// The simulated host: laid out from the instance's user data; its enclave stores an encrypted
// database on first start and reads it back on restart; an image signed with another certificate
// is denied by the key policy (KMS's answer, recorded in CloudTrail), not by the host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_OBJECT, WRAPPED_KEY_OBJECT } from '../../src/aws/sandbox/host/index.js';
import { readReservation } from '../../src/host/allocator.js';
import { HOST_PATHS } from '../../src/host/ports.js';
import { makeHostWorld, type HostWorld } from './host-world.js';

let w: HostWorld;
beforeAll(async () => {
  w = await makeHostWorld();
}, 60_000);
afterAll(() => w.cleanup());

async function bucketObjects(): Promise<string[]> {
  const state = await w.world.state();
  const bucket = Object.values(state.s3.buckets)[0];
  return Object.keys(bucket?.objects ?? {}).sort();
}

describe('the simulated host', () => {
  it('is laid out as the user data leaves it: host facts, the allocator reservation, the device', async () => {
    const host = await w.host();
    const facts = JSON.parse((await host.fs.readText(HOST_PATHS.hostFacts, 10_000)) ?? '{}') as Record<string, string>;
    expect(facts['name']).toBe('demo');
    expect(await readReservation(host.fs)).toEqual({ memoryMiB: 4096, cpus: 2 });
    expect((await host.fs.stat(HOST_PATHS.nitroDevice))?.kind).toBe('file');
    expect((await host.services.state('nitro-enclaves-allocator.service')).active).toBe('active');
    const identity = await host.imds.identity();
    expect(identity.instanceType).toBe('c5.xlarge');
    expect(await host.imds.roleName()).toBe('demo-cosigner');
  });

  it('first start stores the encrypted database and wrapped key; a restart reads them back', async () => {
    const host = await w.host();
    await host.fs.writeAtomic('/var/lib/cosigner-cli/good.eif', w.image('good'), 0o644);
    const input = { eifPath: '/var/lib/cosigner-cli/good.eif', memoryMiB: 2048, cpuCount: 2, debugMode: false };
    await host.nitroCli.runEnclave({ ...input, enclaveName: 'first' });
    let state = await host.store.read();
    expect(state.enclaves[0]?.application).toMatchObject({ status: 'ready', database: 'created' });
    expect(await bucketObjects()).toEqual([WRAPPED_KEY_OBJECT, DATABASE_OBJECT].sort());
    // The stored database is ciphertext, not the JSON the enclave wrote.
    const bucket = Object.values((await w.world.state()).s3.buckets)[0]!;
    expect(JSON.stringify(bucket.objects[DATABASE_OBJECT])).not.toContain('simulated-cosigner-db');

    await host.nitroCli.terminateEnclave({ enclaveName: 'first' });
    await host.nitroCli.runEnclave({ ...input, enclaveName: 'second' });
    state = await host.store.read();
    expect(state.enclaves.map((e) => e.name)).toEqual(['second']);
    expect(state.enclaves[0]?.application).toMatchObject({ status: 'ready', database: 'restored' });
    expect(state.enclaves[0]?.application.detail).toContain('restored');
    await host.nitroCli.terminateEnclave({ enclaveName: 'second' });
  });

  it('an image signed with another certificate is denied by the key policy, and its enclave stops', async () => {
    const host = await w.host();
    await host.fs.writeAtomic('/var/lib/cosigner-cli/other.eif', w.image('good', w.otherSigner), 0o644);
    await host.nitroCli.runEnclave({
      eifPath: '/var/lib/cosigner-cli/other.eif',
      memoryMiB: 2048,
      cpuCount: 2,
      enclaveName: 'intruder',
      debugMode: false,
    });
    const state = await host.store.read();
    expect(state.enclaves).toEqual([]);
    const log = state.journal['enclave intruder'] ?? [];
    expect(log.join('\n')).toMatch(/AccessDenied/);
    // KMS saw the attestation of the other signer's image and refused the Decrypt.
    const ports = await w.world.ports();
    const trail = await ports.cloudtrail.lookupEvents({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Decrypt' }],
    });
    const denied = (trail.Events ?? [])
      .map(
        (e) =>
          JSON.parse(e.CloudTrailEvent ?? '{}') as {
            errorCode?: string;
            additionalEventData?: { recipient?: Record<string, string> };
          },
      )
      .find((e) => e.errorCode !== undefined);
    expect(denied?.errorCode).toMatch(/AccessDenied/);
    expect(denied?.additionalEventData?.recipient?.attestationDocumentEnclavePCR8).toBe(
      Buffer.from(w.otherPcr8, 'hex').toString('base64'),
    );
  });

  it('nitro-cli refuses what the real one refuses: E27 beyond the reservation, E26 too small, E58 duplicate names', async () => {
    const host = await w.host();
    await host.fs.writeAtomic('/var/lib/cosigner-cli/good.eif', w.image('good'), 0o644);
    const base = { eifPath: '/var/lib/cosigner-cli/good.eif', cpuCount: 2, debugMode: false, enclaveName: 'x' };
    await expect(host.nitroCli.runEnclave({ ...base, memoryMiB: 8192 })).toThrowCosignerError('NITRO_CLI_POOL_MEMORY');
    await expect(host.nitroCli.runEnclave({ ...base, memoryMiB: 0 })).toThrowCosignerError(
      'NITRO_CLI_MEMORY_TOO_SMALL',
    );
    await expect(host.nitroCli.runEnclave({ ...base, eifPath: '/nope.eif', memoryMiB: 512 })).toThrowCosignerError(
      'NITRO_CLI_FILE_ERROR',
    );
    await host.nitroCli.runEnclave({ ...base, memoryMiB: 512 });
    await expect(host.nitroCli.runEnclave({ ...base, memoryMiB: 512 })).toThrowCosignerError('NITRO_CLI_ENCLAVE_NAME');
    await host.nitroCli.terminateEnclave({ enclaveName: 'x' });
    await expect(host.nitroCli.terminateEnclave({ enclaveName: 'x' })).toThrowCosignerError('NITRO_CLI_ENCLAVE_NAME');
  });
});
