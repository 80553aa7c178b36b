/**
 * The reads of one deployment: the account's (account-reads.ts: key, bucket, role) and the host's
 * and the evidence's, each made at most once and naming the IAM action it needs. The host is found
 * by its name tag or by the co-signer's instance profile.
 */
import type * as EC2 from '@aws-sdk/client-ec2';
import { TAGS } from '../config/names.js';
import { allPages } from '../engine/aws-util.js';
import { AccountReads } from './account-reads.js';
import type { Outcome } from './reads.js';
import { lookupKeyEvents, type KeyEvent } from './trail-events.js';
import { userDataText } from './user-data.js';

export interface TrailFacts {
  name: string;
  arn: string;
  homeRegion: string;
  multiRegion: boolean;
  logFileValidation: boolean;
  /** The trail records what its event selectors say, which may leave out KMS or read events. */
  customEventSelectors: boolean;
  logging: Outcome<boolean>;
}

export interface InstanceTypeFacts {
  type: string;
  nitroEnclaves: string | undefined;
  vcpus: number | undefined;
  memoryMiB: number | undefined;
}

/** Host states that are not gone (a terminated host is no host). */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

/** Every security group of a host: the instance's and each network interface's (a second ENI has its own). */
export function hostGroupIds(instance: EC2.Instance): string[] {
  const groups = [
    ...(instance.SecurityGroups ?? []),
    ...(instance.NetworkInterfaces ?? []).flatMap((eni) => eni.Groups ?? []),
  ];
  return [...new Set(groups.flatMap((g) => (g.GroupId === undefined || g.GroupId === '' ? [] : [g.GroupId])))];
}

/** Every public IPv4 address of a host: the primary one and any on its network interfaces (an Elastic IP on a second ENI). */
export function hostPublicIps(instance: EC2.Instance): string[] {
  const ips = [
    instance.PublicIpAddress,
    ...(instance.NetworkInterfaces ?? []).flatMap((eni) => [
      eni.Association?.PublicIp,
      ...(eni.PrivateIpAddresses ?? []).map((p) => p.Association?.PublicIp),
    ]),
  ];
  return [...new Set(ips.filter((ip): ip is string => ip !== undefined && ip !== ''))];
}

export class DeploymentReads extends AccountReads {
  /** The roles of each host's instance profile, by profile ARN. */
  instanceProfiles(): Promise<Outcome<Map<string, string[] | undefined>>> {
    return this.memo('instanceProfiles', async () => {
      const arns = [
        ...new Set(
          (await this.after(this.instances())).flatMap((i) =>
            i.IamInstanceProfile?.Arn === undefined ? [] : [i.IamInstanceProfile.Arn],
          ),
        ),
      ];
      const entries = await Promise.all(
        arns.map(async (arn): Promise<[string, string[] | undefined]> => {
          const name = arn.split('/').pop() ?? '';
          const out = await this.calls.optional('iam:GetInstanceProfile', () =>
            this.ports.iam.getInstanceProfile({ InstanceProfileName: name }),
          );
          const profile = out?.InstanceProfile;
          return [arn, profile === undefined ? undefined : (profile.Roles ?? []).map((r) => r.Arn ?? r.RoleName ?? '')];
        }),
      );
      return new Map(entries);
    });
  }

  // ---- EC2 ----------------------------------------------------------------------------------

  /**
   * The hosts that are not terminated and carry this co-signer's name tag or its instance profile
   * (an untagged host with the profile acts as the co-signer all the same).
   */
  instances(): Promise<Outcome<EC2.Instance[]>> {
    return this.memo('instances', async () => {
      const describe = (filter: EC2.Filter) =>
        allPages(async (NextToken) => {
          const page = await this.calls.call('ec2:DescribeInstances', () =>
            this.ports.ec2.describeInstances({
              Filters: [filter, { Name: 'instance-state-name', Values: LIVE_STATES }],
              NextToken,
            }),
          );
          return { items: page.Reservations?.flatMap((r) => r.Instances ?? []), next: page.NextToken };
        });
      const lists = await Promise.all([
        describe({ Name: `tag:${TAGS.name}`, Values: [this.target.name] }),
        describe({ Name: 'iam-instance-profile.arn', Values: [this.target.instanceProfileArn] }),
      ]);
      const byId = new Map(lists.flat().map((i) => [i.InstanceId ?? '', i]));
      return [...byId.values()].sort((a, b) => (a.InstanceId ?? '').localeCompare(b.InstanceId ?? ''));
    });
  }

