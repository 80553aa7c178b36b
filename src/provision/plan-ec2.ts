/**
 * Planning of the EC2 nodes: the security group (no ingress, one egress rule: TCP 443), the AMI
 * from the SSM parameter, and the host. A host that exists is never replaced: where it differs
 * from the config the plan says so in notes and leaves the decision to the operator.
 */
import type { DesiredState } from './desired.js';
import type { ObservedInstance, ObservedSecurityGroup, SecurityGroupRule } from './observed-ec2.js';
import { ownerOf } from '../engine/ownership.js';
import { base, existing, refuse, tagUpdate, type PlanInput } from './plan-nodes.js';
import type { PlannedAction, PlannedOp } from './plan-types.js';

/** One rule with one peer, the unit AWS authorises and revokes. */
export interface AtomicRule {
  protocol: string;
  fromPort?: number;
  toPort?: number;
  peer: { kind: 'ipv4' | 'ipv6' | 'group' | 'prefixList'; value: string };
}

export function atomicRules(rules: readonly SecurityGroupRule[]): AtomicRule[] {
  return rules.flatMap((r) => {
    const ports = {
      ...(r.fromPort === undefined ? {} : { fromPort: r.fromPort }),
      ...(r.toPort === undefined ? {} : { toPort: r.toPort }),
    };
    const peers = [
      ...r.ipv4.map((value) => ({ kind: 'ipv4' as const, value })),
      ...r.ipv6.map((value) => ({ kind: 'ipv6' as const, value })),
      ...r.groups.map((value) => ({ kind: 'group' as const, value })),
      ...r.prefixLists.map((value) => ({ kind: 'prefixList' as const, value })),
    ];
    return peers.map((peer) => ({ protocol: r.protocol, ...ports, peer }));
  });
}

export function egressRule(desired: DesiredState): AtomicRule {
  const port = desired.securityGroup.egressPort;
  return { protocol: 'tcp', fromPort: port, toPort: port, peer: { kind: 'ipv4', value: '0.0.0.0/0' } };
}

export const sameRule = (a: AtomicRule, b: AtomicRule) =>
  a.protocol === b.protocol &&
  a.fromPort === b.fromPort &&
  a.toPort === b.toPort &&
  a.peer.kind === b.peer.kind &&
  a.peer.value === b.peer.value;

export function describeRule(rule: AtomicRule): string {
  const ports =
    rule.protocol === '-1'
      ? 'all traffic'
      : `${rule.protocol} ${rule.fromPort ?? ''}${rule.toPort !== rule.fromPort ? `-${rule.toPort ?? ''}` : ''}`;
  return `${ports} ${rule.peer.value}`;
}

