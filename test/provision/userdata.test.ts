// User data: nitro-cli, the allocator with the config's enclave resources, vsock-proxy for this
// region's KMS, and never a secret.
import { describe, expect, it } from 'vitest';
import { allocatorYaml, buildUserData, vsockProxyYaml } from '../../src/provision/userdata.js';
import { desiredFor } from './fixtures.js';

const input = { name: 'demo', region: 'eu-west-1', enclaveMemoryMiB: 4096, enclaveCpuCount: 2, bucketName: 'demo-bucket', keyAlias: 'alias/demo-cosigner', fireblocksEnv: 'global', toolVersion: '1.0.0' };

describe('user data', () => {
  it('installs nitro-cli and writes the allocator and vsock-proxy configuration', () => {
    const script = buildUserData(input);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain('dnf install -y aws-nitro-enclaves-cli aws-nitro-enclaves-cli-devel');
    expect(script).toContain(`cat > /etc/nitro_enclaves/allocator.yaml <<'ALLOCATOR'\n---\nmemory_mib: 4096\ncpu_count: 2\nALLOCATOR`);
    expect(script).toContain('- {address: kms.eu-west-1.amazonaws.com, port: 443}');
    expect(script).toContain('systemctl enable --now nitro-enclaves-allocator.service');
    expect(script).toContain('systemctl enable --now nitro-enclaves-vsock-proxy.service');
  });

  it('follows the config\'s enclave memory', () => {
    expect(desiredFor({ enclave: { memoryMiB: 6144 } }).instance.userData).toContain('memory_mib: 6144');
  });

  it('holds no secret and nothing a shell would interpret', () => {
    const script = buildUserData(input);
    expect(script).not.toMatch(/token|secret|password|credential/i);
    expect(() => buildUserData({ ...input, bucketName: 'x$(reboot)' })).toThrowCosignerError('INTERNAL');
  });

  it('validates the allocator and proxy values', () => {
    expect(allocatorYaml(512, 2)).toBe('---\nmemory_mib: 512\ncpu_count: 2\n');
    expect(() => allocatorYaml(4096, 3)).toThrowCosignerError('INVALID_OPTION');
    expect(() => vsockProxyYaml('kms.evil.com')).toThrowCosignerError('INVALID_OPTION');
  });
});
