// The EC2 part of the planner, case by case: how a security group found in the VPC is brought to
// "no ingress, HTTPS out only" (or refused), when the AMI matters, every way an existing host can
// differ from the config (reported, never fixed by replacing it), which host is "the" host, and
// what a launch says when the network has a problem.
import { describe, expect, it } from 'vitest';
import { TAGS } from '../../src/config/names.js';
import type { DesiredState } from '../../src/provision/desired.js';
import type { ObservedInstance, ObservedState } from '../../src/provision/observed.js';
import {
  atomicRules,
  describeRule,
  hostDrift,
  ourInstances,
  planAmi,
  planInstance,
  planSecurityGroup,
} from '../../src/provision/plan-ec2.js';
import { ADOPTED_TAG } from '../../src/engine/ownership.js';
import { CALLER, convergedObserved, desiredFor, emptyObserved } from './fixtures.js';

const input = (desired: DesiredState, observed: ObservedState) => ({
  desired,
  observed,
  bucketAttempted: false,
  callerArn: CALLER,
});
const anyRule = { fromPort: undefined, toPort: undefined, ipv4: [], ipv6: [], groups: [], prefixLists: [] };

describe('describeRule', () => {
  it('names all traffic, a single port and a range, with the peer', () => {
    expect(describeRule({ protocol: '-1', peer: { kind: 'ipv4', value: '0.0.0.0/0' } })).toBe('all traffic 0.0.0.0/0');
    expect(describeRule({ protocol: 'tcp', fromPort: 443, toPort: 443, peer: { kind: 'ipv6', value: '::/0' } })).toBe(
      'tcp 443 ::/0',
    );
    expect(
      describeRule({ protocol: 'udp', fromPort: 1000, toPort: 2000, peer: { kind: 'group', value: 'sg-1' } }),
    ).toBe('udp 1000-2000 sg-1');
    expect(describeRule({ protocol: 'tcp', peer: { kind: 'prefixList', value: 'pl-1' } })).toBe('tcp  pl-1');
  });

  it('splits a rule into one rule per peer, of every kind', () => {
    const rule = {
      ...anyRule,
      protocol: '-1',
      ipv4: ['10.0.0.0/8'],
      ipv6: ['::/0'],
      groups: ['sg-1'],
      prefixLists: ['pl-1'],
    };
    expect(atomicRules([rule]).map((r) => [r.peer.kind, r.peer.value, 'fromPort' in r])).toEqual([
      ['ipv4', '10.0.0.0/8', false],
      ['ipv6', '::/0', false],
      ['group', 'sg-1', false],
      ['prefixList', 'pl-1', false],
    ]);
  });
});

