import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runInit, type InitOptions } from '../../src/commands/init.js';
import { TestIoHost } from '../helpers/test-io-host.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-init-'));
  path = join(dir, 'cosigner.json');
});

const options = (over: Partial<InitOptions> = {}): InitOptions => ({
  path,
  printSchema: false,
  force: false,
  flags: {},
  env: {},
  ...over,
});
const PCR = 'ab'.repeat(48);

describe('init wizard', () => {
  it('asks name, environment, region and instance type, then writes the file', async () => {
    const io = new TestIoHost({ answers: ['treasury', 'eu', 'eu-west-1', 'c5a.xlarge', 'existing'] });
    const result = await runInit(options(), { io });
    expect(io.prompts.map((p) => p.flag)).toEqual([
      '--name',
      '--fb-env',
      '--region',
      '--instance-type',
      '--network-mode',
    ]);
    expect(result).toMatchObject({ kind: 'config', created: true, written: true });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({
      schemaVersion: 1,
      name: 'treasury',
      fireblocks: { env: 'eu' },
      aws: { region: 'eu-west-1' },
      instance: { type: 'c5a.xlarge' },
    });
    expect(io.texts('info')[0]).toContain('co-signer treasury: Fireblocks eu, region eu-west-1');
  });

  it('asks for PCR8 only for a custom environment, and validates every answer', async () => {
    const io = new TestIoHost({
      answers: ['alpha', 'custom', PCR.toUpperCase(), 'us-east-1', 'c5.xlarge', 'existing'],
    });
    await runInit(options(), { io });
    expect(io.prompts.map((p) => p.flag)).toEqual([
      '--name',
      '--fb-env',
      '--pcr8',
      '--region',
      '--instance-type',
      '--network-mode',
    ]);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ fireblocks: { env: 'custom', pcr8: PCR } });
    const nameCheck = io.prompts[0];
    expect(nameCheck?.kind === 'text' && nameCheck.validate?.('Bad Name')).toMatch(/a-z/);
    const pcrCheck = io.prompts[2];
    expect(pcrCheck?.kind === 'text' && pcrCheck.validate?.('abc')).toMatch(/96 hexadecimal/);
    const regionCheck = io.prompts[3];
    expect(regionCheck?.kind === 'text' && regionCheck.validate?.('mars-1')).toMatch(/AWS region/);
  });

  it('skips questions answered by env vars and by the global --region', async () => {
    const io = new TestIoHost({ answers: ['alpha', 'c5.xlarge'] });
    await runInit(
      options({
        flags: { region: 'eu-central-2' },
        env: { COSIGNER_FB_ENV: 'swiss', COSIGNER_NETWORK_MODE: 'managed' },
      }),
      { io },
    );
    expect(io.prompts.map((p) => p.flag)).toEqual(['--name', '--instance-type']);
  });

  it('asks nothing on a terminal when setting flags are given: their values, defaults for the rest', async () => {
    let discovered = false;
    const io = new TestIoHost({ interactive: true, answers: [] });
    const result = await runInit(options({ flags: { name: 'demo', fbEnv: 'global', region: 'us-east-1' } }), {
      io,
      discover: () => {
        discovered = true;
        return Promise.resolve(undefined);
      },
    });
    expect(io.prompts).toEqual([]);
    expect(discovered).toBe(false);
    expect(result).toMatchObject({
      written: true,
      config: { name: 'demo', aws: { region: 'us-east-1' }, instance: { type: 'c5.xlarge' } },
    });
  });

  it('with flags still asks, on a terminal, for a required value they leave out, and keeps the answer', async () => {
    const io = new TestIoHost({ answers: [PCR] });
    const result = await runInit(options({ flags: { name: 'alpha', fbEnv: 'custom' } }), { io });
    expect(io.prompts.map((p) => p.flag)).toEqual(['--pcr8']);
    expect(result).toMatchObject({ config: { fireblocks: { env: 'custom', pcr8: [PCR] } } });
    const named = new TestIoHost({ interactive: true, assumeYes: true, answers: ['beta'] });
    await expect(
      runInit(options({ path: join(dir, 'b.json'), flags: { fbEnv: 'eu' } }), { io: named }),
    ).resolves.toMatchObject({ config: { name: 'beta' } });
  });

  it('without a terminal names the flag of a missing required value', async () => {
    await expect(
      runInit(options({ flags: { name: 'alpha', fbEnv: 'custom' } }), { io: new TestIoHost() }),
    ).rejects.toMatchObject({ code: 'INPUT_REQUIRED', context: { flag: '--pcr8' } });
  });

  it('offers the existing file as defaults and shows the diff before overwriting', async () => {
    await writeFile(path, JSON.stringify({ schemaVersion: 1, name: 'alpha', aws: { region: 'us-east-1' } }));
    const io = new TestIoHost({
      answers: [
        (p) => String(p.default),
        (p) => String(p.default),
        'us-west-2',
        (p) => String(p.default),
        (p) => String(p.default),
        true,
      ],
    });
    const result = await runInit(options(), { io });
    expect(io.prompts[0]?.default).toBe('alpha');
    expect(io.prompts[2]?.default).toBe('us-east-1');
    expect(result).toMatchObject({
      written: true,
      created: false,
      changes: [{ path: 'aws.region', before: 'us-east-1', after: 'us-west-2' }],
    });
    expect(io.texts('info')).toContain('  aws.region: "us-east-1" → "us-west-2"');
    expect(io.confirmations).toEqual([`overwrite ${path} with 1 change(s)?`]);
  });

  it('writes nothing when the user declines the overwrite', async () => {
    const before = JSON.stringify({ schemaVersion: 1, name: 'alpha' });
    await writeFile(path, before);
    const io = new TestIoHost({ answers: ['beta', 'global', 'us-east-1', 'c5.xlarge', 'existing', false] });
    await expect(runInit(options(), { io })).toThrowCosignerError('ABORTED');
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('writes nothing when the wizard is aborted midway (Ctrl-C)', async () => {
    const io = new TestIoHost({ answers: ['alpha'] }); // runs out of answers at the second question
    await expect(runInit(options(), { io })).toThrowCosignerError('ABORTED');
    await expect(readFile(path, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is a no-op when nothing changed', async () => {
    const io = new TestIoHost({ assumeYes: true });
    await runInit(options({ flags: { name: 'alpha' } }), { io });
    const again = await runInit(options({ flags: { name: 'alpha' } }), { io: new TestIoHost() });
    expect(again).toMatchObject({ written: false, changes: [] });
  });

  it('with --force starts from defaults instead of the existing file', async () => {
    await writeFile(path, JSON.stringify({ schemaVersion: 1, name: 'alpha', instance: { type: 'c5a.xlarge' } }));
    const result = await runInit(options({ force: true, flags: { name: 'alpha' } }), {
      io: new TestIoHost({ assumeYes: true }),
    });
    expect(result).toMatchObject({ written: true, config: { instance: { type: 'c5.xlarge' } } });
  });

  it('rejects an invalid flag value before asking anything', async () => {
    const io = new TestIoHost({ answers: ['x'] });
    await expect(
      runInit(options({ flags: { name: 'alpha', enclaveMemoryMib: '99999' } }), { io }),
    ).toThrowCosignerError('CONFIG_INVALID');
  });
});

describe('init wizard with AWS discovery (sandbox account)', () => {
  it('shows the account, offers the VPCs and only subnets whose zone offers the instance type', async () => {
    const { createAwsPorts } = await import('../../src/aws/ports.js');
    const { discoverAccount } = await import('../../src/commands/init-discovery.js');
    const ports = await createAwsPorts({ sandboxDir: join(dir, 'sandbox'), region: 'us-east-1', env: {} });
    try {
      const discovery = await discoverAccount(ports);
      expect(discovery.offeredTypes).toEqual(['c5.xlarge', 'c5a.xlarge']);
      const defaultVpc = discovery.vpcs.find((v) => v.isDefault);
      expect(defaultVpc).toBeDefined();
      const offered = await ports.ec2.describeInstanceTypeOfferings({
        LocationType: 'availability-zone',
        Filters: [{ Name: 'instance-type', Values: ['c5a.xlarge'] }],
      });
      const zones = new Set(offered.InstanceTypeOfferings?.map((o) => o.Location));
      const subnets = await discovery.subnets(defaultVpc!.id, 'c5a.xlarge');
      expect(subnets.length).toBeGreaterThan(0);
      expect(subnets.every((s) => zones.has(s.zone))).toBe(true);

      const chosen = subnets[0]!.id;
      const io = new TestIoHost({ answers: ['alpha', 'global', 'us-east-1', 'c5a.xlarge', 'existing', '', chosen] });
      await runInit(options(), { io, discover: () => Promise.resolve(discovery) });
      expect(io.prompts.map((p) => p.flag)).toEqual([
        '--name',
        '--fb-env',
        '--region',
        '--instance-type',
        '--network-mode',
        '--vpc-id',
        '--subnet-id',
      ]);
      expect(io.texts('info')[0]).toMatch(/^AWS account \d{12} \(arn:aws:iam::/);
      const vpcPrompt = io.prompts[5];
      expect(vpcPrompt?.kind === 'select' && vpcPrompt.choices[0]?.name).toContain('(default VPC)');
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ network: { subnetId: chosen } });
      expect(
        (JSON.parse(await readFile(path, 'utf8')) as { network: { vpcId?: string } }).network.vpcId,
      ).toBeUndefined();
    } finally {
      ports.destroy();
    }
  });

  it('marks an instance type the region does not offer', async () => {
    const discovery = {
      accountId: '111122223333',
      callerArn: 'arn:aws:iam::111122223333:user/a',
      offeredTypes: ['c5a.xlarge'],
      vpcs: [],
      subnets: () => Promise.resolve([]),
      routesOut: () => Promise.resolve(false),
    };
    const io = new TestIoHost({
      answers: ['alpha', 'global', 'ap-south-2', (p) => String(p.default), (p) => String(p.default)],
    });
    await runInit(options(), { io, discover: () => Promise.resolve(discovery) });
    const typePrompt = io.prompts[3];
    expect(typePrompt?.kind === 'select' && typePrompt.choices.map((c) => c.name)).toEqual([
      'c5.xlarge (not offered in ap-south-2)',
      'c5a.xlarge (where c5.xlarge is not offered)',
    ]);
    expect(typePrompt?.default).toBe('c5a.xlarge');
  });
});

describe('init: the network mode', () => {
  it('explains each mode in one line, says the default VPC has no route out, and skips the VPC for managed', async () => {
    const { createAwsPorts } = await import('../../src/aws/ports.js');
    const { discoverAccount } = await import('../../src/commands/init-discovery.js');
    const ports = await createAwsPorts({ sandboxDir: join(dir, 'sandbox'), region: 'us-east-1', env: {} });
    try {
      const discovery = await discoverAccount(ports);
      // The sandbox's default VPC routes out only through its internet gateway, as AWS's does.
      expect(await discovery.routesOut(discovery.vpcs.find((v) => v.isDefault)!.id)).toBe(false);
      const io = new TestIoHost({ answers: ['alpha', 'global', 'us-east-1', 'c5.xlarge', 'managed'] });
      await runInit(options(), { io, discover: () => Promise.resolve(discovery) });
      const prompt = io.prompts.find((p) => p.flag === '--network-mode');
      expect(prompt?.kind === 'select' && prompt.choices.map((c) => [c.value, c.name])).toEqual([
        [
          'existing',
          'existing — a VPC and subnet of yours that route out through a NAT gateway or similar (the default VPC has none: pick a subnet that does)',
        ],
        [
          'public-ip',
          'public-ip — the host gets a public IPv4 address, still with no inbound rule; about $3.65/month at us-east-1 prices',
        ],
        [
          'managed',
          'managed — provision builds a VPC with a private subnet, a NAT gateway and VPC endpoints; about $65.70/month at us-east-1 prices',
        ],
      ]);
      expect(prompt?.default).toBe('existing');
      // No VPC or subnet question: the managed network is the host's.
      expect(io.prompts.map((p) => p.flag)).not.toContain('--vpc-id');
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ network: { mode: 'managed' } });
    } finally {
      ports.destroy();
    }
  });

  it('counts a NAT gateway as a route out only once its own subnet routes to the internet gateway', async () => {
    const { createAwsPorts } = await import('../../src/aws/ports.js');
    const { discoverAccount } = await import('../../src/commands/init-discovery.js');
    const ports = await createAwsPorts({ sandboxDir: join(dir, 'sandbox'), region: 'us-east-1', env: {} });
    try {
      const ec2 = ports.ec2;
      const vpcId = (await ec2.createVpc({ CidrBlock: '10.40.0.0/16' })).Vpc!.VpcId!;
      const igw = (await ec2.createInternetGateway({})).InternetGateway!.InternetGatewayId!;
      await ec2.attachInternetGateway({ InternetGatewayId: igw, VpcId: vpcId });
      const natHome = (
        await ec2.createSubnet({ VpcId: vpcId, CidrBlock: '10.40.0.0/24', AvailabilityZone: 'us-east-1a' })
      ).Subnet!.SubnetId!;
      const eip = (await ec2.allocateAddress({ Domain: 'vpc' })).AllocationId!;
      const nat = (await ec2.createNatGateway({ SubnetId: natHome, AllocationId: eip })).NatGateway!.NatGatewayId!;
      const hostTable = (await ec2.createRouteTable({ VpcId: vpcId })).RouteTable!.RouteTableId!;
      await ec2.createRoute({ RouteTableId: hostTable, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat });
      const discovery = await discoverAccount(ports);
      // The NAT gateway's subnet keeps the main table (local route only): no way out.
      expect(await discovery.routesOut(vpcId)).toBe(false);
      const natTable = (await ec2.createRouteTable({ VpcId: vpcId })).RouteTable!.RouteTableId!;
      await ec2.createRoute({ RouteTableId: natTable, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw });
      await ec2.associateRouteTable({ RouteTableId: natTable, SubnetId: natHome });
      expect(await discovery.routesOut(vpcId)).toBe(true);
    } finally {
      ports.destroy();
    }
  });

  it('takes --network-mode and COSIGNER_NETWORK_MODE without asking, and refuses an unknown mode', async () => {
    const io = new TestIoHost({ assumeYes: true });
    await runInit(options({ flags: { name: 'alpha', networkMode: 'public-ip' } }), { io });
    expect(io.prompts).toEqual([]);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ network: { mode: 'public-ip' } });
    await runInit(options({ force: true, flags: { name: 'alpha' }, env: { COSIGNER_NETWORK_MODE: 'managed' } }), {
      io: new TestIoHost({ assumeYes: true }),
    });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ network: { mode: 'managed' } });
    await expect(
      runInit(options({ flags: { name: 'alpha', networkMode: 'nat' } }), { io: new TestIoHost({ assumeYes: true }) }),
    ).toThrowCosignerError('CONFIG_INVALID');
  });

  it('rewrites the earlier network.publicIp as network.mode, and drops a subnet when managed is chosen', async () => {
    await writeFile(
      path,
      JSON.stringify({ schemaVersion: 1, name: 'alpha', network: { publicIp: true, subnetId: 'subnet-0abc1234' } }),
    );
    const io = new TestIoHost({
      answers: [
        (p) => String(p.default),
        (p) => String(p.default),
        'us-east-1',
        (p) => String(p.default),
        (p) => {
          expect(p.default).toBe('public-ip');
          return 'managed';
        },
        true,
      ],
    });
    const result = await runInit(options(), { io });
    expect(result).toMatchObject({ written: true });
    const file = JSON.parse(await readFile(path, 'utf8')) as { network: Record<string, unknown> };
    expect(file.network).toEqual({ mode: 'managed' });
  });
});
