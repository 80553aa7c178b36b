/**
 * How apply makes the managed network: one handler per operation of the network node. Every part
 * is created with the co-signer's tags and its `cosigner-cli:part` tag in the same call, so what an
 * interrupted run made is found by observation, never made twice. EC2's creates without a
 * ClientToken (VPC, subnet, internet gateway, Elastic IP) can leave a twin when the SDK retried a
 * call that had in fact succeeded: after such a retry the twins are found by tag and removed.
 */
import { randomUUID } from 'node:crypto';
import type { Filter, Tag } from '@aws-sdk/client-ec2';
import { isAwsErrorNamed } from '../aws/errors.js';
import { TAGS } from '../config/names.js';
import { CosignerError, fail } from '../errors.js';
import type { OpContext } from './apply-ops.js';
import { tagsOf, toTagList } from '../engine/aws-util.js';
import { PART_TAG, type EndpointService, type NetworkPart } from './network-model.js';
import { isOurs } from '../engine/ownership.js';
import type { NetworkIds } from './plan-network.js';
import type { OpName } from './plan-types.js';

type Handler = (ctx: OpContext) => Promise<void>;

/**
 * EC2 is eventually consistent: a resource made a moment ago can be unknown to the next call
 * (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). Calls that name a
 * part made in an earlier round retry these answers, bounded and visibly.
 */
export function isEc2NotYetVisible(error: unknown): boolean {
  return isAwsErrorNamed(
    error,
    'InvalidVpcID.NotFound',
    'InvalidSubnetID.NotFound',
    'InvalidInternetGatewayID.NotFound',
    'InvalidGatewayID.NotFound',
    'InvalidAllocationID.NotFound',
    'InvalidRouteTableID.NotFound',
    'InvalidGroup.NotFound',
    'InvalidNatGatewayID.NotFound',
    'NatGatewayNotFound',
  );
}

/** The call options of a call naming parts made earlier: EC2's eventual consistency is waited out. */
export const visibleInEc2 = (what: string) => ({
  propagation: `EC2 to see ${what}`,
  retryable: isEc2NotYetVisible,
  delayKind: 'EC2 eventual consistency',
});
const visible = visibleInEc2;

const data = <T>(ctx: OpContext, key: string): T | undefined => ctx.op.data?.[key] as T | undefined;

function ids(ctx: OpContext): NetworkIds {
  ctx.state.network ??= {};
  return ctx.state.network;
}

/** The id of a part made earlier (this run or before). */
export function partId(ctx: OpContext, part: keyof NetworkIds): string {
  const id = ids(ctx)[part];
  if (id === undefined)
    fail('INTERNAL', `apply needs the ${part} of the managed network, which no earlier step produced`, undefined, {
      source: 'internal',
    });
  return id;
}

function spec(ctx: OpContext) {
  const managed = ctx.desired.network.managed;
  if (managed === undefined)
    fail('INTERNAL', 'the network plan is for mode managed, the config is not', undefined, { source: 'internal' });
  return managed;
}

/** Our tags, the Name tag and the part tag, as EC2 tag specifications for `type`. */
function tagging(ctx: OpContext, type: string, name: string, part: string): { ResourceType: never; Tags: Tag[] }[] {
  return [{ ResourceType: type as never, Tags: toTagList({ Name: name, ...ctx.desired.tags, [PART_TAG]: part }) }];
}

/** Filters that find the co-signer's resources of one part. */
function partFilters(ctx: OpContext, part: string): Filter[] {
  return [
    { Name: `tag:${TAGS.name}`, Values: [ctx.desired.name] },
    { Name: `tag:${PART_TAG}`, Values: [part] },
  ];
}

interface TaggedCreate<T> {
  part: NetworkPart;
  send: () => Promise<T>;
  idOf: (output: T) => string | undefined;
  /** Ids of what carries our tags for this part, oldest first where known. */
  find: () => Promise<string[]>;
  /** The output of a call whose answer was lost but whose effect was found. */
  found: (id: string) => T;
  /** Removes a twin (journaled under its own operation). */
  twin: [OpName, (id: string) => Promise<unknown>];
  /** The call names a part made in an earlier round. */
  after?: string;
}