  instanceTypes(): Promise<Outcome<InstanceTypeFacts[]>> {
    return this.memo('instanceTypes', async () => {
      const types = [
        ...new Set(
          (await this.after(this.instances())).flatMap((i) => (i.InstanceType === undefined ? [] : [i.InstanceType])),
        ),
      ];
      if (types.length === 0) return [];
      const out = await allPages(async (NextToken) => {
        const page = await this.calls.call('ec2:DescribeInstanceTypes', () =>
          this.ports.ec2.describeInstanceTypes({
            InstanceTypes: types,
            NextToken,
          }),
        );
        return { items: page.InstanceTypes, next: page.NextToken };
      });
      return out.map((t) => ({
        type: t.InstanceType ?? '',
        nitroEnclaves: t.NitroEnclavesSupport,
        vcpus: t.VCpuInfo?.DefaultVCpus,
        memoryMiB: t.MemoryInfo?.SizeInMiB,
      }));
    });
  }

  securityGroups(): Promise<Outcome<EC2.SecurityGroup[]>> {
    return this.memo('securityGroups', async () => {
      const ids = [...new Set((await this.after(this.instances())).flatMap(hostGroupIds))];
      if (ids.length === 0) return [];
      return allPages(async (NextToken) => {
        const page = await this.calls.call('ec2:DescribeSecurityGroups', () =>
          this.ports.ec2.describeSecurityGroups({ GroupIds: ids, NextToken }),
        );
        return { items: page.SecurityGroups, next: page.NextToken };
      });
    });
  }

  volumes(): Promise<Outcome<EC2.Volume[]>> {
    return this.memo('volumes', async () => {
      const ids = (await this.after(this.instances())).flatMap((i) =>
        i.InstanceId === undefined ? [] : [i.InstanceId],
      );
      if (ids.length === 0) return [];
      return allPages(async (NextToken) => {
        const page = await this.calls.call('ec2:DescribeVolumes', () =>
          this.ports.ec2.describeVolumes({
            Filters: [{ Name: 'attachment.instance-id', Values: ids }],
            NextToken,
          }),
        );
        return { items: page.Volumes, next: page.NextToken };
      });
    });
  }

  /** Each host's user data, decoded (kept in memory only: it is scanned, never reported). */
  userData(): Promise<Outcome<Map<string, string | undefined>>> {
    return this.memo('userData', async () => {
      const ids = (await this.after(this.instances())).flatMap((i) =>
        i.InstanceId === undefined ? [] : [i.InstanceId],
      );
      const entries = await Promise.all(
        ids.map(async (InstanceId): Promise<[string, string | undefined]> => {
          const out = await this.calls.call('ec2:DescribeInstanceAttribute', () =>
            this.ports.ec2.describeInstanceAttribute({ InstanceId, Attribute: 'userData' }),
          );
          const value = out.UserData?.Value;
          return [InstanceId, value === undefined ? undefined : userDataText(value)];
        }),
      );
      return new Map(entries);
    });
  }

  // ---- CloudTrail ---------------------------------------------------------------------------

  trails(): Promise<Outcome<TrailFacts[]>> {
    return this.memo('trails', async () => {
      const out = await this.calls.call('cloudtrail:DescribeTrails', () =>
        this.ports.cloudtrail.describeTrails({ includeShadowTrails: true }),
      );
      return Promise.all(
        (out.trailList ?? []).map(async (trail): Promise<TrailFacts> => {
          const arn = trail.TrailARN ?? trail.Name ?? '';
          const logging = await this.calls.memo(`trail-status/${arn}`, async () => {
            const status = await this.calls.call('cloudtrail:GetTrailStatus', () =>
              this.ports.cloudtrail.getTrailStatus({ Name: arn }),
            );
            return status.IsLogging === true;
          });
          return {
            name: trail.Name ?? arn,
            arn,
            homeRegion: trail.HomeRegion ?? '',
            multiRegion: trail.IsMultiRegionTrail === true,
            logFileValidation: trail.LogFileValidationEnabled === true,
            customEventSelectors: trail.HasCustomEventSelectors === true,
            logging,
          };
        }),
      );
    });
  }

  /** Every KMS event on the key in the lookback window (LookupEvents, every page). */
  keyEvents(): Promise<Outcome<KeyEvent[] | undefined>> {
    return this.memo('keyEvents', async () => {
      const key = await this.after(this.key());
      if (key?.Arn === undefined) return undefined;
      const keyArn = key.Arn;
      return lookupKeyEvents(
        (input) => this.calls.call('cloudtrail:LookupEvents', () => this.ports.cloudtrail.lookupEvents(input)),
        keyArn,
        this.target.since,
        this.target.now,
      );
    });
  }
}
