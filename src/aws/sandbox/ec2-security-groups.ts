/** Security groups and their rules: permission parsing and output shapes, and the security-group operations. */
import type * as SDK from '@aws-sdk/client-ec2';
import { instanceState } from './ec2-instances.js';
import { applyFilters, pageOf } from './ec2-query.js';
import { checkEc2Tags, tagsFor } from './ec2-tags.js';
import type { Tx } from './engine.js';
import { endpointState } from './ec2-transitions.js';
import { type PermissionRecord, type SecurityGroupRecord } from './state.js';
import { networkOf } from './state-new.js';
import { ec2Id, outputTags } from './util.js';

function permissionOutput(rules: PermissionRecord[]): SDK.IpPermission[] {
  const groups = new Map<string, SDK.IpPermission>();
  for (const rule of rules) {
    const key = `${rule.protocol}|${rule.fromPort ?? ''}|${rule.toPort ?? ''}`;
    let permission = groups.get(key);
    if (permission === undefined) {
      permission = {
        IpProtocol: rule.protocol,
        ...(rule.protocol === '-1' ? {} : { FromPort: rule.fromPort, ToPort: rule.toPort }),
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      };
      groups.set(key, permission);
    }
    if (rule.cidrIpv4 !== undefined)
      permission.IpRanges!.push({
        CidrIp: rule.cidrIpv4,
        ...(rule.description === undefined ? {} : { Description: rule.description }),
      });
    if (rule.cidrIpv6 !== undefined)
      permission.Ipv6Ranges!.push({
        CidrIpv6: rule.cidrIpv6,
        ...(rule.description === undefined ? {} : { Description: rule.description }),
      });
    if (rule.referencedGroupId !== undefined)
      permission.UserIdGroupPairs!.push({
        GroupId: rule.referencedGroupId,
        UserId: undefined,
        ...(rule.description === undefined ? {} : { Description: rule.description }),
      });
  }
  return [...groups.values()];
}

const PROTOCOLS: Record<string, string> = {
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  icmp: 'icmp',
  '1': 'icmp',
  '-1': '-1',
  all: '-1',
  icmpv6: 'icmpv6',
  '58': 'icmpv6',
};

/** Expands request permissions into one record per peer, validating protocol and ports. */
function permissionRecords(tx: Tx, permissions: SDK.IpPermission[] | undefined): Omit<PermissionRecord, 'ruleId'>[] {
  if (permissions === undefined || permissions.length === 0)
    throw tx.error('MissingParameter', 'The request must contain the parameter ipPermissions');
  const records: Omit<PermissionRecord, 'ruleId'>[] = [];
  for (const permission of permissions) {
    const protocol = PROTOCOLS[(permission.IpProtocol ?? '').toLowerCase()];
    if (protocol === undefined)
      throw tx.error(
        'InvalidParameterValue',
        `Invalid value '${permission.IpProtocol ?? ''}' for IP protocol. Unknown protocol.`,
      );
    let fromPort: number | undefined;
    let toPort: number | undefined;
    if (protocol === 'tcp' || protocol === 'udp') {
      fromPort = permission.FromPort;
      toPort = permission.ToPort;
      if (fromPort === undefined || toPort === undefined)
        throw tx.error(
          'InvalidParameterValue',
          `Invalid value for portRange. Must specify both from and to ports with TCP/UDP.`,
        );
      if (fromPort < 0 || toPort > 65535 || fromPort > toPort)
        throw tx.error(
          'InvalidParameterValue',
          `Invalid value for portRange. Must specify both from and to ports with TCP/UDP.`,
        );
    } else if (protocol === 'icmp' || protocol === 'icmpv6') {
      fromPort = permission.FromPort ?? -1;
      toPort = permission.ToPort ?? -1;
    }
    const base = {
      protocol,
      ...(fromPort === undefined ? {} : { fromPort }),
      ...(toPort === undefined ? {} : { toPort }),
    };
    for (const range of permission.IpRanges ?? []) {
      if (range.CidrIp === undefined || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(range.CidrIp))
        throw tx.error('InvalidParameterValue', `CIDR block ${range.CidrIp ?? ''} is malformed`);
      records.push({
        ...base,
        cidrIpv4: range.CidrIp,
        ...(range.Description === undefined ? {} : { description: range.Description }),
      });
    }
    for (const range of permission.Ipv6Ranges ?? []) {
      if (range.CidrIpv6 === undefined || !range.CidrIpv6.includes(':'))
        throw tx.error('InvalidParameterValue', `CIDR block ${range.CidrIpv6 ?? ''} is malformed`);
      records.push({
        ...base,
        cidrIpv6: range.CidrIpv6,
        ...(range.Description === undefined ? {} : { description: range.Description }),
      });
    }
    for (const pair of permission.UserIdGroupPairs ?? []) {
      if (pair.GroupId === undefined || !tx.regionState.ec2.securityGroups.some((group) => group.id === pair.GroupId)) {
        throw tx.error('InvalidGroup.NotFound', `The security group '${pair.GroupId ?? ''}' does not exist`);
      }
      records.push({
        ...base,
        referencedGroupId: pair.GroupId,
        ...(pair.Description === undefined ? {} : { description: pair.Description }),
      });
    }
    if (
      (permission.IpRanges?.length ?? 0) +
        (permission.Ipv6Ranges?.length ?? 0) +
        (permission.UserIdGroupPairs?.length ?? 0) ===
      0
    ) {
      throw tx.error(
        'InvalidParameterValue',
        'The request must contain at least one peer (CIDR range or security group).',
      );
    }
  }
  return records;
}

