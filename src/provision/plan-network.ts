/**
 * Planning of the network node. Modes "existing" and "public-ip": a check, before any write, that
 * the host's subnet has a way out for a host with (or without) a public IP; a host that would
 * have none is refused with NETWORK_NO_EGRESS. Mode "managed": the co-signer's own VPC, made or
 * completed part by part in four rounds (what an interrupted run made is found by its tags and
 * kept): VPC, internet gateway and Elastic IP; DNS hostnames, subnets, gateway attachment, route
 * tables and the endpoints' security group; associations, the public default route, the NAT
 * gateway, the endpoints' rules and the VPC endpoints; last the private default route to the NAT
 * gateway (once it is available). Pure.
 */
import { describeTarget, isEgressPath, natProblem, type RouteTarget } from './egress.js';
import { GATEWAY_SERVICES, INTERFACE_SERVICES, type EndpointService, type NetworkPart } from './network-model.js';
import type { ObservedManagedNetwork } from './observed-network.js';
import { atomicRules, describeRule, ourInstances, type AtomicRule } from './plan-ec2.js';
import { base, existing, refuse, type PlanInput } from './plan-nodes.js';
import type { PlannedAction, PlannedOp } from './plan-types.js';

/** The ids of the managed network's parts (and endpoints, as `endpoint:<service>`) apply uses. */
export type NetworkIds = Partial<Record<NetworkPart | `endpoint:${EndpointService}`, string>>;

export function planNetwork(input: PlanInput, instanceNeeded: boolean): PlannedAction {
  return input.desired.network.mode === 'managed' ? planManaged(input) : planEgress(input, instanceNeeded);
}

/** The egress check of an existing subnet (modes "existing" and "public-ip"). */
function planEgress({ desired, observed }: PlanInput, instanceNeeded: boolean): PlannedAction {
  const b = base('network', 'network egress');
  const network = observed.network;
  const route = network.routeOut;
  const publicIp = desired.instance.publicIp;
  if (route === undefined || network.subnetId === undefined)
    return { ...b, kind: 'noop', reasons: ['no subnet to check (see the host)'], rounds: [] };
  const table = route.main ? "the VPC's main route table" : `route table ${route.routeTableId ?? '?'}`;
  const how =
    route.target.kind === 'split'
      ? `routes the internet in parts: ${describeTarget(route.target)}`
      : `routes 0.0.0.0/0 through ${describeTarget(route.target)}`;
  const where = `subnet ${network.subnetId} (${table}) ${how}`;
  if (isEgressPath(route.target, publicIp)) {
    return { ...b, kind: 'noop', reasons: [`${where}${publicIp ? '; the host gets a public IP' : ''}`], rounds: [] };
  }
  const problem = `${where}: a host ${publicIp ? 'even with' : 'without'} a public IP there cannot install its packages, register with SSM (its only way in) or reach Fireblocks`;
  // A host that exists already is never replaced: say so, refuse nothing else.
  if (!instanceNeeded) return { ...b, kind: 'noop', reasons: [where], notes: [problem], rounds: [] };
  const choices = publicIp
    ? 'add a default route to an internet gateway or NAT gateway to that subnet, choose another subnet (--subnet-id), or let provision build the network (--network-mode managed)'
    : 'give the host a public IP (--network-mode public-ip), let provision build a VPC with a NAT gateway and VPC endpoints (--network-mode managed), or choose a subnet with a NAT route (--subnet-id)';
  return refuse(b, 'NETWORK_NO_EGRESS', problem, [...natFixes(route.target), choices].join('; or '));
}

