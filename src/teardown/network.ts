/**
 * Teardown of a managed network, part by part, each call journaled and each delete idempotent:
 * VPC endpoints and the NAT gateway are deleted and waited for until EC2 reports them deleted
 * (until then their interfaces hold the subnets, the endpoints' group and the Elastic IP); route
 * tables are disassociated and deleted; the internet gateway detached and deleted; the Elastic
 * IP released; then the subnets, then the VPC. A delete EC2 refuses because something still
 * depends on it (DependencyViolation, an address in use) is retried, bounded and visibly, until
 * the dependency is gone.
 */
import { isAwsErrorNamed } from '../aws/errors.js';
import type { AwsPorts } from '../aws/ports.js';
import { CosignerError } from '../errors.js';
import { isNotFound } from '../engine/aws-util.js';
import type { JournaledCallSpec } from '../engine/journaled-call.js';
import type { DestroyAction } from './plan.js';
import type { FoundResource } from '../engine/discover.js';

type Step = { update(text: string): void };

export interface TeardownContext {
  ports: AwsPorts;
  call: <T>(
    action: DestroyAction,
    op: string,
    spec: Omit<JournaledCallSpec<T>, 'node' | 'op' | 'target'>,
    progress: (t: string) => void,
  ) => Promise<T | undefined>;
  waitFor: (what: string, step: Step, check: () => Promise<boolean>) => Promise<void>;
}

/** EC2's answers meaning "already gone" for the network's parts. */
function networkGone(error: unknown): boolean {
  return (
    isNotFound(error) ||
    isAwsErrorNamed(
      error,
      'InvalidVpcID.NotFound',
      'InvalidSubnetID.NotFound',
      'InvalidInternetGatewayID.NotFound',
      'InvalidAllocationID.NotFound',
      'NatGatewayNotFound',
      'InvalidRouteTableID.NotFound',
      'InvalidVpcEndpointId.NotFound',
      'InvalidAssociationID.NotFound',
      'Gateway.NotAttached',
    )
  );
}

/** A read answered "gone" gives undefined; anything else is passed on. */
function absent(error: unknown): undefined {
  if (networkGone(error)) return undefined;
  throw error;
}

/** The destroy plan's calls for one part of a managed network. */
export function networkTeardownOps(r: FoundResource): DestroyAction['ops'] {
  switch (r.kind) {
    case 'vpcEndpoint':
      return [
        {
          op: 'ec2:DeleteVpcEndpoints',
          detail: `delete ${typeof r.detail['service'] === 'string' ? r.detail['service'] : 'the endpoint'} and wait until deleted`,
        },
      ];
    case 'natGateway':
      return [
        {
          op: 'ec2:DeleteNatGateway',
          detail: 'delete and wait until deleted (it holds its subnet and Elastic IP until then)',
        },
      ];
    case 'routeTable':
      return [
        ...((r.detail['associations'] as string[] | undefined) ?? []).map((id) => ({
          op: 'ec2:DisassociateRouteTable',
          detail: `remove association ${id}`,
          data: { associationId: id },
        })),
        { op: 'ec2:DeleteRouteTable', detail: 'delete the route table' },
      ];
    case 'internetGateway':
      return [
        ...(typeof r.detail['vpcId'] === 'string'
          ? [
              {
                op: 'ec2:DetachInternetGateway',
                detail: `detach from ${r.detail['vpcId']}`,
                data: { vpcId: r.detail['vpcId'] },
              },
            ]
          : []),
        { op: 'ec2:DeleteInternetGateway', detail: 'delete the gateway' },
      ];
    case 'address':
      return [
        {
          op: 'ec2:ReleaseAddress',
          detail: `release ${typeof r.detail['publicIp'] === 'string' ? r.detail['publicIp'] : 'the address'}`,
        },
      ];
    case 'subnet':
      return [{ op: 'ec2:DeleteSubnet', detail: 'delete the subnet' }];
    case 'vpc':
      return [{ op: 'ec2:DeleteVpc', detail: 'delete the VPC (its main route table and default group go with it)' }];
    default:
      return [];
  }
}