export function planSecurityGroup({ desired, observed }: PlanInput): PlannedAction {
  const b = base('securityGroup', `security group ${desired.securityGroup.name}`);
  const vpcId = observed.network.vpcId;
  const want = egressRule(desired);
  const authorize: PlannedOp = {
    op: 'ec2:AuthorizeSecurityGroupEgress',
    detail: `allow ${describeRule(want)} out`,
    data: { rules: [want] },
  };
  // A new group allows all egress: to 0.0.0.0/0, and to ::/0 as well in a VPC with an IPv6 block
  // (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html). The handler reads
  // the group once made and revokes every egress rule but the one we keep.
  const narrow: PlannedOp = {
    op: 'ec2:RevokeSecurityGroupEgress',
    detail: 'remove every default egress rule (IPv4 and IPv6 allow-all)',
    data: { keep: [want] },
  };
  const create = (where: string, data: Record<string, unknown>): PlannedAction => ({
    ...b,
    kind: 'create',
    reasons: ['the security group does not exist'],
    rounds: [[{ op: 'ec2:CreateSecurityGroup', detail: `create in ${where}`, data }], [narrow, authorize]],
  });
  // The managed network's VPC is made in this run.
  if (vpcId === undefined && desired.network.mode === 'managed') return create('the managed VPC', {});
  if (vpcId === undefined) {
    const problem = observed.network.problems[0];
    return refuse(
      b,
      problem?.code ?? 'AWS_NOT_FOUND',
      problem?.message ?? 'no VPC to put the security group in',
      problem?.hint ?? 'pass --vpc-id',
    );
  }
  const group: ObservedSecurityGroup | undefined = observed.securityGroup;
  if (group === undefined) return create(vpcId, { vpcId });
  const who = ownerOf(group.tags, desired.name);
  if (who.kind === 'foreign') {
    return refuse(
      b,
      'RESOURCE_NOT_OURS',
      `security group ${desired.securityGroup.name} exists in ${vpcId} and ${who.reason}`,
      'choose another co-signer name (--name), or remove the group',
      group.groupId,
    );
  }
  const ops: PlannedOp[] = [];
  const reasons: string[] = [];
  const ingress = atomicRules(group.ingress);
  if (ingress.length > 0) {
    reasons.push(`ingress allowed: ${ingress.map(describeRule).join('; ')}`);
    ops.push({ op: 'ec2:RevokeSecurityGroupIngress', detail: 'remove every ingress rule', data: { rules: ingress } });
  }
  const egress = atomicRules(group.egress);
  const extra = egress.filter((r) => !sameRule(r, want));
  if (extra.length > 0) {
    reasons.push(`extra egress: ${extra.map(describeRule).join('; ')}`);
    ops.push({ op: 'ec2:RevokeSecurityGroupEgress', detail: 'remove egress other than HTTPS', data: { rules: extra } });
  }
  if (!egress.some((r) => sameRule(r, want))) {
    reasons.push(`egress ${describeRule(want)} is missing`);
    ops.push(authorize);
  }
  const tags = tagUpdate(desired, group.tags, who.adopted);
  if (tags !== undefined) {
    reasons.push('tags missing');
    ops.push({ op: 'ec2:CreateTags', detail: 'add the missing tags', data: { tags } });
  }
  return existing(b, group.groupId, reasons, [ops]);
}

export function planAmi({ desired, observed }: PlanInput, instanceNeeded: boolean): PlannedAction {
  const b = base('ami', `AMI from ${desired.instance.amiParameter}`);
  const imageId = observed.ami.imageId;
  if (imageId === undefined) {
    if (!instanceNeeded) return { ...b, kind: 'noop', reasons: ['not needed: the host exists'], rounds: [] };
    return refuse(
      b,
      'AWS_NOT_FOUND',
      `the SSM parameter ${desired.instance.amiParameter} does not exist in ${desired.region}`,
      'check --ami-parameter and --region',
    );
  }
  return {
    ...b,
    id: imageId,
    kind: 'noop',
    reasons: [instanceNeeded ? `launch ${imageId}` : `latest is ${imageId}`],
    rounds: [],
  };
}

/** Where an existing host differs from the config (not fixed: a host is never replaced silently). */
function instanceDrift(desired: DesiredState, instance: ObservedInstance, groupId: string | undefined): string[] {
  const drift: string[] = [];
  if (instance.type !== desired.instance.type)
    drift.push(`type is ${instance.type ?? '?'}, the config says ${desired.instance.type}`);
  if (!instance.enclave) drift.push('Nitro Enclaves are not enabled on the host');
  if (instance.httpTokens !== 'required')
    drift.push(`IMDSv2 is not required (HttpTokens ${instance.httpTokens ?? '?'})`);
  if ((instance.hopLimit ?? 1) < desired.instance.metadata.hopLimit)
    drift.push(`metadata hop limit is ${instance.hopLimit ?? 1}, below ${desired.instance.metadata.hopLimit}`);
  if (instance.publicIp !== undefined && !desired.instance.publicIp)
    drift.push(`the host has a public IP (${instance.publicIp})`);
  if (instance.rootVolume !== undefined && !instance.rootVolume.encrypted)
    drift.push('the root volume is not encrypted');
  if (instance.rootVolume?.type !== undefined && instance.rootVolume.type !== 'gp3')
    drift.push(`the root volume is ${instance.rootVolume.type}, not gp3`);
  if (
    instance.instanceProfileArn !== undefined &&
    !instance.instanceProfileArn.endsWith(`/${desired.instanceProfile.name}`)
  )
    drift.push(`the host uses instance profile ${instance.instanceProfileArn}`);
  if (instance.instanceProfileArn === undefined) drift.push('the host has no instance profile');
  if (groupId !== undefined && !instance.securityGroupIds.includes(groupId))
    drift.push(`the host is not in security group ${groupId}`);
  if (instance.securityGroupIds.some((g) => g !== groupId))
    drift.push(`the host is also in ${instance.securityGroupIds.filter((g) => g !== groupId).join(', ')}`);
  if (instance.state === 'stopped' || instance.state === 'stopping')
    drift.push(
      `the host is ${instance.state}: start it (aws ec2 start-instances --instance-ids ${instance.instanceId})`,
    );
  return drift;
}