function samePermission(a: Omit<PermissionRecord, 'ruleId'>, b: Omit<PermissionRecord, 'ruleId'>): boolean {
  return (
    a.protocol === b.protocol &&
    a.fromPort === b.fromPort &&
    a.toPort === b.toPort &&
    a.cidrIpv4 === b.cidrIpv4 &&
    a.cidrIpv6 === b.cidrIpv6 &&
    a.referencedGroupId === b.referencedGroupId
  );
}

function describePermission(rule: Omit<PermissionRecord, 'ruleId'>): string {
  const peer = rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId ?? '';
  const protocol = rule.protocol === '-1' ? 'ALL' : rule.protocol.toUpperCase();
  return `peer: ${peer}, ${protocol}, from port: ${rule.fromPort ?? -1}, to port: ${rule.toPort ?? -1}, ALLOW`;
}

function ruleOutput(
  group: SecurityGroupRecord,
  rule: PermissionRecord,
  egress: boolean,
  accountId: string,
): SDK.SecurityGroupRule {
  return {
    SecurityGroupRuleId: rule.ruleId,
    GroupId: group.id,
    GroupOwnerId: accountId,
    IsEgress: egress,
    IpProtocol: rule.protocol,
    FromPort: rule.fromPort ?? -1,
    ToPort: rule.toPort ?? -1,
    ...(rule.cidrIpv4 === undefined ? {} : { CidrIpv4: rule.cidrIpv4 }),
    ...(rule.cidrIpv6 === undefined ? {} : { CidrIpv6: rule.cidrIpv6 }),
    ...(rule.referencedGroupId === undefined
      ? {}
      : { ReferencedGroupInfo: { GroupId: rule.referencedGroupId, UserId: accountId } }),
    ...(rule.description === undefined ? {} : { Description: rule.description }),
    Tags: [],
  };
}

export function findGroup(tx: Tx, id: string | undefined): SecurityGroupRecord {
  const group = tx.regionState.ec2.securityGroups.find((candidate) => candidate.id === id);
  if (group === undefined) throw tx.error('InvalidGroup.NotFound', `The security group '${id ?? ''}' does not exist`);
  return group;
}

