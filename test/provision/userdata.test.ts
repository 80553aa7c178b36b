// User data: nitro-cli, Docker and Node.js, the allocator with the config's enclave resources,
// the vsock-proxy left as the package ships it, and never a secret.
import { describe, expect, it } from 'vitest';
import { allocatorYaml, buildUserData } from '../../src/provision/userdata.js';
import { desiredFor } from './fixtures.js';

const input = {
  name: 'demo',
  region: 'eu-west-1',
  enclaveMemoryMiB: 4096,
  enclaveCpuCount: 2,
  bucketName: 'demo-bucket',
  keyAlias: 'alias/demo-cosigner',
  fireblocksEnv: 'global',
  toolVersion: '1.0.0',
};

describe('user data', () => {
  it('installs nitro-cli, Docker and Node.js, writes the allocator, and joins ec2-user to ne and docker', () => {
    const script = buildUserData(input);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain(
      'dnf install -y aws-nitro-enclaves-cli aws-nitro-enclaves-cli-devel docker nodejs22 nodejs22-npm',
    );
    expect(script).toContain('alternatives --set node /usr/bin/node-22');
    expect(script).toContain(
      `cat > /etc/nitro_enclaves/allocator.yaml <<'ALLOCATOR'\n---\nmemory_mib: 4096\ncpu_count: 2\nALLOCATOR`,
    );
    expect(script).toContain('usermod -aG ne ec2-user');
    expect(script).toContain('usermod -aG docker ec2-user');
    expect(script).toContain('systemctl enable --now nitro-enclaves-allocator.service');
    expect(script).toContain('systemctl enable --now docker');
  });

  it('leaves the vsock-proxy to the package and to `run`: no allowlist written, no proxy started', () => {
    const script = buildUserData(input);
    expect(script).not.toContain('> /etc/nitro_enclaves/vsock-proxy.yaml');
    expect(script).not.toContain('nitro-enclaves-vsock-proxy.service');
    expect(script).not.toMatch(/vsock-proxy\s+\d+/);
  });

  it("follows the config's enclave memory", () => {
    expect(desiredFor({ enclave: { memoryMiB: 6144 } }).instance.userData).toContain('memory_mib: 6144');
  });

  it('holds no secret and nothing a shell would interpret', () => {
    const script = buildUserData(input);
    expect(script).not.toMatch(/token|secret|password|credential/i);
    expect(() => buildUserData({ ...input, bucketName: 'x$(reboot)' })).toThrowCosignerError('INTERNAL');
  });

  it('validates the allocator values and the region', () => {
    expect(allocatorYaml(512, 2)).toBe('---\nmemory_mib: 512\ncpu_count: 2\n');
    expect(() => allocatorYaml(4096, 3)).toThrowCosignerError('INVALID_OPTION');
    expect(() => buildUserData({ ...input, region: 'kms.evil.com' })).toThrowCosignerError('INVALID_OPTION');
  });
});
