/**
 * The EC2 checks on the Nitro host(s) tagged with the co-signer's name: enclave support and size,
 * IMDS, public address, security groups, volumes, user data and state. A check FAILs when any host
 * fails it; each host is named in the evidence.
 */
import type * as EC2 from '@aws-sdk/client-ec2';
import { checkMeta } from '../catalogue.js';
import { hostGroupIds, hostPublicIps } from '../deployment-reads.js';
import { scanUserData } from '../user-data.js';
import {
  skipped,
  Verdict,
  type CheckContext,
  type CheckDefinition,
  type CheckOutcome,
  type ReadName,
} from '../check.js';

export function instanceArn(ctx: CheckContext, instance: EC2.Instance): string {
  return `arn:${ctx.target.partition}:ec2:${ctx.target.region}:${ctx.target.accountId}:instance/${instance.InstanceId ?? ''}`;
}

type HostJudge = (v: Verdict, hosts: EC2.Instance[], ctx: CheckContext) => Promise<void> | void;

/** A check of the hosts: SKIP without a host (the not-running check FAILs then), ERROR when they cannot be read. */
function hostCheck(
  id: string,
  reads: readonly ReadName[],
  judge: HostJudge,
  whenAbsent: 'skip' | 'fail' = 'skip',
): CheckDefinition {
  return {
    ...checkMeta(id),
    reads: ['instances', ...reads],
    async run(ctx): Promise<CheckOutcome> {
      const v = new Verdict();
      const resource = `arn:${ctx.target.partition}:ec2:${ctx.target.region}:${ctx.target.accountId}:instance/*`;
      const instances = await ctx.reads.instances();
      if (!instances.ok) return v.unreadable(instances.failure).outcome(resource);
      const first = instances.value[0];
      if (first === undefined) {
        const reason = `no host (tagged cosigner-cli:name=${ctx.target.name} or with its instance profile) that is not terminated`;
        return whenAbsent === 'skip' ? skipped(resource, reason) : v.fail({ message: reason }).outcome(resource);
      }
      v.note(
        'hosts',
        instances.value.map((i) => i.InstanceId),
      );
      await judge(v, instances.value, ctx);
      return v.outcome(instanceArn(ctx, first));
    },
  };
}

const enclaveEnabled = hostCheck('cosigner_ec2_enclave_enabled', [], (v, hosts) => {
  for (const host of hosts) {
    const enabled = host.EnclaveOptions?.Enabled === true;
    v.note(`${host.InstanceId ?? ''}.enclaveOptions`, { Enabled: enabled });
    if (!enabled)
      v.fail({ instance: host.InstanceId, message: 'Nitro Enclaves are not enabled: the co-signer cannot run' });
  }
});

/** What the host keeps for itself besides the enclave (the co-signer's schema assumes the same). */
const HOST_RESERVE = { vcpus: 2, memoryMiB: 2048 };

const typeSupported = hostCheck('cosigner_ec2_type_supported', ['instanceTypes'], async (v, hosts, ctx) => {
  const types = await ctx.reads.instanceTypes();
  if (!types.ok) {
    v.unreadable(types.failure);
    return;
  }
  const enclave = ctx.target.enclave;
  v.note('enclave', enclave);
  for (const host of hosts) {
    const info = types.value.find((t) => t.type === host.InstanceType);
    const id = host.InstanceId;
    if (info === undefined) {
      v.fail({ instance: id, type: host.InstanceType, message: 'the instance type was not described' });
      continue;
    }
    v.note(`${id ?? ''}.type`, info);
    if (info.nitroEnclaves !== 'supported')
      v.fail({ instance: id, type: info.type, message: `${info.type} does not support Nitro Enclaves` });
    if (info.vcpus === undefined || info.vcpus < enclave.cpuCount + HOST_RESERVE.vcpus)
      v.fail({
        instance: id,
        type: info.type,
        message: `${info.type} has ${info.vcpus ?? '?'} vCPUs: the enclave's ${enclave.cpuCount} and ${HOST_RESERVE.vcpus} for the host do not fit`,
      });
    if (info.memoryMiB === undefined || info.memoryMiB < enclave.memoryMiB + HOST_RESERVE.memoryMiB)
      v.fail({
        instance: id,
        type: info.type,
        message: `${info.type} has ${info.memoryMiB ?? '?'} MiB: the enclave's ${enclave.memoryMiB} MiB and ${HOST_RESERVE.memoryMiB} MiB for the host do not fit`,
      });
  }
});

const imdsV2 = hostCheck('ec2_confidential_workload_host_imdsv2_not_enforced', [], (v, hosts) => {
  for (const host of hosts) {
    const tokens = host.MetadataOptions?.HttpTokens;
    v.note(`${host.InstanceId ?? ''}.httpTokens`, tokens ?? null);
    if (tokens !== 'required')
      v.fail({
        instance: host.InstanceId,
        httpTokens: tokens ?? null,
        message: `IMDS HttpTokens is ${tokens ?? 'not reported'}: IMDSv1 hands the role's credentials to any SSRF`,
      });
  }
});

const hopLimit = hostCheck('cosigner_ec2_imds_hop_limit', [], (v, hosts) => {
  for (const host of hosts) {
    const limit = host.MetadataOptions?.HttpPutResponseHopLimit;
    v.note(`${host.InstanceId ?? ''}.hopLimit`, limit ?? null);
    if (limit !== 2)
      v.fail({
        instance: host.InstanceId,
        hopLimit: limit ?? null,
        message: `the IMDS hop limit is ${limit ?? 'not reported'}, not 2`,
      });
  }
});

