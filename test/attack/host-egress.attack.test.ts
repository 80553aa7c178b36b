// Attack: the host's security group and the host itself, changed out of band after provision.
// The README promises "no ingress, only TCP 443 egress (IPv4)" with every other egress rule
// revoked, and `status --detailed-exitcode` exiting 2 when the co-signer drifted from its config.
//
// The findings are fixed: each test asserts the behaviour that closes one, and failed before the fix.
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxState } from '../../src/aws/sandbox/index.js';
import { StateStore } from '../../src/aws/sandbox/store.js';
import { atomicRules, egressRule, planSecurityGroup, sameRule } from '../../src/provision/plan-ec2.js';
import { rulesOf } from '../../src/provision/observed-network.js';
import { inventory, makeWorld, REGION, type World } from '../e2e/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

/** Change the sandbox state as a console user would (ModifyInstanceAttribute and friends). */
async function outOfBand(w: World, change: (state: SandboxState) => void): Promise<void> {
  const store = new StateStore({ dir: w.sandboxDir, accountId: '111122223333', now: () => new Date() });
  await store.open();
  await store.transact(change);
}

const rules = async (w: World) => {
  const group = inventory(await w.state()).groups[0]!;
  return {
    ingress: group.ingress,
    egress: group.egress.map((e) => [
      e.protocol,
      e.fromPort,
      e.toPort,
      e.cidrIpv4 ?? e.cidrIpv6 ?? e.referencedGroupId,
    ]),
  };
};

describe("the host's security group, widened after provision", () => {
  it('status reports every extra rule as drift and provision revokes IPv6, group, all-traffic and UDP egress and any ingress', async () => {
    world = await makeWorld();
    await world.provision();
    const ports = await world.ports();
    const groupId = inventory(await world.state()).groups[0]!.id;
    const defaultGroup = (
      await ports.ec2.describeSecurityGroups({ Filters: [{ Name: 'group-name', Values: ['default'] }] })
    ).SecurityGroups![0]!.GroupId!;
    await ports.ec2.authorizeSecurityGroupEgress({
      GroupId: groupId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: defaultGroup }] },
        { IpProtocol: '6', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      ],
    });
    await ports.ec2.authorizeSecurityGroupIngress({
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    const status = await world.status();
    expect(status.coSigners[0]!.inSync).toBe(false);
    const again = await world.provision();
    expect(again.mode).toBe('applied');
    expect(await rules(world)).toEqual({ ingress: [], egress: [['tcp', 443, 443, '0.0.0.0/0']] });
    expect((await world.status()).coSigners[0]!.inSync).toBe(true);
  });

  it('a prefix-list destination (not simulated by the sandbox) is planned for revocation too', () => {
    // DescribeSecurityGroups as EC2 returns a rule to a managed prefix list (e.g. S3's).
    const egress = rulesOf([
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }] },
    ]);
    const want = egressRule({ securityGroup: { egressPort: 443 } } as Parameters<typeof egressRule>[0]);
    const extra = atomicRules(egress).filter((r) => !sameRule(r, want));
    expect(extra).toEqual([{ protocol: '-1', peer: { kind: 'prefixList', value: 'pl-0123456789abcdef0' } }]);
    expect(typeof planSecurityGroup).toBe('function');
  });
});

describe('the host changed out of band', () => {
  it('status --detailed-exitcode counts a host with IMDSv1 allowed and an extra all-egress group as drifted', async () => {
    world = await makeWorld();
    await world.provision();
    expect((await world.status()).coSigners[0]!.inSync).toBe(true);
    await outOfBand(world, (state) => {
      const ec2 = state.regions[REGION]!.ec2;
      const host = ec2.instances.find((i) => i.terminatedAt === undefined)!;
      // aws ec2 modify-instance-metadata-options --http-tokens optional; and
      // aws ec2 modify-instance-attribute --groups <ours> <default> (default: all egress, and
      // ingress from every member of the default group).
      host.metadata.httpTokens = 'optional';
      const defaultGroup = ec2.securityGroups.find((g) => g.name === 'default' && g.vpcId === host.vpcId)!;
      host.securityGroupIds = [...host.securityGroupIds, defaultGroup.id];
    });
    const status = await world.status();
    const cosigner = status.coSigners[0]!;
    // The plan notes see it ...
    const notes = cosigner.drift?.flatMap((d) => d.notes) ?? [];
    expect(notes.join('\n')).toMatch(/IMDSv2 is not required/);
    expect(notes.join('\n')).toMatch(/the host is also in sg-/);
    // ... and so does the verdict `status --detailed-exitcode` exits on, one drift item each.
    expect(cosigner.inSync).toBe(false);
    expect(cosigner.hostDrift).toHaveLength(2);
    expect(cosigner.hostDrift?.join('\n')).toMatch(/IMDSv2 is not required/);
    expect(cosigner.hostDrift?.join('\n')).toMatch(/the host is also in sg-/);
  });
});