/** How to give each NAT gateway the subnet routes to a way out, when that is what it lacks. */
function natFixes(target: RouteTarget): string[] {
  const nats = target.kind === 'split' ? target.parts.map((p) => p.target) : [target];
  return nats.flatMap((t) => {
    if (t.kind !== 'nat' || t.nat === undefined || natProblem(t) === undefined) return [];
    const nat = t.nat;
    if (nat.connectivityType !== 'public') return [`route the subnet through a public NAT gateway instead of ${t.id}`];
    if (nat.state !== 'available') return nat.state === 'pending' ? [`wait until ${t.id} is available`] : [];
    const subnet = nat.subnetId ?? '?';
    // Changing the main table would change every subnet that uses it, perhaps the host's too.
    if (nat.mainTable)
      return [
        `give the NAT gateway's own subnet ${subnet} a route table of its own with 0.0.0.0/0 to the VPC's internet gateway (aws ec2 create-route-table, create-route, associate-route-table)`,
      ];
    const verb = nat.hasDefaultRoute ? 'replace-route' : 'create-route';
    return [
      `route 0.0.0.0/0 of the NAT gateway's own subnet ${subnet} to the VPC's internet gateway (aws ec2 ${verb} --route-table-id ${nat.routeTableId ?? '<its route table>'} --destination-cidr-block 0.0.0.0/0 --gateway-id <the internet gateway's id>)`,
    ];
  });
}

const op = (name: PlannedOp['op'], detail: string, data: Record<string, unknown>): PlannedOp => ({
  op: name,
  detail,
  data,
});