/**
 * A create without idempotency: recovered by tag after an unknown outcome; when the call may have
 * taken effect more than once, the twins are removed before its intent is closed.
 */
async function createTagged<T>(ctx: OpContext, spec: TaggedCreate<T>): Promise<string> {
  const mine = async () => (await spec.find()).sort();
  const out = await ctx.call<T>({
    target: `${ctx.desired.name}/${spec.part}`,
    send: spec.send,
    ...(spec.after === undefined ? {} : visible(spec.after)),
    ids: (o) => ({ [spec.part]: spec.idOf(o) }),
    recover: async () => {
      const [id] = await mine();
      return id === undefined ? undefined : spec.found(id);
    },
    settle: async (made, retried) => {
      const id = spec.idOf(made);
      if (!retried || id === undefined) return made;
      for (const other of (await mine()).filter((candidate) => candidate !== id)) {
        ctx.warn(`a retried create made a second ${spec.part} ${other}; it is removed`);
        const [name, remove] = spec.twin;
        await ctx.callAs(name, {
          target: other,
          send: () => remove(other),
          alreadyDone: (e) =>
            isAwsErrorNamed(
              e,
              'InvalidVpcID.NotFound',
              'InvalidSubnetID.NotFound',
              'InvalidInternetGatewayID.NotFound',
              'InvalidAllocationID.NotFound',
            ),
        });
      }
      return made;
    },
  });
  const id = out === undefined ? undefined : spec.idOf(out);
  if (id === undefined)
    fail('INTERNAL', `${spec.part}: the create call returned no id`, undefined, { source: 'internal' });
  ids(ctx)[spec.part] = id;
  return id;
}

const ec2Ids = <I extends { Tags?: Tag[] | undefined }>(
  ctx: OpContext,
  items: I[] | undefined,
  id: (item: I) => string | undefined,
) =>
  (items ?? [])
    .filter((i) => isOurs(tagsOf(i.Tags), ctx.desired.name))
    .flatMap((i) => (id(i) === undefined ? [] : [id(i) as string]));

