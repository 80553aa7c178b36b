// Apply's EC2 operations, one at a time, on a sandbox account: the security group made or found
// again (ours) or refused (someone else's), its rules narrowed and opened for every kind of peer,
// with "already there" and "already gone" answers accepted; tags on the host or the group; and a
// launch that reuses the ClientToken of a launch whose outcome was unknown, or takes a new one
// when the config changed since.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TAGS } from '../../src/config/names.js';
import type { AtomicRule } from '../../src/provision/plan-ec2.js';
import { harness, type Harness } from './apply-harness.js';

const HTTPS: AtomicRule = { protocol: 'tcp', fromPort: 443, toPort: 443, peer: { kind: 'ipv4', value: '0.0.0.0/0' } };

async function withVpc(config: Record<string, unknown> = {}): Promise<Harness> {
  const h = await harness(config);
  h.state.vpcId = (await h.ports.ec2.describeVpcs({})).Vpcs![0]!.VpcId!;
  return h;
}

const group = async (h: Harness) =>
  (await h.ports.ec2.describeSecurityGroups({ GroupIds: [h.state.groupId!] })).SecurityGroups![0]!;

describe('the security group', () => {
  it('is made in the VPC found; made again by a retry it is ours and found by name', async () => {
    const h = await withVpc();
    await h.run('ec2:CreateSecurityGroup');
    const made = h.state.groupId;
    expect((await group(h)).Tags).toEqual(expect.arrayContaining([{ Key: TAGS.name, Value: 'demo' }]));
    delete h.state.groupId;
    await h.run('ec2:CreateSecurityGroup');
    expect(h.state.groupId).toBe(made);
    expect(h.journaled('ec2:CreateSecurityGroup').map(([phase]) => phase)).toEqual([
      'intent',
      'done',
      'intent',
      'done',
    ]);
  });

  it('is refused when someone else made one of that name meanwhile, and needs the VPC from an earlier step', async () => {
    const h = await withVpc();
    await h.ports.ec2.createSecurityGroup({
      GroupName: h.desired.securityGroup.name,
      Description: 'x',
      VpcId: h.state.vpcId,
    });
    await expect(h.run('ec2:CreateSecurityGroup')).rejects.toMatchObject({
      code: 'RESOURCE_NOT_OURS',
      message: `security group ${h.desired.securityGroup.name} was created by someone else meanwhile and is not tagged as managed by cosigner-cli`,
    });
    const noVpc = await harness();
    await expect(noVpc.run('ec2:CreateSecurityGroup')).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'apply needs the VPC, which no earlier step produced',
    });
  });

  it('loses its default egress but what is kept; with nothing left to revoke no call is made', async () => {
    const h = await withVpc();
    await h.run('ec2:CreateSecurityGroup');
    await h.run('ec2:AuthorizeSecurityGroupEgress', { rules: [HTTPS] });
    await h.run('ec2:RevokeSecurityGroupEgress', { keep: [HTTPS] });
    await h.run('ec2:RevokeSecurityGroupEgress', { keep: [HTTPS] });
    const egress = (await group(h)).IpPermissionsEgress ?? [];
    expect(egress.map((p) => [p.IpProtocol, p.FromPort, p.IpRanges?.map((r) => r.CidrIp)])).toEqual([
      ['tcp', 443, ['0.0.0.0/0']],
    ]);
    expect(h.journaled('ec2:RevokeSecurityGroupEgress')).toEqual([
      ['intent', undefined],
      ['done', undefined],
    ]);
  });

  it('opens and closes rules for IPv4, IPv6 and group peers; twice is "already there" / "already gone"', async () => {
    const h = await withVpc();
    await h.run('ec2:CreateSecurityGroup');
    const peer = (await h.ports.ec2.createSecurityGroup({ GroupName: 'peer', Description: 'p', VpcId: h.state.vpcId }))
      .GroupId!;
    const rules: AtomicRule[] = [
      { protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv4', value: '10.0.0.0/8' } },
      { protocol: 'tcp', fromPort: 22, toPort: 22, peer: { kind: 'ipv6', value: '2001:db8::/32' } },
      { protocol: '-1', peer: { kind: 'group', value: peer } },
    ];
    for (const direction of ['Ingress', 'Egress'] as const) {
      await h.run(`ec2:AuthorizeSecurityGroup${direction}`, { rules });
      await h.run(`ec2:AuthorizeSecurityGroup${direction}`, { rules });
    }
    const opened = await group(h);
    expect(
      opened.IpPermissions?.flatMap((p) => [...(p.Ipv6Ranges ?? []), ...(p.UserIdGroupPairs ?? [])]),
    ).toMatchObject([{ CidrIpv6: '2001:db8::/32' }, { GroupId: peer }]);
    for (const direction of ['Ingress', 'Egress'] as const) {
      await h.run(`ec2:RevokeSecurityGroup${direction}`, { rules });
      await h.run(`ec2:RevokeSecurityGroup${direction}`, { rules });
    }
    const closed = await group(h);
    expect([closed.IpPermissions, closed.IpPermissionsEgress?.length]).toEqual([[], 1]);
    expect(h.journaled('ec2:RevokeSecurityGroupIngress').map(([phase]) => phase)).toEqual([
      'intent',
      'done',
      'intent',
      'done',
    ]);
  });

  it('fails with the error of a VPC that does not exist', async () => {
    const h = await harness();
    h.state.vpcId = 'vpc-0123456789abcdef0';
    await expect(h.run('ec2:CreateSecurityGroup')).rejects.toMatchObject({ code: 'AWS_NOT_FOUND' });
    expect(h.journaled('ec2:CreateSecurityGroup').at(-1)).toEqual(['failed', 'InvalidVpcID.NotFound']);
  });

  it('sends a prefix-list peer as a prefix list, and an operation without rules as no permissions', async () => {
    const h = await withVpc();
    await h.run('ec2:CreateSecurityGroup');
    const sent: unknown[] = [];
    const record = (input: unknown) => {
      sent.push(input);
      return Promise.resolve({ Return: true, $metadata: {} });
    };
    h.ports.ec2.revokeSecurityGroupEgress = record;
    h.ports.ec2.revokeSecurityGroupIngress = record;
    h.ports.ec2.authorizeSecurityGroupEgress = record;
    h.ports.ec2.authorizeSecurityGroupIngress = record;
    await h.run('ec2:AuthorizeSecurityGroupEgress');
    await h.run('ec2:AuthorizeSecurityGroupIngress');
    await h.run('ec2:RevokeSecurityGroupEgress', {
      rules: [{ protocol: 'tcp', peer: { kind: 'prefixList', value: 'pl-1' } }],
    });
    await h.run('ec2:RevokeSecurityGroupIngress');
    expect(sent).toEqual([
      { GroupId: h.state.groupId, IpPermissions: [] },
      { GroupId: h.state.groupId, IpPermissions: [] },
      { GroupId: h.state.groupId, IpPermissions: [{ IpProtocol: 'tcp', PrefixListIds: [{ PrefixListId: 'pl-1' }] }] },
      { GroupId: h.state.groupId, IpPermissions: [] },
    ]);
  });
});