function planManaged({ desired, observed }: PlanInput): PlannedAction {
  const spec = desired.network.managed!;
  const m: ObservedManagedNetwork = observed.network.managed ?? { endpoints: {}, extras: [] };
  const b = base('network', `managed network ${spec.names.vpc}`);
  const zone = m.privateSubnet?.zone ?? observed.network.availabilityZone;
  if (zone === undefined)
    return refuse(
      b,
      'INSTANCE_TYPE_UNAVAILABLE',
      `${desired.instance.type} is not offered in any zone of ${desired.region}`,
      'choose another instance type (--instance-type) or region',
    );
  const reasons: string[] = [];
  const notes =
    m.extras.length > 0 ? [`parts made twice by retried calls: ${m.extras.join(', ')}; destroy removes them`] : [];
  // A host is never moved: one launched before the mode was managed stays where it is.
  const host = ourInstances(desired, observed.instances)[0];
  if (host !== undefined && host.subnetId !== undefined && host.subnetId !== m.privateSubnet?.id) {
    notes.push(
      `the host ${host.instanceId} runs in ${host.subnetId}, outside the managed network; it is never moved: destroy and provision again to move it`,
    );
  }
  const rounds: PlannedOp[][] = [[], [], [], []];
  const [first, second, third, fourth] = rounds as [PlannedOp[], PlannedOp[], PlannedOp[], PlannedOp[]];
  const missing = (what: string) => reasons.push(`${what} does not exist`);

  // Round 1: what needs nothing else.
  if (m.vpc === undefined) {
    missing('the VPC');
    first.push(op('ec2:CreateVpc', `${spec.cidr}, tagged ${spec.names.vpc}`, { part: 'vpc', cidr: spec.cidr }));
  } else if (!m.vpc.dnsSupport) {
    reasons.push('DNS resolution is off in the VPC');
    first.push(op('ec2:ModifyVpcAttribute', 'turn DNS resolution on', { attribute: 'enableDnsSupport' }));
  }
  if (m.igw === undefined) {
    missing('the internet gateway');
    first.push(op('ec2:CreateInternetGateway', spec.names.igw, { part: 'igw' }));
  }
  if (m.eip === undefined) {
    missing("the NAT gateway's Elastic IP");
    first.push(op('ec2:AllocateAddress', `Elastic IP for the NAT gateway (${spec.names.eip})`, { part: 'eip' }));
  }

  // Round 2: what lives in the VPC.
  if (m.vpc?.dnsHostnames !== true) {
    if (m.vpc !== undefined) reasons.push('DNS hostnames are off in the VPC');
    second.push(
      op('ec2:ModifyVpcAttribute', "turn DNS hostnames on (the endpoints' private DNS needs them)", {
        attribute: 'enableDnsHostnames',
      }),
    );
  }
  for (const [part, cidr, what] of [
    ['public-subnet', spec.publicCidr, 'the public subnet (NAT gateway)'],
    ['private-subnet', spec.privateCidr, 'the private subnet (host and endpoints)'],
  ] as const) {
    if ((part === 'public-subnet' ? m.publicSubnet : m.privateSubnet) !== undefined) continue;
    missing(what);
    second.push(op('ec2:CreateSubnet', `${what}: ${cidr} in ${zone}`, { part, cidr, zone }));
  }
  if (m.vpc === undefined || m.igw?.vpcId !== m.vpc.id) {
    if (m.igw !== undefined && m.igw.vpcId !== undefined && m.igw.vpcId !== m.vpc?.id) {
      return refuse(
        { ...b, notes },
        'PLAN_REFUSED',
        `the internet gateway ${m.igw.id} of this co-signer is attached to ${m.igw.vpcId}, not to its VPC`,
        `detach it (aws ec2 detach-internet-gateway --internet-gateway-id ${m.igw.id} --vpc-id ${m.igw.vpcId}) and run provision again`,
      );
    }
    if (m.igw !== undefined) reasons.push('the internet gateway is not attached');
    second.push(op('ec2:AttachInternetGateway', 'attach the internet gateway to the VPC', { part: 'igw' }));
  }
  for (const part of ['public-rt', 'private-rt'] as const) {
    if ((part === 'public-rt' ? m.publicRt : m.privateRt) !== undefined) continue;
    missing(`the ${part === 'public-rt' ? 'public' : 'private'} route table`);
    second.push(op('ec2:CreateRouteTable', spec.names[part], { part }));
  }
  if (m.endpointGroup === undefined) {
    missing("the endpoints' security group");
    second.push(
      op('ec2:CreateSecurityGroup', `${spec.names['endpoint-sg']}: HTTPS from ${spec.cidr} only`, {
        part: 'endpoint-sg',
      }),
    );
  }

  // Round 3: associations, the public route, the NAT gateway, the endpoints and their rules.
  for (const [table, subnet, label] of [
    [m.publicRt, m.publicSubnet, 'public'],
    [m.privateRt, m.privateSubnet, 'private'],
  ] as const) {
    if (table !== undefined && subnet !== undefined && table.subnetIds.includes(subnet.id)) continue;
    if (table !== undefined && subnet !== undefined)
      reasons.push(`the ${label} route table is not associated with its subnet`);
    third.push(
      op('ec2:AssociateRouteTable', `${label} route table → ${label} subnet`, {
        part: `${label}-rt`,
        subnet: `${label}-subnet`,
      }),
    );
  }
  const publicRoute = m.publicRt?.defaultRoute;
  if (publicRoute === undefined || publicRoute.kind !== 'igw' || publicRoute.id !== m.igw?.id) {
    if (publicRoute !== undefined)
      reasons.push(`the public subnet routes 0.0.0.0/0 through ${describeTarget(publicRoute)}`);
    third.push(
      op(
        publicRoute === undefined || publicRoute.kind === 'none' ? 'ec2:CreateRoute' : 'ec2:ReplaceRoute',
        'public route table: 0.0.0.0/0 → internet gateway',
        { part: 'public-rt', target: 'igw' },
      ),
    );
  }
  if (m.nat === undefined) {
    missing('the NAT gateway');
    third.push(
      op('ec2:CreateNatGateway', `${spec.names.nat} in the public subnet, with the Elastic IP`, { part: 'nat' }),
    );
  }
  third.push(...endpointGroupOps(spec.cidr, m, reasons));
  for (const service of [...GATEWAY_SERVICES, ...INTERFACE_SERVICES]) {
    const found = m.endpoints[service];
    const gateway = (GATEWAY_SERVICES as readonly string[]).includes(service);
    if (found === undefined) {
      missing(`the ${service} endpoint`);
      third.push(
        op(
          'ec2:CreateVpcEndpoint',
          gateway
            ? `${service} gateway endpoint on the private route table (free)`
            : `${service} interface endpoint in the private subnet, private DNS on`,
          { service, type: gateway ? 'Gateway' : 'Interface' },
        ),
      );
    } else if (gateway && m.privateRt !== undefined && !found.routeTableIds.includes(m.privateRt.id)) {
      notes.push(
        `the ${service} gateway endpoint ${found.id} is not on the private route table ${m.privateRt.id}; add it (aws ec2 modify-vpc-endpoint --add-route-table-ids)`,
      );
    }
  }

  // Round 4: the private subnet's way out, once the NAT gateway carries traffic.
  const privateRoute = m.privateRt?.defaultRoute;
  if (privateRoute === undefined || privateRoute.kind !== 'nat' || privateRoute.id !== m.nat?.id) {
    if (privateRoute !== undefined)
      reasons.push(`the private subnet routes 0.0.0.0/0 through ${describeTarget(privateRoute)}`);
    fourth.push(
      op(
        privateRoute === undefined || privateRoute.kind === 'none' ? 'ec2:CreateRoute' : 'ec2:ReplaceRoute',
        'private route table: 0.0.0.0/0 → NAT gateway (once it is available)',
        { part: 'private-rt', target: 'nat' },
      ),
    );
  }

  if (m.vpc === undefined)
    return {
      ...b,
      notes,
      kind: 'create',
      reasons: ['the managed network does not exist'],
      rounds: rounds.filter((r) => r.length > 0),
    };
  return existing({ ...b, notes }, m.vpc.id, reasons, rounds);
}

