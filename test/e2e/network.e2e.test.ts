// The host's way out, end to end on the sandbox. Mode "existing" is refused before any write on
// the default VPC (whose only route out is its internet gateway) and allowed on a subnet routed
// through a NAT gateway; "public-ip" goes through; "managed" builds its own network, converges,
// re-runs with no write, costs what the plan says, and destroy removes it all. The host's group
// keeps exactly one egress rule, also in a VPC with an IPv6 block.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { isCosignerError, type CosignerError } from '../../src/errors.js';
import { planLines } from '../../src/provision/render.js';
import { runProvisionFlow } from '../../src/provision/provision.js';
import { runCli } from '../helpers/run-cli.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import { expectManagedNetwork, expectNoNetwork, natSubnet, networkInventory } from './network-world.js';
import { expectConverged, FAST_RETRY, inventory, makeWorld, REGION, type World } from './world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

async function failure(promise: Promise<unknown>): Promise<CosignerError> {
  try {
    await promise;
  } catch (error) {
    if (isCosignerError(error)) return error;
    throw error;
  }
  throw new Error('expected a coded error');
}

const hostEgress = async (w: World) =>
  inventory(await w.state()).groups[0]!.egress.map((e) => [e.protocol, e.fromPort, e.toPort, e.cidrIpv4 ?? e.cidrIpv6]);