function groupOutput(tx: Tx, group: SecurityGroupRecord): SDK.SecurityGroup {
  return {
    GroupId: group.id,
    GroupName: group.name,
    Description: group.description,
    VpcId: group.vpcId,
    OwnerId: tx.state.accountId,
    SecurityGroupArn: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}`,
    IpPermissions: permissionOutput(group.ingress),
    IpPermissionsEgress: permissionOutput(group.egress),
    ...(outputTags(group.tags) === undefined ? {} : { Tags: outputTags(group.tags) }),
  };
}

export function createSecurityGroup(tx: Tx, input: SDK.CreateSecurityGroupCommandInput) {
  const ec2 = tx.regionState.ec2;
  const name = input.GroupName ?? '';
  if (name === '' || name.length > 255)
    throw tx.error(
      'InvalidParameterValue',
      `Value (${name}) for parameter GroupName is invalid. Length must be between 1 and 255.`,
    );
  if (name.startsWith('sg-'))
    throw tx.error(
      'InvalidParameterValue',
      `Value (${name}) for parameter GroupName is invalid. Group names may not be in the format sg-*.`,
    );
  if (input.Description === undefined || input.Description === '')
    throw tx.error('MissingParameter', 'The request must contain the parameter GroupDescription');
  if (input.Description.length > 255 || !/^[\x20-\x7e]*$/.test(input.Description))
    throw tx.error(
      'InvalidParameterValue',
      `Value (${input.Description}) for parameter GroupDescription is invalid. Character sets beyond ASCII are not supported.`,
    );
  const vpcId = input.VpcId ?? ec2.vpcs.find((vpc) => vpc.isDefault)?.id;
  if (vpcId === undefined || !ec2.vpcs.some((vpc) => vpc.id === vpcId))
    throw tx.error('InvalidVpcID.NotFound', `The vpc ID '${input.VpcId ?? ''}' does not exist`);
  if (ec2.securityGroups.some((group) => group.vpcId === vpcId && group.name === name))
    throw tx.error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
  const tags = tagsFor(input.TagSpecifications, 'security-group');
  checkEc2Tags(tx, tags);
  tx.authorize({
    action: 'ec2:CreateSecurityGroup',
    resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/*`,
  });
  // A new group allows all egress, as in EC2 (IPv6 too when the VPC has an IPv6 block:
  // https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html); callers that
  // want less must revoke it.
  const ipv6 = ec2.vpcs.find((vpc) => vpc.id === vpcId)?.ipv6Cidr !== undefined;
  const egress: PermissionRecord[] = [
    { ruleId: ec2Id('sgr'), protocol: '-1', cidrIpv4: '0.0.0.0/0' },
    ...(ipv6 ? [{ ruleId: ec2Id('sgr'), protocol: '-1', cidrIpv6: '::/0' }] : []),
  ];
  const group: SecurityGroupRecord = {
    id: ec2Id('sg'),
    name,
    description: input.Description,
    vpcId,
    ingress: [],
    egress,
    tags,
  };
  ec2.securityGroups.push(group);
  const arn = `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}`;
  tx.trail({ responseElements: { groupId: group.id }, resources: [{ ARN: arn, type: 'AWS::EC2::SecurityGroup' }] });
  return {
    GroupId: group.id,
    SecurityGroupArn: arn,
    ...(outputTags(tags) === undefined ? {} : { Tags: outputTags(tags) }),
  };
}

