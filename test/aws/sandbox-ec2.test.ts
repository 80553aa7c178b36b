// The sandbox's EC2: default VPC, catalogue and offerings, RunInstances validation and ClientToken
// idempotency, security groups, pagination, the instance life cycle.
import { describe, expect, it } from 'vitest';
import { isIamPropagationError } from '../../src/aws/errors.js';
import { AL2023_X86_PARAMETER, type SandboxPorts } from '../../src/aws/sandbox/index.js';
import { caught, EC2_TRUST, FakeClock, sandbox } from './helpers.js';

async function ami(ports: SandboxPorts): Promise<string> {
  return (await ports.ssm.getParameter({ Name: AL2023_X86_PARAMETER })).Parameter!.Value!;
}

async function profile(ports: SandboxPorts, name = 'cosigner-prod'): Promise<void> {
  await ports.iam.createRole({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST });
  await ports.iam.createInstanceProfile({ InstanceProfileName: name });
  await ports.iam.addRoleToInstanceProfile({ InstanceProfileName: name, RoleName: name });
}

function launch(imageId: string, extra: Record<string, unknown> = {}) {
  return {
    ImageId: imageId,
    InstanceType: 'c5.xlarge' as const,
    MinCount: 1,
    MaxCount: 1,
    EnclaveOptions: { Enabled: true },
    MetadataOptions: { HttpTokens: 'required' as const, HttpPutResponseHopLimit: 2 },
    ...extra,
  };
}