export const NETWORK_HANDLERS: Partial<Record<OpName, Handler>> = {
  'ec2:CreateVpc': async (ctx) => {
    const { ports } = ctx;
    const vpcId = await createTagged(ctx, {
      part: 'vpc',
      send: () =>
        ports.ec2.createVpc({
          CidrBlock: spec(ctx).cidr,
          TagSpecifications: tagging(ctx, 'vpc', spec(ctx).names.vpc, 'vpc'),
        }),
      idOf: (o) => o.Vpc?.VpcId,
      find: async () =>
        ec2Ids(ctx, (await ports.ec2.describeVpcs({ Filters: partFilters(ctx, 'vpc') })).Vpcs, (v) => v.VpcId),
      found: (id) => ({ Vpc: { VpcId: id }, $metadata: {} }),
      twin: ['ec2:DeleteVpc', (id) => ports.ec2.deleteVpc({ VpcId: id })],
    });
    ctx.state.vpcId = vpcId;
  },
  'ec2:ModifyVpcAttribute': async (ctx) => {
    const vpcId = partId(ctx, 'vpc');
    const attribute = data<'enableDnsSupport' | 'enableDnsHostnames'>(ctx, 'attribute') ?? 'enableDnsHostnames';
    await ctx.call({
      target: vpcId,
      ...visible(vpcId),
      send: () =>
        ctx.ports.ec2.modifyVpcAttribute({
          VpcId: vpcId,
          ...(attribute === 'enableDnsSupport'
            ? { EnableDnsSupport: { Value: true } }
            : { EnableDnsHostnames: { Value: true } }),
        }),
    });
  },
  'ec2:CreateSubnet': async (ctx) => {
    const { ports } = ctx;
    const part = data<'public-subnet' | 'private-subnet'>(ctx, 'part') ?? 'private-subnet';
    const vpcId = partId(ctx, 'vpc');
    const subnetId = await createTagged(ctx, {
      part,
      send: () =>
        ports.ec2.createSubnet({
          VpcId: vpcId,
          CidrBlock: data<string>(ctx, 'cidr'),
          AvailabilityZone: data<string>(ctx, 'zone'),
          TagSpecifications: tagging(ctx, 'subnet', spec(ctx).names[part], part),
        }),
      idOf: (o) => o.Subnet?.SubnetId,
      find: async () =>
        ec2Ids(ctx, (await ports.ec2.describeSubnets({ Filters: partFilters(ctx, part) })).Subnets, (s) => s.SubnetId),
      found: (id) => ({ Subnet: { SubnetId: id }, $metadata: {} }),
      twin: ['ec2:DeleteSubnet', (id) => ports.ec2.deleteSubnet({ SubnetId: id })],
      after: vpcId,
    });
    if (part === 'private-subnet') ctx.state.subnetId = subnetId;
  },
  'ec2:CreateInternetGateway': async (ctx) => {
    const { ports } = ctx;
    await createTagged(ctx, {
      part: 'igw',
      send: () =>
        ports.ec2.createInternetGateway({
          TagSpecifications: tagging(ctx, 'internet-gateway', spec(ctx).names.igw, 'igw'),
        }),
      idOf: (o) => o.InternetGateway?.InternetGatewayId,
      // Only unattached ones can be twins (ours is attached in the next round).
      find: async () =>
        ec2Ids(
          ctx,
          (await ports.ec2.describeInternetGateways({ Filters: partFilters(ctx, 'igw') })).InternetGateways?.filter(
            (g) => (g.Attachments ?? []).length === 0,
          ),
          (g) => g.InternetGatewayId,
        ),
      found: (id) => ({ InternetGateway: { InternetGatewayId: id }, $metadata: {} }),
      twin: ['ec2:DeleteInternetGateway', (id) => ports.ec2.deleteInternetGateway({ InternetGatewayId: id })],
    });
  },
  'ec2:AttachInternetGateway': async (ctx) => {
    const igw = partId(ctx, 'igw');
    const vpcId = partId(ctx, 'vpc');
    await ctx.call({
      target: igw,
      ...visible(`${igw} and ${vpcId}`),
      send: () => ctx.ports.ec2.attachInternetGateway({ InternetGatewayId: igw, VpcId: vpcId }),
      alreadyDone: async (e) =>
        isAwsErrorNamed(e, 'Resource.AlreadyAssociated') &&
        (await ctx.ports.ec2.describeInternetGateways({ InternetGatewayIds: [igw] })).InternetGateways?.[0]
          ?.Attachments?.[0]?.VpcId === vpcId,
    });
  },
  'ec2:AllocateAddress': async (ctx) => {
    const { ports } = ctx;
    await createTagged(ctx, {
      part: 'eip',
      send: () =>
        ports.ec2.allocateAddress({
          Domain: 'vpc',
          TagSpecifications: tagging(ctx, 'elastic-ip', spec(ctx).names.eip, 'eip'),
        }),
      idOf: (o) => o.AllocationId,
      find: async () =>
        ec2Ids(
          ctx,
          (await ports.ec2.describeAddresses({ Filters: partFilters(ctx, 'eip') })).Addresses?.filter(
            (a) => a.AssociationId === undefined,
          ),
          (a) => a.AllocationId,
        ),
      found: (id) => ({ AllocationId: id, $metadata: {} }),
      twin: ['ec2:ReleaseAddress', (id) => ports.ec2.releaseAddress({ AllocationId: id })],
    });
  },
  'ec2:CreateNatGateway': async (ctx) => {
    // The ClientToken makes the SDK's own retries return the same gateway.
    const token = randomUUID();
    const out = await ctx.call({
      target: `${ctx.desired.name}/nat`,
      token,
      ...visible('the public subnet and the Elastic IP'),
      send: () =>
        ctx.ports.ec2.createNatGateway({
          SubnetId: partId(ctx, 'public-subnet'),
          AllocationId: partId(ctx, 'eip'),
          ConnectivityType: 'public',
          ClientToken: token,
          TagSpecifications: tagging(ctx, 'natgateway', spec(ctx).names.nat, 'nat'),
        }),
      ids: (o) => ({ nat: o.NatGateway?.NatGatewayId }),
    });
    const id = out?.NatGateway?.NatGatewayId;
    if (id === undefined) fail('INTERNAL', 'CreateNatGateway returned no id', undefined, { source: 'internal' });
    ids(ctx).nat = id;
  },
  'ec2:CreateRouteTable': async (ctx) => {
    const part = data<'public-rt' | 'private-rt'>(ctx, 'part') ?? 'private-rt';
    const token = randomUUID();
    const out = await ctx.call({
      target: `${ctx.desired.name}/${part}`,
      token,
      ...visible('the VPC'),
      send: () =>
        ctx.ports.ec2.createRouteTable({
          VpcId: partId(ctx, 'vpc'),
          ClientToken: token,
          TagSpecifications: tagging(ctx, 'route-table', spec(ctx).names[part], part),
        }),
      ids: (o) => ({ [part]: o.RouteTable?.RouteTableId }),
    });
    const id = out?.RouteTable?.RouteTableId;
    if (id === undefined) fail('INTERNAL', 'CreateRouteTable returned no id', undefined, { source: 'internal' });
    ids(ctx)[part] = id;
  },
  'ec2:AssociateRouteTable': async (ctx) => {
    const table = partId(ctx, data<'public-rt' | 'private-rt'>(ctx, 'part') ?? 'private-rt');
    const subnet = partId(ctx, data<'public-subnet' | 'private-subnet'>(ctx, 'subnet') ?? 'private-subnet');
    await ctx.call({
      target: `${table} ${subnet}`,
      ...visible(`${table} and ${subnet}`),
      send: () => ctx.ports.ec2.associateRouteTable({ RouteTableId: table, SubnetId: subnet }),
      alreadyDone: async (e) =>
        isAwsErrorNamed(e, 'Resource.AlreadyAssociated') &&
        (
          (await ctx.ports.ec2.describeRouteTables({ Filters: [{ Name: 'association.subnet-id', Values: [subnet] }] }))
            .RouteTables ?? []
        ).some((t) => t.RouteTableId === table),
    });
  },
  'ec2:CreateRoute': (ctx) => route(ctx, false),
  'ec2:ReplaceRoute': (ctx) => route(ctx, true),
  'ec2:CreateVpcEndpoint': async (ctx) => {
    const service = data<EndpointService>(ctx, 'service') ?? 's3';
    const gateway = data<string>(ctx, 'type') === 'Gateway';
    const token = randomUUID();
    const names = spec(ctx);
    const find = async () =>
      ec2Ids(
        ctx,
        (
          await ctx.ports.ec2.describeVpcEndpoints({
            Filters: [
              ...partFilters(ctx, `endpoint:${service}`),
              { Name: 'vpc-endpoint-state', Values: ['pending', 'available'] },
            ],
          })
        ).VpcEndpoints,
        (e) => e.VpcEndpointId,
      )[0];
    let existing: string | undefined;
    const out = await ctx.call({
      target: `${ctx.desired.name}/endpoint:${service}`,
      token,
      ...visible('the VPC, its subnet, route table and group'),
      send: () =>
        ctx.ports.ec2.createVpcEndpoint({
          VpcId: partId(ctx, 'vpc'),
          ServiceName: names.serviceNames[service],
          VpcEndpointType: gateway ? 'Gateway' : 'Interface',
          ClientToken: token,
          ...(gateway
            ? { RouteTableIds: [partId(ctx, 'private-rt')] }
            : {
                SubnetIds: [partId(ctx, 'private-subnet')],
                SecurityGroupIds: [partId(ctx, 'endpoint-sg')],
                PrivateDnsEnabled: true,
              }),
          TagSpecifications: tagging(ctx, 'vpc-endpoint', names.endpointNames[service], `endpoint:${service}`),
        }),
      ids: (o) => ({ endpoint: o.VpcEndpoint?.VpcEndpointId }),
      // One endpoint per service: an earlier run's (found by tag) answers "already there".
      alreadyDone: async (e) => {
        if (!isAwsErrorNamed(e, 'InvalidParameter', 'RouteAlreadyExists')) return false;
        existing = await find();
        return existing !== undefined;
      },
    });
    const id = out?.VpcEndpoint?.VpcEndpointId ?? existing;
    if (id === undefined) fail('INTERNAL', 'CreateVpcEndpoint returned no id', undefined, { source: 'internal' });
    ids(ctx)[`endpoint:${service}`] = id;
  },
};