export function describeSecurityGroups(tx: Tx, input: SDK.DescribeSecurityGroupsCommandInput) {
  const groups = tx.regionState.ec2.securityGroups;
  if ((input.GroupIds !== undefined || input.GroupNames !== undefined) && input.MaxResults !== undefined)
    throw tx.error(
      'InvalidParameterCombination',
      'The parameter groupIds cannot be used with the parameter maxResults',
    );
  for (const id of input.GroupIds ?? [])
    if (!groups.some((group) => group.id === id))
      throw tx.error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
  const defaultVpc = tx.regionState.ec2.vpcs.find((vpc) => vpc.isDefault)?.id;
  for (const name of input.GroupNames ?? [])
    if (!groups.some((group) => group.name === name && group.vpcId === defaultVpc))
      throw tx.error(
        'InvalidGroup.NotFound',
        `The security group '${name}' does not exist in default VPC '${defaultVpc ?? ''}'`,
      );
  const selected = applyFilters(
    tx,
    groups.filter(
      (group) =>
        (input.GroupIds === undefined || input.GroupIds.includes(group.id)) &&
        (input.GroupNames === undefined || (input.GroupNames.includes(group.name) && group.vpcId === defaultVpc)),
    ),
    input.Filters,
    {
      'group-id': (group) => group.id,
      'group-name': (group) => group.name,
      'vpc-id': (group) => group.vpcId,
      description: (group) => group.description,
      'owner-id': () => tx.state.accountId,
    },
    (group) => group.tags,
  );
  const page = pageOf(tx, selected, input, { filters: input.Filters });
  return {
    SecurityGroups: page.items.map((group) => groupOutput(tx, group)),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

export function describeSecurityGroupRules(tx: Tx, input: SDK.DescribeSecurityGroupRulesCommandInput) {
  const rules = tx.regionState.ec2.securityGroups.flatMap((group) => [
    ...group.ingress.map((rule) => ({ group, rule, egress: false })),
    ...group.egress.map((rule) => ({ group, rule, egress: true })),
  ]);
  for (const id of input.SecurityGroupRuleIds ?? [])
    if (!rules.some((entry) => entry.rule.ruleId === id))
      throw tx.error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
  const selected = applyFilters(
    tx,
    rules.filter(
      (entry) => input.SecurityGroupRuleIds === undefined || input.SecurityGroupRuleIds.includes(entry.rule.ruleId),
    ),
    input.Filters,
    { 'group-id': (entry) => entry.group.id, 'security-group-rule-id': (entry) => entry.rule.ruleId },
    () => [],
  );
  const page = pageOf(tx, selected, input, { ids: input.SecurityGroupRuleIds, filters: input.Filters });
  return {
    SecurityGroupRules: page.items.map((entry) =>
      ruleOutput(entry.group, entry.rule, entry.egress, tx.state.accountId),
    ),
    ...(page.next === undefined ? {} : { NextToken: page.next }),
  };
}

/** AuthorizeSecurityGroupEgress and AuthorizeSecurityGroupIngress: duplicates are refused. */
export function authorizeSecurityGroupRules(
  tx: Tx,
  operation: 'AuthorizeSecurityGroupEgress' | 'AuthorizeSecurityGroupIngress',
  input: SDK.AuthorizeSecurityGroupEgressCommandInput | SDK.AuthorizeSecurityGroupIngressCommandInput,
  egress: boolean,
) {
  const group = findGroup(tx, input.GroupId);
  const records = permissionRecords(tx, input.IpPermissions);
  tx.authorize({
    action: `ec2:${operation}`,
    resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}`,
  });
  const rules = egress ? group.egress : group.ingress;
  const added: PermissionRecord[] = [];
  for (const record of records) {
    if (rules.some((rule) => samePermission(rule, record)) || added.some((rule) => samePermission(rule, record))) {
      throw tx.error(
        'InvalidPermission.Duplicate',
        `the specified rule "${describePermission(record)}" already exists`,
      );
    }
    added.push({ ...record, ruleId: ec2Id('sgr') });
  }
  rules.push(...added);
  return { Return: true, SecurityGroupRules: added.map((rule) => ruleOutput(group, rule, egress, tx.state.accountId)) };
}

/** RevokeSecurityGroupEgress and RevokeSecurityGroupIngress: by rule id, or by permission (unknown permissions are reported, not refused). */
export function revokeSecurityGroupRules(
  tx: Tx,
  operation: 'RevokeSecurityGroupEgress' | 'RevokeSecurityGroupIngress',
  input: SDK.RevokeSecurityGroupEgressCommandInput | SDK.RevokeSecurityGroupIngressCommandInput,
  egress: boolean,
) {
  const group = findGroup(tx, input.GroupId);
  const rules = egress ? group.egress : group.ingress;
  tx.authorize({
    action: `ec2:${operation}`,
    resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}`,
  });
  const revoked: PermissionRecord[] = [];
  const unknown: Omit<PermissionRecord, 'ruleId'>[] = [];
  if (input.SecurityGroupRuleIds !== undefined) {
    for (const id of input.SecurityGroupRuleIds) {
      const rule = rules.find((candidate) => candidate.ruleId === id);
      if (rule === undefined)
        throw tx.error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      revoked.push(rule);
    }
  } else {
    for (const record of permissionRecords(tx, input.IpPermissions)) {
      const rule = rules.find((candidate) => samePermission(candidate, record));
      if (rule === undefined) unknown.push(record);
      else revoked.push(rule);
    }
    if (revoked.length === 0)
      throw tx.error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
  }
  const remaining = rules.filter((rule) => !revoked.includes(rule));
  if (egress) group.egress = remaining;
  else group.ingress = remaining;
  return {
    Return: true,
    RevokedSecurityGroupRules: revoked.map((rule) => ({
      SecurityGroupRuleId: rule.ruleId,
      GroupId: group.id,
      IsEgress: egress,
      IpProtocol: rule.protocol,
      FromPort: rule.fromPort ?? -1,
      ToPort: rule.toPort ?? -1,
      ...(rule.cidrIpv4 === undefined ? {} : { CidrIpv4: rule.cidrIpv4 }),
      ...(rule.cidrIpv6 === undefined ? {} : { CidrIpv6: rule.cidrIpv6 }),
    })),
    ...(unknown.length === 0
      ? {}
      : { UnknownIpPermissions: permissionOutput(unknown.map((rule) => ({ ...rule, ruleId: '' }))) }),
  };
}

export function deleteSecurityGroup(tx: Tx, input: SDK.DeleteSecurityGroupCommandInput) {
  const ec2 = tx.regionState.ec2;
  const defaultVpc = ec2.vpcs.find((vpc) => vpc.isDefault)?.id;
  const group =
    input.GroupId !== undefined
      ? findGroup(tx, input.GroupId)
      : ec2.securityGroups.find((candidate) => candidate.name === input.GroupName && candidate.vpcId === defaultVpc);
  if (group === undefined)
    throw tx.error(
      'InvalidGroup.NotFound',
      `The security group '${input.GroupName ?? ''}' does not exist in default VPC '${defaultVpc ?? ''}'`,
    );
  if (group.name === 'default')
    throw tx.error('CannotDelete', `the specified group: "${group.id}" name: "default" cannot be deleted by a user`);
  tx.authorize({
    action: 'ec2:DeleteSecurityGroup',
    resource: `arn:aws:ec2:${tx.region}:${tx.state.accountId}:security-group/${group.id}`,
  });
  const inUse = ec2.instances.some(
    (instance) =>
      instance.securityGroupIds.includes(group.id) &&
      instanceState(instance, tx.now, tx.knobs.instanceTransitionMs) !== 'terminated',
  );
  const referenced = ec2.securityGroups.some(
    (other) =>
      other.id !== group.id && [...other.ingress, ...other.egress].some((rule) => rule.referencedGroupId === group.id),
  );
  // Interface endpoints hold their groups through their network interfaces until deleted.
  const endpoint = networkOf(ec2).vpcEndpoints.some(
    (e) => e.groupIds.includes(group.id) && endpointState(e, tx.now, tx.knobs.instanceTransitionMs) !== 'deleted',
  );
  if (inUse || referenced || endpoint)
    throw tx.error('DependencyViolation', `resource ${group.id} has a dependent object`);
  ec2.securityGroups = ec2.securityGroups.filter((candidate) => candidate !== group);
  return { Return: true, GroupId: group.id };
}