/**
 * Where the co-signer's host differs from the config, one line each (none without a host): the
 * plan's notes on the host, which provision leaves to the operator and status counts as drift.
 */
export function hostDrift(desired: DesiredState, observed: PlanInput['observed']): string[] {
  const [host, ...others] = ourInstances(desired, observed.instances);
  if (host === undefined) return [];
  const drift = instanceDrift(desired, host, observed.securityGroup?.groupId);
  if (others.length > 0)
    drift.push(
      `more hosts carry this co-signer's tags: ${others.map((i) => i.instanceId).join(', ')}; keep one and terminate the others`,
    );
  return drift;
}

export function ourInstances(desired: DesiredState, instances: readonly ObservedInstance[]): ObservedInstance[] {
  return instances
    .filter((i) => ownerOf(i.tags, desired.name).kind === 'ours')
    .sort((a, b) => (a.launchTime ?? '').localeCompare(b.launchTime ?? '') || a.instanceId.localeCompare(b.instanceId));
}

export function planInstance({ desired, observed }: PlanInput): PlannedAction {
  const b = base('instance', `EC2 host ${desired.instance.name}`);
  const ours = ourInstances(desired, observed.instances);
  const network = observed.network;
  if (ours.length === 0) {
    const problem = network.problems[0];
    if (problem !== undefined) return refuse(b, problem.code, problem.message, problem.hint);
    return {
      ...b,
      kind: 'create',
      reasons: ["no host carries this co-signer's tags"],
      notes: [...network.warnings],
      rounds: [
        [
          {
            op: 'ec2:RunInstances',
            detail: `${desired.instance.type} in ${network.subnetId ?? (desired.network.mode === 'managed' ? 'the managed private subnet' : '?')} (${network.availabilityZone ?? '?'}), enclave on, IMDSv2 only, encrypted gp3 ${desired.instance.rootVolumeGiB} GiB, ${desired.instance.publicIp ? 'public IP' : 'no public IP'}`,
            data: {
              type: desired.instance.type,
              subnetId: network.subnetId,
              availabilityZone: network.availabilityZone,
              imageId: observed.ami.imageId,
              publicIp: desired.instance.publicIp,
              rootVolumeGiB: desired.instance.rootVolumeGiB,
              metadata: desired.instance.metadata,
              enclave: desired.instance.enclave,
            },
          },
        ],
      ],
    };
  }
  const host = ours[0]!;
  const notes = hostDrift(desired, observed);
  const who = ownerOf(host.tags, desired.name);
  const tags = tagUpdate(desired, host.tags, who.kind === 'ours' && who.adopted);
  const ops: PlannedOp[] =
    tags === undefined ? [] : [{ op: 'ec2:CreateTags', detail: 'add the missing tags', data: { tags } }];
  return existing({ ...b, notes }, host.instanceId, tags === undefined ? [] : ['tags missing'], [ops]);
}