/** The default route of a route table: to the internet gateway, or to the NAT gateway once it carries traffic. */
async function route(ctx: OpContext, replace: boolean): Promise<void> {
  const { ports } = ctx;
  const table = partId(ctx, data<'public-rt' | 'private-rt'>(ctx, 'part') ?? 'private-rt');
  const nat = data<string>(ctx, 'target') === 'nat';
  const targetId = partId(ctx, nat ? 'nat' : 'igw');
  if (nat) {
    await ctx.wait(`NAT gateway ${targetId} to be available`, async () => {
      const gateway = (
        await ports.ec2.describeNatGateways({ NatGatewayIds: [targetId] }).catch((error: unknown) => {
          if (isEc2NotYetVisible(error)) return undefined;
          throw error;
        })
      )?.NatGateways?.[0];
      if (gateway?.State === 'failed' || gateway?.State === 'deleted' || gateway?.State === 'deleting') {
        throw new CosignerError(
          'AWS_SERVICE_ERROR',
          `the NAT gateway ${targetId} is ${gateway.State}${gateway.FailureMessage === undefined ? '' : `: ${gateway.FailureMessage}`}`,
          { hint: 'run provision again: a NAT gateway that failed is replaced' },
        );
      }
      return gateway?.State === 'available';
    });
  }
  const target = nat ? { NatGatewayId: targetId } : { GatewayId: targetId };
  const input = { RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', ...target };
  await ctx.call({
    target: `${table} 0.0.0.0/0`,
    ...visible(`${table} and ${targetId}`),
    send: () => (replace ? ports.ec2.replaceRoute(input) : ports.ec2.createRoute(input)),
    alreadyDone: async (e) => {
      if (!isAwsErrorNamed(e, 'RouteAlreadyExists')) return false;
      const routes = (await ports.ec2.describeRouteTables({ RouteTableIds: [table] })).RouteTables?.[0]?.Routes ?? [];
      return routes.some((r) => r.DestinationCidrBlock === '0.0.0.0/0' && (r.NatGatewayId ?? r.GatewayId) === targetId);
    },
  });
}

/** The endpoints' security group: created in the VPC with our tags; its id for the rule handlers. */
export async function createEndpointGroup(ctx: OpContext): Promise<void> {
  const vpcId = partId(ctx, 'vpc');
  const name = spec(ctx).names['endpoint-sg'];
  let found: string | undefined;
  const out = await ctx.call({
    target: `${vpcId}/${name}`,
    ...visible(vpcId),
    send: () =>
      ctx.ports.ec2.createSecurityGroup({
        GroupName: name,
        Description: `cosigner-cli ${ctx.desired.name}: VPC endpoints, HTTPS from the VPC only`,
        VpcId: vpcId,
        TagSpecifications: tagging(ctx, 'security-group', name, 'endpoint-sg'),
      }),
    ids: (o) => ({ groupId: o.GroupId }),
    alreadyDone: async (e) => {
      if (!isAwsErrorNamed(e, 'InvalidGroup.Duplicate')) return false;
      const group = (
        await ctx.ports.ec2.describeSecurityGroups({
          Filters: [
            { Name: 'group-name', Values: [name] },
            { Name: 'vpc-id', Values: [vpcId] },
          ],
        })
      ).SecurityGroups?.[0];
      if (group !== undefined && !isOurs(tagsOf(group.Tags), ctx.desired.name))
        throw new CosignerError('RESOURCE_NOT_OURS', `security group ${name} was created by someone else meanwhile`, {
          hint: 'run the command again to see a fresh plan',
        });
      found = group?.GroupId;
      return found !== undefined;
    },
  });
  const id = out?.GroupId ?? found;
  if (id === undefined) fail('INTERNAL', 'CreateSecurityGroup returned no id', undefined, { source: 'internal' });
  ids(ctx)['endpoint-sg'] = id;
}