describe('sandbox EC2 network', () => {
  it('has a default VPC with one default subnet per AZ, a main route table to an internet gateway, and a default security group', async () => {
    const ports = await sandbox({ region: 'eu-west-1' });
    const { Vpcs } = await ports.ec2.describeVpcs({ Filters: [{ Name: 'is-default', Values: ['true'] }] });
    expect(Vpcs).toHaveLength(1);
    const vpc = Vpcs![0]!;
    expect(vpc).toMatchObject({
      IsDefault: true,
      CidrBlock: '172.31.0.0/16',
      State: 'available',
      OwnerId: '111122223333',
    });
    expect(vpc.VpcId).toMatch(/^vpc-0[0-9a-f]{16}$/);
    const { Subnets } = await ports.ec2.describeSubnets({
      Filters: [
        { Name: 'vpc-id', Values: [vpc.VpcId!] },
        { Name: 'default-for-az', Values: ['true'] },
      ],
    });
    expect(Subnets?.map((subnet) => subnet.AvailabilityZone)).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(Subnets?.every((subnet) => subnet.MapPublicIpOnLaunch === true)).toBe(true);
    const { RouteTables } = await ports.ec2.describeRouteTables({
      Filters: [
        { Name: 'vpc-id', Values: [vpc.VpcId!] },
        { Name: 'association.main', Values: ['true'] },
      ],
    });
    expect(
      RouteTables?.[0]?.Routes?.some(
        (route) => route.DestinationCidrBlock === '0.0.0.0/0' && route.GatewayId?.startsWith('igw-'),
      ),
    ).toBe(true);
    const { SecurityGroups } = await ports.ec2.describeSecurityGroups({
      Filters: [{ Name: 'group-name', Values: ['default'] }],
    });
    expect(SecurityGroups).toHaveLength(1);
    // The same ids on every read (nothing written yet).
    expect((await ports.ec2.describeVpcs({})).Vpcs?.[0]?.VpcId).toBe(vpc.VpcId);
    expect(await caught(ports.ec2.describeVpcs({ Filters: [{ Name: 'colour', Values: ['x'] }] }))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(await caught(ports.ec2.describeSubnets({ SubnetIds: ['subnet-0123456789abcdef0'] }))).toMatchObject({
      name: 'InvalidSubnetID.NotFound',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('describes instance types with their Nitro Enclaves support and per-AZ offerings, paginated', async () => {
    const ports = await sandbox({ region: 'us-east-1' });
    const { InstanceTypes } = await ports.ec2.describeInstanceTypes({
      InstanceTypes: ['c5.xlarge', 'c5a.xlarge', 't3.xlarge'],
    });
    expect(Object.fromEntries(InstanceTypes!.map((type) => [type.InstanceType, type.NitroEnclavesSupport]))).toEqual({
      'c5.xlarge': 'supported',
      'c5a.xlarge': 'supported',
      't3.xlarge': 'unsupported',
    });
    expect(await caught(ports.ec2.describeInstanceTypes({ InstanceTypes: ['c5.mega' as never] }))).toMatchObject({
      name: 'InvalidInstanceType',
    });
    const zones: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ports.ec2.describeInstanceTypeOfferings({
        LocationType: 'availability-zone',
        Filters: [{ Name: 'instance-type', Values: ['c5.xlarge'] }],
        ...(token === undefined ? {} : { NextToken: token }),
      });
      zones.push(...page.InstanceTypeOfferings!.map((offering) => offering.Location!));
      token = page.NextToken;
      pages += 1;
    } while (token !== undefined);
    expect(pages).toBeGreaterThan(1);
    expect(zones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f']);
    const c5a = await ports.ec2.describeInstanceTypeOfferings({
      LocationType: 'region',
      Filters: [{ Name: 'instance-type', Values: ['c5a.xlarge'] }],
    });
    expect(c5a.InstanceTypeOfferings).toHaveLength(1);
  });

  it('serves the AL2023 AMI through the public SSM parameter and DescribeImages', async () => {
    const ports = await sandbox({ region: 'eu-central-1' });
    const id = await ami(ports);
    expect(id).toMatch(/^ami-0[0-9a-f]{16}$/);
    const { Images } = await ports.ec2.describeImages({ ImageIds: [id] });
    expect(Images?.[0]).toMatchObject({
      ImageId: id,
      Architecture: 'x86_64',
      OwnerId: '137112412989',
      ImdsSupport: 'v2.0',
      State: 'available',
    });
    expect(await caught(ports.ssm.getParameter({ Name: '/aws/service/nope' }))).toMatchObject({
      name: 'ParameterNotFound',
      message: 'UnknownError',
    });
    expect(await caught(ports.ec2.describeImages({ ImageIds: ['ami-0123456789abcdef0'] }))).toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
  });
});

describe('sandbox EC2 RunInstances', () => {
  it('launches an enclave-enabled instance with IMDSv2, an encrypted gp3 root volume, the profile and tags', async () => {
    const ports = await sandbox();
    await profile(ports);
    const imageId = await ami(ports);
    const { SecurityGroups } = await ports.ec2.describeSecurityGroups({
      Filters: [{ Name: 'group-name', Values: ['default'] }],
    });
    const subnet = (
      await ports.ec2.describeSubnets({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }] })
    ).Subnets![0]!;
    const reservation = await ports.ec2.runInstances(
      launch(imageId, {
        IamInstanceProfile: { Name: 'cosigner-prod' },
        NetworkInterfaces: [
          {
            DeviceIndex: 0,
            SubnetId: subnet.SubnetId,
            Groups: [SecurityGroups![0]!.GroupId!],
            AssociatePublicIpAddress: false,
          },
        ],
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: { VolumeSize: 30, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
          },
        ],
        UserData: Buffer.from('#!/bin/bash\necho hi\n').toString('base64'),
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [{ Key: 'cosigner-cli:name', Value: 'prod' }] },
          { ResourceType: 'volume', Tags: [{ Key: 'cosigner-cli:name', Value: 'prod' }] },
        ],
        ClientToken: 'cosigner-prod-instance-1',
      }),
    );
    const instance = reservation.Instances![0]!;
    expect(reservation.ReservationId).toMatch(/^r-0[0-9a-f]{16}$/);
    expect(instance).toMatchObject({
      InstanceType: 'c5.xlarge',
      EnclaveOptions: { Enabled: true },
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
      SubnetId: subnet.SubnetId,
      Placement: { AvailabilityZone: 'us-east-1b' },
    });
    expect(instance.PublicIpAddress).toBeUndefined();
    expect(instance.IamInstanceProfile?.Arn).toBe('arn:aws:iam::111122223333:instance-profile/cosigner-prod');
    const { Volumes } = await ports.ec2.describeVolumes({
      Filters: [{ Name: 'attachment.instance-id', Values: [instance.InstanceId!] }],
    });
    expect(Volumes?.[0]).toMatchObject({
      Size: 30,
      VolumeType: 'gp3',
      Encrypted: true,
      State: 'in-use',
      Tags: [{ Key: 'cosigner-cli:name', Value: 'prod' }],
    });
    const described = await ports.ec2.describeInstances({
      Filters: [
        { Name: 'tag:cosigner-cli:name', Values: ['prod'] },
        { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ],
    });
    expect(described.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(instance.InstanceId);
  });

  it('makes RunInstances idempotent by ClientToken', async () => {
    const ports = await sandbox();
    const imageId = await ami(ports);
    const first = await ports.ec2.runInstances(launch(imageId, { ClientToken: 'token-1' }));
    const second = await ports.ec2.runInstances(launch(imageId, { ClientToken: 'token-1' }));
    expect(second.Instances?.[0]?.InstanceId).toBe(first.Instances?.[0]?.InstanceId);
    expect(second.ReservationId).toBe(first.ReservationId);
    const mismatch = await caught(
      ports.ec2.runInstances(launch(imageId, { ClientToken: 'token-1', InstanceType: 'c5a.xlarge' })),
    );
    expect(mismatch).toMatchObject({
      name: 'IdempotentParameterMismatch',
      Code: 'IdempotentParameterMismatch',
      $metadata: { httpStatusCode: 400 },
    });
    const all = await ports.ec2.describeInstances({});
    expect(all.Reservations?.flatMap((reservation) => reservation.Instances ?? [])).toHaveLength(1);
    // Even after termination the token answers with the original instance.
    await ports.ec2.terminateInstances({ InstanceIds: [first.Instances![0]!.InstanceId!] });
    const third = await ports.ec2.runInstances(launch(imageId, { ClientToken: 'token-1' }));
    expect(third.Instances?.[0]).toMatchObject({
      InstanceId: first.Instances?.[0]?.InstanceId,
      State: { Name: 'terminated' },
    });
  });

  it('refuses enclaves on unsupported types, types not offered in the AZ, and bad IMDS options', async () => {
    const ports = await sandbox();
    const imageId = await ami(ports);
    expect(await caught(ports.ec2.runInstances(launch(imageId, { InstanceType: 't3.xlarge' })))).toMatchObject({
      name: 'InvalidParameterCombination',
    });
    await expect(
      ports.ec2.runInstances(launch(imageId, { InstanceType: 't3.xlarge', EnclaveOptions: { Enabled: false } })),
    ).resolves.toBeDefined();
    const subnetE = (
      await ports.ec2.describeSubnets({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1e'] }] })
    ).Subnets![0]!.SubnetId;
    const unsupported = await caught(ports.ec2.runInstances(launch(imageId, { SubnetId: subnetE })));
    expect(unsupported).toMatchObject({ name: 'Unsupported' });
    expect(unsupported.message).toContain('us-east-1a');
    expect(
      await caught(
        ports.ec2.runInstances(
          launch(imageId, { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 65 } }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(
      await caught(ports.ec2.runInstances(launch(imageId, { MetadataOptions: { HttpTokens: 'sometimes' } }))),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await caught(ports.ec2.runInstances(launch(imageId, { UserData: 'not base64!' })))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(await caught(ports.ec2.runInstances(launch(imageId, { InstanceType: 'c6g.xlarge' })))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await caught(ports.ec2.runInstances(launch(imageId, { HibernationOptions: { Configured: true } }))),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
    // Without options, AL2023 images get IMDSv2 and hop limit 2.
    const plain = await ports.ec2.runInstances({
      ImageId: imageId,
      InstanceType: 'c5.xlarge',
      MinCount: 1,
      MaxCount: 1,
    });
    expect(plain.Instances?.[0]?.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(plain.Instances?.[0]?.PublicIpAddress).toMatch(/^203\.0\.113\./);
  });

  it('refuses an unknown instance profile, and a new one until IAM has propagated it', async () => {
    const clock = new FakeClock();
    const ports = await sandbox({ now: clock.now, knobs: { iamPropagationDelayMs: 5_000 } });
    const imageId = await ami(ports);
    const unknown = await caught(ports.ec2.runInstances(launch(imageId, { IamInstanceProfile: { Name: 'nope' } })));
    expect(unknown).toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Value (nope) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
    });
    await profile(ports);
    const early = await caught(
      ports.ec2.runInstances(launch(imageId, { IamInstanceProfile: { Name: 'cosigner-prod' } })),
    );
    expect(isIamPropagationError(early)).toBe(true);
    clock.advance(5_000);
    await expect(
      ports.ec2.runInstances(
        launch(imageId, { IamInstanceProfile: { Arn: 'arn:aws:iam::111122223333:instance-profile/cosigner-prod' } }),
      ),
    ).resolves.toBeDefined();
  });
});

describe('sandbox EC2 security groups and life cycle', () => {
  it('creates a group that allows all egress, narrows it to 443, and refuses duplicates', async () => {
    const ports = await sandbox();
    const vpcId = (await ports.ec2.describeVpcs({})).Vpcs![0]!.VpcId!;
    const { GroupId } = await ports.ec2.createSecurityGroup({
      GroupName: 'cosigner-prod',
      Description: 'cosigner host',
      VpcId: vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'cosigner-cli:name', Value: 'prod' }] }],
    });
    expect(GroupId).toMatch(/^sg-0[0-9a-f]{16}$/);
    expect(
      await caught(ports.ec2.createSecurityGroup({ GroupName: 'cosigner-prod', Description: 'again', VpcId: vpcId })),
    ).toMatchObject({ name: 'InvalidGroup.Duplicate' });
    let group = (await ports.ec2.describeSecurityGroups({ GroupIds: [GroupId!] })).SecurityGroups![0]!;
    expect(group.IpPermissions).toEqual([]);
    expect(group.IpPermissionsEgress).toEqual([
      expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
    ]);
    await ports.ec2.revokeSecurityGroupEgress({
      GroupId,
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
    const added = await ports.ec2.authorizeSecurityGroupEgress({ GroupId, IpPermissions: [https] });
    expect(added.SecurityGroupRules?.[0]).toMatchObject({
      IsEgress: true,
      FromPort: 443,
      ToPort: 443,
      CidrIpv4: '0.0.0.0/0',
    });
    expect(await caught(ports.ec2.authorizeSecurityGroupEgress({ GroupId, IpPermissions: [https] }))).toMatchObject({
      name: 'InvalidPermission.Duplicate',
    });
    expect(
      await caught(
        ports.ec2.revokeSecurityGroupIngress({
          GroupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      ),
    ).toMatchObject({ name: 'InvalidPermission.NotFound' });
    group = (await ports.ec2.describeSecurityGroups({ Filters: [{ Name: 'tag:cosigner-cli:name', Values: ['prod'] }] }))
      .SecurityGroups![0]!;
    expect(group.IpPermissionsEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    const rules = await ports.ec2.describeSecurityGroupRules({ Filters: [{ Name: 'group-id', Values: [GroupId!] }] });
    expect(rules.SecurityGroupRules).toHaveLength(1);
  });

  it('keeps a group in use until its instance is terminated, then deletes it', async () => {
    const clock = new FakeClock();
    const ports = await sandbox({ now: clock.now, knobs: { instanceTransitionMs: 30_000 } });
    const { GroupId } = await ports.ec2.createSecurityGroup({
      GroupName: 'cosigner-prod',
      Description: 'cosigner host',
    });
    const imageId = await ami(ports);
    const instance = (await ports.ec2.runInstances(launch(imageId, { SecurityGroupIds: [GroupId!] }))).Instances![0]!;
    expect(instance.State?.Name).toBe('pending');
    clock.advance(30_000);
    expect(
      (await ports.ec2.describeInstances({ InstanceIds: [instance.InstanceId!] })).Reservations?.[0]?.Instances?.[0]
        ?.State?.Name,
    ).toBe('running');
    const terminating = await ports.ec2.terminateInstances({ InstanceIds: [instance.InstanceId!] });
    expect(terminating.TerminatingInstances?.[0]).toMatchObject({
      PreviousState: { Name: 'running' },
      CurrentState: { Name: 'shutting-down' },
    });
    expect(await caught(ports.ec2.deleteSecurityGroup({ GroupId }))).toMatchObject({ name: 'DependencyViolation' });
    clock.advance(30_000);
    await ports.ec2.deleteSecurityGroup({ GroupId });
    expect(await caught(ports.ec2.describeSecurityGroups({ GroupIds: [GroupId!] }))).toMatchObject({
      name: 'InvalidGroup.NotFound',
    });
    expect(await caught(ports.ec2.deleteSecurityGroup({ GroupName: 'default' }))).toMatchObject({
      name: 'CannotDelete',
    });
    // Terminated instances stay visible for an hour, then disappear.
    clock.advance(3_600_000);
    expect(await caught(ports.ec2.describeInstances({ InstanceIds: [instance.InstanceId!] }))).toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
  });

  it('tags resources by id and paginates instances only when asked to', async () => {
    const ports = await sandbox();
    const imageId = await ami(ports);
    const reservation = await ports.ec2.runInstances({
      ImageId: imageId,
      InstanceType: 'c5.xlarge',
      MinCount: 5,
      MaxCount: 5,
    });
    const ids = reservation.Instances!.map((instance) => instance.InstanceId!);
    await ports.ec2.createTags({ Resources: ids, Tags: [{ Key: 'batch', Value: 'a' }] });
    expect(
      await caught(ports.ec2.createTags({ Resources: ['i-0123456789abcdef0'], Tags: [{ Key: 'x', Value: 'y' }] })),
    ).toMatchObject({ name: 'InvalidInstanceID.NotFound' });
    expect(
      await caught(ports.ec2.createTags({ Resources: [ids[0]!], Tags: [{ Key: 'aws:x', Value: 'y' }] })),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    const all = await ports.ec2.describeInstances({ Filters: [{ Name: 'tag:batch', Values: ['a'] }] });
    expect(all.NextToken).toBeUndefined();
    expect(all.Reservations?.[0]?.Instances).toHaveLength(5);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await ports.ec2.describeInstances({
        MaxResults: 5,
        ...(token === undefined ? {} : { NextToken: token }),
      });
      seen.push(
        ...(page.Reservations ?? []).flatMap((entry) => entry.Instances ?? []).map((instance) => instance.InstanceId!),
      );
      token = page.NextToken;
    } while (token !== undefined);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(await caught(ports.ec2.describeInstances({ MaxResults: 5, NextToken: 'bogus' }))).toMatchObject({
      name: 'InvalidPaginationToken',
    });
  });
});