describe('planSecurityGroup', () => {
  const desired = desiredFor();

  it('refuses when there is no VPC to put the group in, with the network problem when there is one', () => {
    const observed = emptyObserved(desired);
    observed.network.vpcId = undefined;
    expect(planSecurityGroup(input(desired, observed)).refusal).toEqual({
      code: 'AWS_NOT_FOUND',
      message: 'no VPC to put the security group in',
      hint: 'pass --vpc-id',
    });
    observed.network.problems = [{ code: 'AWS_NOT_FOUND', message: 'eu-west-1 has no default VPC', hint: 'name one' }];
    expect(planSecurityGroup(input(desired, observed)).refusal).toEqual({
      code: 'AWS_NOT_FOUND',
      message: 'eu-west-1 has no default VPC',
      hint: 'name one',
    });
  });

  it('creates the group in the VPC found, and plans to narrow its default egress', () => {
    const action = planSecurityGroup(input(desired, emptyObserved(desired)));
    expect(action.kind).toBe('create');
    expect(action.rounds[0]).toEqual([
      { op: 'ec2:CreateSecurityGroup', detail: 'create in vpc-0abc', data: { vpcId: 'vpc-0abc' } },
    ]);
    expect(action.rounds[1]?.map((o) => o.op)).toEqual([
      'ec2:RevokeSecurityGroupEgress',
      'ec2:AuthorizeSecurityGroupEgress',
    ]);
  });

  it('refuses a group of that name that belongs to another co-signer or to nobody', () => {
    const observed = convergedObserved(desired);
    observed.securityGroup!.tags = { [TAGS.name]: 'other', [TAGS.managedBy]: 'cosigner-cli' };
    const refused = planSecurityGroup(input(desired, observed));
    expect([refused.kind, refused.id, refused.refusal?.code]).toEqual(['refuse', 'sg-0abc', 'RESOURCE_NOT_OURS']);
    expect(refused.refusal?.message).toBe(
      'security group demo-cosigner-host exists in vpc-0abc and belongs to co-signer "other"',
    );
    observed.securityGroup!.tags = {};
    expect(planSecurityGroup(input(desired, observed)).refusal?.message).toContain(
      'is not tagged as managed by cosigner-cli',
    );
  });

  it('revokes every ingress rule and any egress but HTTPS, adds HTTPS when missing, and the missing tags', () => {
    const observed = convergedObserved(desired);
    const { [TAGS.managedBy]: _dropped, ...partial } = observed.securityGroup!.tags;
    observed.securityGroup = {
      ...observed.securityGroup!,
      tags: { ...partial, [TAGS.managedBy]: 'cosigner-cli' },
      ingress: [{ ...anyRule, protocol: 'tcp', fromPort: 22, toPort: 22, ipv4: ['0.0.0.0/0'] }],
      egress: [{ ...anyRule, protocol: '-1', ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] }],
    };
    const action = planSecurityGroup(input(desired, observed));
    expect(action.kind).toBe('update');
    expect(action.reasons).toEqual([
      'ingress allowed: tcp 22 0.0.0.0/0',
      'extra egress: all traffic 0.0.0.0/0; all traffic ::/0',
      'egress tcp 443 0.0.0.0/0 is missing',
    ]);
    expect(action.rounds[0]?.map((o) => o.op)).toEqual([
      'ec2:RevokeSecurityGroupIngress',
      'ec2:RevokeSecurityGroupEgress',
      'ec2:AuthorizeSecurityGroupEgress',
    ]);
    // A tag of the config the group lacks is added (an adopted group keeps its adoption tag).
    const tagged = desiredFor({ tags: { team: 'custody' } });
    const adopted = convergedObserved(tagged);
    adopted.securityGroup!.tags = { [TAGS.name]: 'demo', [TAGS.managedBy]: 'cosigner-cli', [ADOPTED_TAG]: 'true' };
    const tagsOnly = planSecurityGroup(input(tagged, adopted));
    expect(tagsOnly.reasons).toEqual(['tags missing']);
    expect(tagsOnly.rounds[0]?.map((o) => [o.op, Object.keys(o.data?.['tags'] as object).sort()])).toEqual([
      ['ec2:CreateTags', [TAGS.version, 'team']],
    ]);
  });
});

describe('planAmi', () => {
  const desired = desiredFor();
  it('needs the image only to launch a host', () => {
    const observed = emptyObserved(desired);
    observed.ami = { parameter: desired.instance.amiParameter, imageId: undefined, rootDeviceName: undefined };
    expect(planAmi(input(desired, observed), false)).toMatchObject({
      kind: 'noop',
      reasons: ['not needed: the host exists'],
    });
    expect(planAmi(input(desired, observed), true).refusal).toMatchObject({ code: 'AWS_NOT_FOUND' });
    expect(planAmi(input(desired, emptyObserved(desired)), false).reasons).toEqual(['latest is ami-0123456789abcdef0']);
  });
});

const host = (desired: DesiredState, overrides: Partial<ObservedInstance> = {}): ObservedInstance => ({
  ...convergedObserved(desired).instances[0]!,
  ...overrides,
});

// The host's differences from the config, through hostDrift with that host as the only one of
// this co-signer's, in a security group with the given id (none when undefined).
const instanceDrift = (desired: DesiredState, instance: ObservedInstance, groupId: string | undefined): string[] => {
  const observed = convergedObserved(desired);
  observed.instances = [instance];
  observed.securityGroup = groupId === undefined ? undefined : { ...observed.securityGroup!, groupId };
  return hostDrift(desired, observed);
};