/** Retry `attempt` while EC2 says something still depends on the resource. */
async function untilFree(
  ctx: TeardownContext,
  what: string,
  step: Step,
  attempt: () => Promise<unknown>,
): Promise<void> {
  await ctx.waitFor(what, step, async () => {
    try {
      await attempt();
      return true;
    } catch (error) {
      const cause = error instanceof CosignerError ? error.cause : error;
      if (isAwsErrorNamed(cause, 'DependencyViolation', 'InvalidIPAddress.InUse')) return false;
      throw error;
    }
  });
}

export async function removeNetworkPart(ctx: TeardownContext, action: DestroyAction, step: Step): Promise<void> {
  const { ports } = ctx;
  const ec2 = ports.ec2;
  const progress = (t: string) => step.update(t);
  const id = action.id;
  const call = <T>(op: string, send: () => Promise<T>) =>
    ctx.call(action, op, { send, alreadyDone: networkGone }, progress);
  switch (action.kind) {
    case 'vpcEndpoint': {
      const out = await call('ec2:DeleteVpcEndpoints', () => ec2.deleteVpcEndpoints({ VpcEndpointIds: [id] }));
      // EC2 reports per-endpoint failures in the answer instead of failing the call.
      const failed = out?.Unsuccessful?.find(
        (u) => u.Error?.Code !== 'InvalidVpcEndpoint.NotFound' && u.Error?.Code !== 'InvalidVpcEndpointId.NotFound',
      );
      if (failed !== undefined)
        throw new CosignerError(
          'AWS_SERVICE_ERROR',
          `EC2 did not delete ${id}: ${failed.Error?.Code ?? '?'} ${failed.Error?.Message ?? ''}`.trim(),
          { hint: 'run destroy again' },
        );
      await ctx.waitFor(`${id} to be deleted`, step, async () => {
        const state = (await ec2.describeVpcEndpoints({ VpcEndpointIds: [id] }).catch(absent))?.VpcEndpoints?.[0]
          ?.State;
        return state === undefined || String(state).toLowerCase() === 'deleted';
      });
      return;
    }
    case 'natGateway': {
      await call('ec2:DeleteNatGateway', () => ec2.deleteNatGateway({ NatGatewayId: id }));
      await ctx.waitFor(`${id} to be deleted`, step, async () => {
        const state = (await ec2.describeNatGateways({ NatGatewayIds: [id] }).catch(absent))?.NatGateways?.[0]?.State;
        return state === undefined || state === 'deleted';
      });
      return;
    }
    case 'routeTable':
      for (const op of action.ops.filter((o) => o.op === 'ec2:DisassociateRouteTable')) {
        await call(op.op, () => ec2.disassociateRouteTable({ AssociationId: op.data?.['associationId'] as string }));
      }
      await untilFree(ctx, `${id} to be free`, step, () =>
        call('ec2:DeleteRouteTable', () => ec2.deleteRouteTable({ RouteTableId: id })),
      );
      return;
    case 'internetGateway': {
      const vpcId = action.ops.find((o) => o.op === 'ec2:DetachInternetGateway')?.data?.['vpcId'] as string | undefined;
      // Refused while the VPC still maps public addresses (a NAT gateway not yet deleted).
      if (vpcId !== undefined)
        await untilFree(ctx, `${vpcId} to release its public addresses`, step, () =>
          call('ec2:DetachInternetGateway', () => ec2.detachInternetGateway({ InternetGatewayId: id, VpcId: vpcId })),
        );
      await call('ec2:DeleteInternetGateway', () => ec2.deleteInternetGateway({ InternetGatewayId: id }));
      return;
    }
    case 'address':
      await untilFree(ctx, `${id} to be released by its NAT gateway`, step, () =>
        call('ec2:ReleaseAddress', () => ec2.releaseAddress({ AllocationId: id })),
      );
      return;
    case 'subnet':
      await untilFree(ctx, `${id} to be free of network interfaces`, step, () =>
        call('ec2:DeleteSubnet', () => ec2.deleteSubnet({ SubnetId: id })),
      );
      return;
    case 'vpc':
      await untilFree(ctx, `${id} to be empty`, step, () => call('ec2:DeleteVpc', () => ec2.deleteVpc({ VpcId: id })));
      return;
    default:
      return;
  }
}
