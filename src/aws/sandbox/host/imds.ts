/**
 * The simulated instance metadata service: the simulated host *is* the co-signer's host instance in
 * the sandbox account (tag `cosigner-cli:name`, not terminated, in the region), as provision
 * launched it. Its identity document and its instance profile's role come from the sandbox state;
 * without such an instance there is no metadata service (as off EC2), and `run --check` says so.
 */
import { CosignerError } from '../../../errors.js';
import { TAGS } from '../../../config/names.js';
import type { ImdsPort, InstanceIdentity } from '../../../host/ports.js';
import type { SandboxState } from '../state.js';
import { instanceType } from '../catalogue.js';

export interface SimInstance {
  identity: InstanceIdentity;
  /** The role of its instance profile (ARN), when it has one. */
  roleArn: string | undefined;
  /** Launched with the enclave option. */
  enclave: boolean;
  /** The user data it was launched with (text). */
  userData: string | undefined;
  memoryMiB: number;
  vcpus: number;
}

/** Find the co-signer's host instance in the sandbox state. */
export function findHostInstance(state: SandboxState, region: string, name: string): SimInstance | undefined {
  const instance = state.regions[region]?.ec2.instances.find(
    (i) => i.terminatedAt === undefined && i.tags.some((t) => t.Key === TAGS.name && t.Value === name),
  );
  if (instance === undefined) return undefined;
  const profileName = instance.instanceProfileArn?.split('/').pop();
  const roleName = profileName === undefined ? undefined : state.iam.instanceProfiles[profileName]?.roles[0];
  const roleArn = roleName === undefined ? undefined : state.iam.roles[roleName]?.arn;
  const type = instanceType(instance.type);
  return {
    identity: {
      instanceId: instance.id,
      instanceType: instance.type,
      region,
      accountId: state.accountId,
      availabilityZone: instance.zone,
    },
    roleArn,
    enclave: instance.enclave,
    userData: instance.userData === undefined ? undefined : Buffer.from(instance.userData, 'base64').toString('utf8'),
    memoryMiB: type?.memoryMiB ?? 8192,
    vcpus: type?.vcpus ?? 4,
  };
}

export function createSimulatedImds(find: () => Promise<SimInstance | undefined>): ImdsPort {
  const instance = async () => {
    const found = await find();
    if (found === undefined)
      throw new CosignerError(
        'HOST_IMDS_UNREACHABLE',
        'the instance metadata service does not answer: the simulated host has no co-signer instance',
        { hint: 'run `cosigner-cli --sandbox provision` first: the simulated host is the instance it launches' },
      );
    return found;
  };
  return {
    identity: async () => (await instance()).identity,
    roleName: async () => (await instance()).roleArn?.split('/').pop(),
  };
}