describe('mode existing', () => {
  it('is refused on the default VPC without a public IP, before any write, naming the three ways out', async () => {
    world = await makeWorld({ network: { mode: 'existing' } });
    const error = await failure(world.provision());
    expect(error.code).toBe('NETWORK_NO_EGRESS');
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(
      /^subnet subnet-0[0-9a-f]+ \(the VPC's main route table\) routes 0\.0\.0\.0\/0 through only the internet gateway igw-0[0-9a-f]+: a host without a public IP/,
    );
    for (const choice of ['--network-mode public-ip', '--network-mode managed', '--subnet-id'])
      expect(error.hint).toContain(choice);
    // Nothing was written: no call, no resource.
    const ports = await world.ports();
    expect(ports.writeCalls()).toBe(0);
    const inv = inventory(await world.state());
    expect([inv.roles, inv.buckets, inv.liveKeys, inv.groups, inv.instances].map((list) => list.length)).toEqual([
      0, 0, 0, 0, 0,
    ]);
  });

  it('exits 4 with the refusal in the JSON envelope from the command line', async () => {
    world = await makeWorld();
    const env = { COSIGNER_SANDBOX_IAM_DELAY_MS: '0', COSIGNER_SANDBOX_RETRY_BASE_MS: '0' };
    const argv = ['--sandbox', world.sandboxDir, '--config', join(world.dir, 'cosigner.json'), '--region', REGION];
    expect((await runCli([...argv, 'init', '--name', 'demo', '--non-interactive'], { env })).code).toBe(0);
    const run = await runCli([...argv, 'provision', '--yes', '--json'], { env });
    expect(run.code).toBe(4);
    expect(run.json?.error).toMatchObject({
      code: 'NETWORK_NO_EGRESS',
      hint: expect.stringContaining('--network-mode managed') as unknown,
    });
    // The dry run shows the refused node and the hint.
    const dry = await runCli([...argv, '--no-json', 'provision', '--dry-run'], { env });
    expect(dry.stdout).toContain('! refuse network egress');
    expect(dry.stdout).toContain('NETWORK_NO_EGRESS');
  });

  it('goes through on a subnet routed through a NAT gateway, and the host gets no public IP', async () => {
    world = await makeWorld();
    const { subnetId } = await natSubnet(await world.ports());
    const config = validateConfig({ name: 'demo', aws: { region: REGION }, network: { subnetId } }, 'test');
    const run = await world.provision({ config });
    expect(run.mode).toBe('applied');
    expect(run.plan.actions.find((a) => a.node === 'network')?.reasons[0]).toMatch(
      /routes 0\.0\.0\.0\/0 through the NAT gateway nat-0/,
    );
    expect(run.plan.cost).toBeUndefined();
    expectConverged(await world.state(), 'demo', { publicIp: false });
    expect(inventory(await world.state()).instances[0]!.subnetId).toBe(subnetId);
  });

  it('leaves the host group one egress rule in a VPC with an IPv6 block (its IPv6 allow-all revoked too)', async () => {
    world = await makeWorld();
    const { vpcId, subnetId } = await natSubnet(await world.ports(), { ipv6: true });
    const config = validateConfig({ name: 'demo', aws: { region: REGION }, network: { vpcId, subnetId } }, 'test');
    await world.provision({ config });
    expect(await hostEgress(world)).toEqual([['tcp', 443, 443, '0.0.0.0/0']]);
    expectConverged(await world.state(), 'demo', { publicIp: false });
    // And a re-run finds nothing to change.
    expect((await world.provision({ config })).mode).toBe('up-to-date');
  });
});

describe('mode public-ip', () => {
  it('goes through on the default VPC: a public IP, still no ingress, one egress rule, and its cost', async () => {
    world = await makeWorld({ network: { mode: 'public-ip' } });
    const run = await world.provision();
    expect(run.mode).toBe('applied');
    expect(run.plan.actions.find((a) => a.node === 'network')?.reasons[0]).toContain('the host gets a public IP');
    expect(run.plan.cost?.monthlyUsd).toBe(3.65);
    expectConverged(await world.state(), 'demo', { publicIp: true });
    expect(inventory(await world.state()).groups[0]!.ingress).toEqual([]);
    expect(await hostEgress(world)).toEqual([['tcp', 443, 443, '0.0.0.0/0']]);
  });
});

describe('mode managed', () => {
  it('plans the whole network with its monthly cost, and writes nothing on a dry run', async () => {
    world = await makeWorld({ network: { mode: 'managed' } });
    const dry = await world.provision({ request: { dryRun: true } });
    const network = dry.plan.actions.find((a) => a.node === 'network')!;
    expect(network.kind).toBe('create');
    expect(network.rounds.map((round) => round.map((op) => op.op))).toEqual([
      ['ec2:CreateVpc', 'ec2:CreateInternetGateway', 'ec2:AllocateAddress'],
      [
        'ec2:ModifyVpcAttribute',
        'ec2:CreateSubnet',
        'ec2:CreateSubnet',
        'ec2:AttachInternetGateway',
        'ec2:CreateRouteTable',
        'ec2:CreateRouteTable',
        'ec2:CreateSecurityGroup',
      ],
      [
        'ec2:AssociateRouteTable',
        'ec2:AssociateRouteTable',
        'ec2:CreateRoute',
        'ec2:CreateNatGateway',
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupEgress',
        'ec2:CreateVpcEndpoint',
        'ec2:CreateVpcEndpoint',
        'ec2:CreateVpcEndpoint',
        'ec2:CreateVpcEndpoint',
        'ec2:CreateVpcEndpoint',
      ],
      ['ec2:CreateRoute'],
    ]);
    // NAT gateway $0.045/h + its public IPv4 $0.005/h + 4 interface endpoints × 1 AZ × $0.01/h, 730 h.
    expect(dry.plan.cost).toMatchObject({
      monthlyUsd: 65.7,
      items: [{ monthlyUsd: 32.85 }, { monthlyUsd: 3.65 }, { monthlyUsd: 29.2 }, { monthlyUsd: 0 }],
    });
    const text = planLines(dry.plan).join('\n');
    expect(text).toContain('cost: about $65.70/month (NAT gateway $32.85');
    expect(text).toContain('4 interface endpoints × 1 AZ $29.20');
    expect(text).toContain('$0.045/GB through the NAT gateway');
    expect(text).toContain('us-east-1 list prices; other regions differ');
    expect(dry.ports.writeCalls()).toBe(0);
    expectNoNetwork(await world.state());
  });

  it('creates everything once, re-runs with no write, and destroy removes it all', async () => {
    world = await makeWorld({ network: { mode: 'managed' } });
    const first = await world.provision();
    expect(first.mode).toBe('applied');
    const state = await world.state();
    expectConverged(state, 'demo', { publicIp: false });
    expectManagedNetwork(state);
    expect(await hostEgress(world)).toEqual([['tcp', 443, 443, '0.0.0.0/0']]);

    const again = await world.provision();
    expect(again.mode).toBe('up-to-date');
    expect(again.ports.writeCalls()).toBe(0);
    expect(again.plan.actions.find((a) => a.node === 'network')?.kind).toBe('noop');

    const destroyed = await world.destroy();
    expect(destroyed.mode).toBe('destroyed');
    const kinds = destroyed.plan.actions.map((a) => a.kind);
    // Reverse order of creation: the host and what holds addresses first, the VPC last of the network.
    expect(kinds.indexOf('natGateway')).toBeLessThan(kinds.indexOf('address'));
    expect(kinds.indexOf('vpcEndpoint')).toBeLessThan(kinds.indexOf('securityGroup'));
    expect(kinds.indexOf('subnet')).toBeLessThan(kinds.indexOf('vpc'));
    expectNoNetwork(await world.state());
    const inv = inventory(await world.state());
    expect([inv.roles.length, inv.profiles.length, inv.instances.length]).toEqual([0, 0, 0]);
  });

  it('waits out EC2 eventual consistency: a part made a moment ago and unknown to the next call', async () => {
    world = await makeWorld({ network: { mode: 'managed' } });
    const ports = await world.ports();
    const unknownOnce = (name: string, message: string) =>
      Object.assign(new Error(message), { name, Code: name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
    let subnetCalls = 0;
    let natReads = 0;
    // EC2 answers as it does right after a create, once for each: the VPC, then the NAT gateway.
    const ec2 = new Proxy(ports.ec2, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as (input: unknown) => Promise<unknown>;
        if (property === 'createSubnet')
          return (input: unknown) =>
            subnetCalls++ === 0
              ? Promise.reject(unknownOnce('InvalidVpcID.NotFound', 'The vpc ID does not exist'))
              : value.call(target, input);
        if (property === 'describeNatGateways')
          return (input: { NatGatewayIds?: string[] }) =>
            input.NatGatewayIds !== undefined && natReads++ === 0
              ? Promise.reject(unknownOnce('NatGatewayNotFound', 'NAT gateway was not found'))
              : value.call(target, input);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const io = new TestIoHost({ assumeYes: true });
    const outcome = await runProvisionFlow(
      { dryRun: false, resume: false },
      {
        ports: { ...ports, ec2 },
        io,
        config: world.config,
        configPath: join(world.dir, 'cosigner.json'),
        now: () => new Date(),
        retry: { ...FAST_RETRY, waitPollMs: 1 },
      },
    );
    expect(outcome.mode).toBe('applied');
    expect(subnetCalls).toBe(3);
    expect(natReads).toBeGreaterThan(1);
    expect(
      io.texts('info').some((t) => /waiting for EC2 to see vpc-0[0-9a-f]+ \(EC2 eventual consistency/.test(t)),
    ).toBe(true);
    expectManagedNetwork(await world.state());
  });

  it('finishes what a run interrupted half-way made, with nothing made twice (every call: network-faults.e2e)', async () => {
    world = await makeWorld({ network: { mode: 'managed' } });
    const probe = await makeWorld({ network: { mode: 'managed' } });
    const crashAt = await probe
      .provision({ concurrency: 1 })
      .then((clean) => clean.ports.writeCalls())
      .finally(() => probe.cleanup());
    expect(crashAt).toBeGreaterThan(30);
    await expect(
      world.provision({ knobs: { crash: { when: 'after', writeCall: Math.floor(crashAt / 2) } }, concurrency: 1 }),
    ).toThrowCosignerError('SANDBOX_CRASH');
    const resumed = await world.provision({ request: { resume: true } });
    expect(resumed.mode).toBe('applied');
    expectManagedNetwork(await world.state());
    expect(networkInventory(await world.state()).vpcs).toHaveLength(1);
  });
});