describe('tags and the host', () => {
  /** The host's prerequisites as earlier steps leave them: AMI, subnet, group, profile. */
  async function readyToLaunch(config: Record<string, unknown> = {}): Promise<Harness> {
    const h = await withVpc(config);
    await h.run('iam:CreateRole');
    await h.run('iam:CreateInstanceProfile', undefined, 'instanceProfile');
    await h.run('iam:AddRoleToInstanceProfile', undefined, 'instanceProfile');
    await h.run('ec2:CreateSecurityGroup');
    h.state.imageId = (await h.ports.ssm.getParameter({ Name: h.desired.instance.amiParameter })).Parameter!.Value!;
    h.state.subnetId = (await h.ports.ec2.describeSubnets({})).Subnets![0]!.SubnetId!;
    return h;
  }

  it('tags the host or the group, whichever the node is', async () => {
    const h = await readyToLaunch();
    await h.run('ec2:RunInstances', undefined, 'instance');
    await h.run('ec2:CreateTags', { tags: { team: 'custody' } }, 'instance');
    await h.run('ec2:CreateTags', { tags: { team: 'vault' } }, 'securityGroup');
    const host = (await h.ports.ec2.describeInstances({ InstanceIds: [h.state.instanceId!] })).Reservations![0]!
      .Instances![0]!;
    expect(host.Tags).toContainEqual({ Key: 'team', Value: 'custody' });
    expect((await group(h)).Tags).toContainEqual({ Key: 'team', Value: 'vault' });
  });

  it('reuses the token of a launch whose outcome was unknown: the same host, no second one', async () => {
    const h = await readyToLaunch();
    await h.run('ec2:RunInstances', undefined, 'instance');
    const first = h.state.instanceId;
    const [launch] = h.journal.entries.filter((e) => e.op === 'ec2:RunInstances' && e.phase === 'intent');
    // The same call again, as after a crash with its intent still open.
    await h.journal.intent({ node: 'instance', op: 'ec2:RunInstances', target: 'x', token: launch!.token! });
    delete h.state.instanceId;
    await h.run('ec2:RunInstances', undefined, 'instance');
    expect(h.state.instanceId).toBe(first);
    const live = (await h.ports.readState()).regions['eu-west-1']!.ec2.instances.filter(
      (i) => i.terminatedAt === undefined,
    );
    expect(live.map((i) => i.id)).toEqual([first]);
    // No earlier step named the AMI's root device: the encrypted gp3 volume goes on /dev/xvda.
    expect(live[0]?.rootDevice).toBe('/dev/xvda');
  });

  it('fails with the error of a subnet that does not exist, waiting for it only in a managed network', async () => {
    for (const mode of ['public-ip', 'managed'] as const) {
      const h = await readyToLaunch({ network: { mode } });
      h.state.subnetId = 'subnet-0123456789abcdef0';
      // In a managed network made this run, "not found" may be EC2's eventual consistency: it waits
      // (here: no time at all) before giving up.
      await expect(h.run('ec2:RunInstances', undefined, 'instance'), mode).rejects.toMatchObject({
        code: mode === 'managed' ? 'AWS_PROPAGATION_TIMEOUT' : 'AWS_NOT_FOUND',
      });
    }
  });

  it('takes a new token when the unknown launch was made with other parameters (the config changed)', async () => {
    const h = await readyToLaunch();
    const token = randomUUID();
    await h.ports.ec2.runInstances({
      ClientToken: token,
      ImageId: h.state.imageId,
      InstanceType: 'c5a.xlarge',
      MinCount: 1,
      MaxCount: 1,
    });
    await h.journal.intent({ node: 'instance', op: 'ec2:RunInstances', target: 'x', token });
    await h.run('ec2:RunInstances', undefined, 'instance');
    const hosts = (await h.ports.readState()).regions['eu-west-1']!.ec2.instances;
    expect(hosts.map((i) => [i.type, i.clientToken === token])).toEqual([
      ['c5a.xlarge', true],
      ['c5.xlarge', false],
    ]);
    expect(hosts[1]?.id).toBe(h.state.instanceId);
  });
});