describe('hostDrift of one host', () => {
  const desired = desiredFor();

  it('has nothing to say about a host as the config describes it', () => {
    expect(instanceDrift(desired, host(desired), 'sg-0abc')).toEqual([]);
  });

  it('names each difference, and how to start a stopped host', () => {
    const drifted = host(desired, {
      type: undefined,
      enclave: false,
      httpTokens: undefined,
      hopLimit: undefined,
      publicIp: '198.51.100.7',
      rootVolume: { volumeId: 'vol-1', encrypted: false, type: 'gp2' },
      instanceProfileArn: 'arn:aws:iam::111122223333:instance-profile/someone-else',
      securityGroupIds: ['sg-other'],
      state: 'stopped',
    });
    expect(instanceDrift(desired, drifted, 'sg-0abc')).toEqual([
      'type is ?, the config says c5.xlarge',
      'Nitro Enclaves are not enabled on the host',
      'IMDSv2 is not required (HttpTokens ?)',
      'metadata hop limit is 1, below 2',
      'the host has a public IP (198.51.100.7)',
      'the root volume is not encrypted',
      'the root volume is gp2, not gp3',
      'the host uses instance profile arn:aws:iam::111122223333:instance-profile/someone-else',
      'the host is not in security group sg-0abc',
      'the host is also in sg-other',
      'the host is stopped: start it (aws ec2 start-instances --instance-ids i-0abc)',
    ]);
    const bare = host(desired, {
      instanceProfileArn: undefined,
      rootVolume: undefined,
      hopLimit: 1,
      state: 'stopping',
    });
    expect(instanceDrift(desired, bare, undefined)).toEqual([
      'metadata hop limit is 1, below 2',
      'the host has no instance profile',
      'the host is also in sg-0abc',
      'the host is stopping: start it (aws ec2 start-instances --instance-ids i-0abc)',
    ]);
    expect(
      instanceDrift(
        desiredFor({ network: { mode: 'public-ip' } }),
        host(desired, { publicIp: '198.51.100.7' }),
        'sg-0abc',
      ),
    ).toEqual([]);
  });
});

describe('ourInstances and planInstance', () => {
  const desired = desiredFor();

  it("keeps only this co-signer's hosts, oldest first, then by id", () => {
    const foreign = host(desired, {
      instanceId: 'i-foreign',
      tags: { [TAGS.name]: 'other', [TAGS.managedBy]: 'cosigner-cli' },
    });
    const hosts = [
      host(desired, { instanceId: 'i-c', launchTime: '2026-02-01T00:00:00.000Z' }),
      host(desired, { instanceId: 'i-b', launchTime: undefined }),
      host(desired, { instanceId: 'i-a', launchTime: '2026-02-01T00:00:00.000Z' }),
      foreign,
    ];
    expect(ourInstances(desired, hosts).map((i) => i.instanceId)).toEqual(['i-b', 'i-a', 'i-c']);
  });

  it('refuses to launch into a network with a problem, and names where a managed host will go', () => {
    const observed = emptyObserved(desired);
    observed.network.problems = [{ code: 'INSTANCE_TYPE_UNAVAILABLE', message: 'not offered', hint: 'another type' }];
    expect(planInstance(input(desired, observed)).refusal).toEqual({
      code: 'INSTANCE_TYPE_UNAVAILABLE',
      message: 'not offered',
      hint: 'another type',
    });
    const managed = desiredFor({ network: { mode: 'managed' } });
    const fresh = emptyObserved(managed);
    Object.assign(fresh.network, { subnetId: undefined, availabilityZone: undefined, warnings: ['a note'] });
    const launch = planInstance(input(managed, fresh));
    expect(launch.notes).toEqual(['a note']);
    expect(launch.rounds[0]?.[0]?.detail).toMatch(/^c5\.xlarge in the managed private subnet \(\?\), /);
    const unknown = emptyObserved(desired);
    unknown.network.subnetId = undefined;
    expect(planInstance(input(desired, unknown)).rounds[0]?.[0]?.detail).toMatch(/^c5\.xlarge in \? \(eu-west-1a\), /);
  });

  it('keeps the oldest host, asks to terminate the others, and adds missing tags to it', () => {
    const tagged = desiredFor({ tags: { team: 'custody' } });
    const observed = convergedObserved(tagged);
    const { team: _team, ...older } = observed.instances[0]!.tags;
    observed.instances = [
      host(tagged, { instanceId: 'i-new', launchTime: '2026-03-01T00:00:00.000Z' }),
      host(tagged, { instanceId: 'i-old', tags: older }),
    ];
    const action = planInstance(input(tagged, observed));
    expect([action.kind, action.id]).toEqual(['update', 'i-old']);
    expect(action.notes).toContain("more hosts carry this co-signer's tags: i-new; keep one and terminate the others");
    expect(action.reasons).toEqual(['tags missing']);
    expect(action.rounds[0]).toMatchObject([{ op: 'ec2:CreateTags', data: { tags: { team: 'custody' } } }]);
  });
});