const publicIp = hostCheck('ec2_confidential_workload_host_public_ip', [], (v, hosts, ctx) => {
  for (const host of hosts) {
    const ips = hostPublicIps(host);
    v.note(`${host.InstanceId ?? ''}.publicIp`, ips.length === 0 ? null : ips.length === 1 ? ips[0] : ips);
    for (const ip of ips) {
      const item = { instance: host.InstanceId, publicIp: ip, message: `the host has the public IPv4 address ${ip}` };
      if (ctx.target.publicIpIntended) v.warn({ ...item, accepted: 'network.mode is public-ip in the config' });
      else v.fail(item);
    }
  }
});

function describeRule(rule: EC2.IpPermission): Record<string, unknown> {
  return {
    protocol: rule.IpProtocol,
    fromPort: rule.FromPort ?? null,
    toPort: rule.ToPort ?? null,
    ipv4: (rule.IpRanges ?? []).map((r) => r.CidrIp),
    ipv6: (rule.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
    groups: (rule.UserIdGroupPairs ?? []).map((g) => g.GroupId),
    prefixLists: (rule.PrefixListIds ?? []).map((p) => p.PrefixListId),
  };
}

async function groupsOf(v: Verdict, ctx: CheckContext): Promise<EC2.SecurityGroup[] | undefined> {
  const groups = await ctx.reads.securityGroups();
  if (!groups.ok) {
    v.unreadable(groups.failure);
    return undefined;
  }
  v.note(
    'securityGroups',
    groups.value.map((g) => g.GroupId),
  );
  return groups.value;
}

const noIngress = hostCheck(
  'ec2_confidential_workload_host_unrestricted_ingress',
  ['securityGroups'],
  async (v, hosts, ctx) => {
    const groups = await groupsOf(v, ctx);
    if (groups === undefined) return;
    const attached = new Set(hosts.flatMap(hostGroupIds));
    const missing = [...attached].filter((id) => !groups.some((g) => g.GroupId === id));
    if (missing.length > 0) v.warn({ message: `security groups not described: ${missing.join(', ')}` });
    for (const group of groups)
      for (const rule of group.IpPermissions ?? [])
        v.fail({
          group: group.GroupId,
          rule: describeRule(rule),
          message: `security group ${group.GroupId ?? ''} allows ingress; the host needs none (SSM Session Manager is the way in)`,
        });
  },
);

const egress443 = hostCheck('cosigner_ec2_egress_restricted', ['securityGroups'], async (v, _hosts, ctx) => {
  const groups = await groupsOf(v, ctx);
  if (groups === undefined) return;
  for (const group of groups) {
    const rules = group.IpPermissionsEgress ?? [];
    if (rules.length === 0)
      v.warn({ group: group.GroupId, message: 'no egress at all: the co-signer cannot reach Fireblocks, KMS or S3' });
    for (const rule of rules) {
      const https = rule.IpProtocol === 'tcp' && rule.FromPort === 443 && rule.ToPort === 443;
      if (!https)
        v.fail({
          group: group.GroupId,
          rule: describeRule(rule),
          message: `security group ${group.GroupId ?? ''} allows egress other than TCP 443`,
        });
    }
  }
});

const volumesEncrypted = hostCheck('ec2_ebs_volume_encryption', ['volumes'], async (v, _hosts, ctx) => {
  const volumes = await ctx.reads.volumes();
  if (!volumes.ok) {
    v.unreadable(volumes.failure);
    return;
  }
  v.note(
    'volumes',
    volumes.value.map((vol) => ({
      id: vol.VolumeId,
      encrypted: vol.Encrypted === true,
      kmsKeyId: vol.KmsKeyId ?? null,
    })),
  );
  if (volumes.value.length === 0) v.warn({ message: 'no volume is attached to the host' });
  for (const volume of volumes.value)
    if (volume.Encrypted !== true)
      v.fail({
        volume: volume.VolumeId,
        instance: volume.Attachments?.[0]?.InstanceId,
        message: `volume ${volume.VolumeId ?? ''} is not encrypted`,
      });
});

const userDataSecrets = hostCheck('ec2_instance_secrets_user_data', ['userData'], async (v, hosts, ctx) => {
  const data = await ctx.reads.userData();
  if (!data.ok) {
    v.unreadable(data.failure);
    return;
  }
  for (const host of hosts) {
    const id = host.InstanceId ?? '';
    const text = data.value.get(id);
    const hits = text === undefined ? [] : scanUserData(text);
    v.note(`${id}.userData`, text === undefined ? 'none' : `${text.split('\n').length} lines scanned`);
    for (const hit of hits)
      v.fail({
        instance: id,
        kind: hit.kind,
        line: hit.line,
        message: `line ${hit.line} of the user data looks like a ${hit.kind} (value not shown)`,
      });
  }
});

const running = hostCheck(
  'ec2_confidential_workload_host_not_running',
  [],
  (v, hosts) => {
    for (const host of hosts) {
      const state = host.State?.Name ?? 'unknown';
      v.note(`${host.InstanceId ?? ''}.state`, state);
      if (state !== 'running') v.fail({ instance: host.InstanceId, state, message: `the host is ${state}` });
    }
  },
  'fail',
);

export const EC2_CHECKS: readonly CheckDefinition[] = [
  enclaveEnabled,
  typeSupported,
  imdsV2,
  hopLimit,
  publicIp,
  noIngress,
  egress443,
  volumesEncrypted,
  userDataSecrets,
  running,
];