/** The endpoints' group: ingress TCP 443 from the VPC only, no egress (endpoints answer, never call). */
function endpointGroupOps(cidr: string, m: ObservedManagedNetwork, reasons: string[]): PlannedOp[] {
  const want: AtomicRule = { protocol: 'tcp', fromPort: 443, toPort: 443, peer: { kind: 'ipv4', value: cidr } };
  const group = m.endpointGroup;
  const same = (a: AtomicRule) =>
    a.protocol === want.protocol &&
    a.fromPort === want.fromPort &&
    a.toPort === want.toPort &&
    a.peer.kind === want.peer.kind &&
    a.peer.value === want.peer.value;
  const ops: PlannedOp[] = [];
  const ingress = group === undefined ? [] : atomicRules(group.ingress);
  const extra = ingress.filter((r) => !same(r));
  if (extra.length > 0) {
    reasons.push(`the endpoints' group allows ${extra.map(describeRule).join('; ')}`);
    ops.push(
      op('ec2:RevokeSecurityGroupIngress', "endpoints' group: remove other ingress", {
        part: 'endpoint-sg',
        rules: extra,
      }),
    );
  }
  if (!ingress.some(same)) {
    if (group !== undefined) reasons.push("the endpoints' group does not admit HTTPS from the VPC");
    ops.push(
      op('ec2:AuthorizeSecurityGroupIngress', `endpoints' group: allow ${describeRule(want)} in`, {
        part: 'endpoint-sg',
        rules: [want],
      }),
    );
  }
  // A new group allows all egress (IPv6 too in an IPv6 VPC): the handler reads and revokes all of it.
  if (group === undefined || group.egress.length > 0) {
    if (group !== undefined) reasons.push("the endpoints' group allows egress");
    ops.push(
      op('ec2:RevokeSecurityGroupEgress', "endpoints' group: remove every egress rule", {
        part: 'endpoint-sg',
        keep: [],
      }),
    );
  }
  return ops;
}

/** The ids of what exists of the managed network, for apply. */
export function networkIds(m: ObservedManagedNetwork): NetworkIds {
  const ids: NetworkIds = {};
  const set = (key: keyof NetworkIds, id: string | undefined) => {
    if (id !== undefined) ids[key] = id;
  };
  set('vpc', m.vpc?.id);
  set('igw', m.igw?.id);
  set('eip', m.eip?.id);
  set('public-subnet', m.publicSubnet?.id);
  set('private-subnet', m.privateSubnet?.id);
  set('nat', m.nat?.id);
  set('public-rt', m.publicRt?.id);
  set('private-rt', m.privateRt?.id);
  set('endpoint-sg', m.endpointGroup?.id);
  for (const [service, endpoint] of Object.entries(m.endpoints))
    set(`endpoint:${service as EndpointService}`, endpoint.id);
  return ids;
}
