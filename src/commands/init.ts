/**
 * `init`: create or update the config file. On a terminal, `init` without setting flags is a short
 * wizard that asks only what has no env var or existing value. Setting flags (`--name`, `--fb-env`,
 * …) mean "these values, defaults for the rest": only a required value that is still missing is
 * asked (and without a terminal it is INPUT_REQUIRED naming its flag), so a scripted `init` with
 * flags never stops at a question. It validates every answer, shows a summary and the diff against
 * an existing file, and writes atomically.
 */
import { nextCommand, type CommandContext, type Invocation } from '../command-kit.js';
import { diffConfigs, type ConfigChange } from '../config/diff.js';
import {
  envLayer,
  flagLayer,
  mergeLayers,
  readConfigFile,
  resolveConfigPath,
  validateConfig,
  type ConfigLayer,
} from '../config/load.js';
import { saveConfig } from '../config/save.js';
import {
  configJsonSchema,
  FIREBLOCKS_ENVS,
  INSTANCE_TYPES,
  nameSchema,
  NETWORK_MODES,
  pcrSchema,
  type CosignerConfig,
  type NetworkMode,
} from '../config/schema.js';
import { SETTINGS } from '../config/settings.js';
import { isCosignerError } from '../errors.js';
import type { IoHost } from '../io/io-host.js';
import { networkCost } from '../provision/network-model.js';
import { escapeControl } from '../io/safe-text.js';
import type { Style } from '../io/style.js';
import { shortPCR8 } from '../policy/pcr8.js';
import type { Discovery } from './init-discovery.js';

export interface InitOptions {
  /** Where the config is written. */
  path: string;
  printSchema: boolean;
  /** Start from defaults instead of the existing file. */
  force: boolean;
  /** Settings from flags (commander values, keyed as in SETTINGS). */
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
}

export type InitResult =
  | { kind: 'schema'; schema: Record<string, unknown> }
  | {
      kind: 'config';
      path: string;
      created: boolean;
      written: boolean;
      changes: ConfigChange[];
      config: CosignerConfig;
    };

export interface InitDeps {
  io: IoHost;
  save?: (path: string, config: CosignerConfig) => Promise<void>;
  /**
   * What the account offers in a region (caller, instance types, VPCs, subnets); `undefined` when
   * no credentials are available, and the wizard then works offline.
   */
  discover?: (region: string) => Promise<Discovery | undefined>;
}

export function parseOptions(invocation: Invocation): InitOptions {
  const { opts, globals, env } = invocation;
  return {
    path: resolveConfigPath(globals.config, env, invocation.cwd),
    printSchema: Boolean(opts.printSchema),
    force: Boolean(opts.force),
    flags: opts,
    env,
  };
}

const REGION_RE = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;

function check(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }) {
  return (value: string): string | true => {
    const parsed = schema.safeParse(value);
    return parsed.success ? true : (parsed.error?.issues[0]?.message ?? 'invalid value');
  };
}

function get(layer: ConfigLayer, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as ConfigLayer)[key] : undefined), layer);
}

function set(layer: ConfigLayer, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = layer;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as ConfigLayer;
  node[keys.at(-1)!] = value;
}

/**
 * The wizard's questions, in order. Each is asked only when neither a flag nor an env var set it;
 * an existing file's value (or the default) is offered as the default answer.
 */
async function ask(
  io: IoHost,
  given: ConfigLayer,
  base: ConfigLayer,
  env: NodeJS.ProcessEnv,
  discover: InitDeps['discover'],
): Promise<ConfigLayer> {
  const answers: ConfigLayer = {};
  const has = (path: string) => get(given, path) !== undefined;
  const current = (path: string) => get(base, path);

  if (!has('name')) {
    const name = current('name') as string | undefined;
    set(
      answers,
      'name',
      await io.request({
        kind: 'text',
        message: 'Co-signer name (prefixes every resource)',
        flag: '--name',
        ...(name ? { default: name } : {}),
        validate: check(nameSchema),
      }),
    );
  }
  if (!has('fireblocks.env')) {
    const choices = FIREBLOCKS_ENVS.map((value) => ({
      value,
      name: value === 'custom' ? 'custom (give PCR8 yourself)' : value,
    }));
    set(
      answers,
      'fireblocks.env',
      await io.request({
        kind: 'select',
        message: 'Fireblocks environment',
        flag: '--fb-env',
        choices,
        default: (current('fireblocks.env') as string | undefined) ?? 'global',
      }),
    );
  }
  const fbEnv = get(answers, 'fireblocks.env') ?? get(given, 'fireblocks.env');
  // A list of several values is a rotation in progress (recorded by attest): kept, not asked again.
  const recorded = current('fireblocks.pcr8') as string[] | undefined;
  if (fbEnv === 'custom' && !has('fireblocks.pcr8') && (recorded === undefined || recorded.length === 1)) {
    const pcr8 = recorded?.[0];
    set(
      answers,
      'fireblocks.pcr8',
      await io.request({
        kind: 'text',
        message: 'PCR8 of the enclave signing certificate (96 hex)',
        flag: '--pcr8',
        ...(pcr8 ? { default: pcr8 } : {}),
        validate: check(pcrSchema),
      }),
    );
  }
  if (!has('aws.region')) {
    const region = (current('aws.region') as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    set(
      answers,
      'aws.region',
      await io.request({
        kind: 'text',
        message: 'AWS region',
        flag: '--region',
        ...(region ? { default: region } : {}),
        validate: (v) => REGION_RE.test(v) || 'must be an AWS region such as us-east-1',
      }),
    );
  }
  const region = (get(answers, 'aws.region') ?? get(given, 'aws.region')) as string | undefined;
  const found = region && discover ? await discover(region) : undefined;
  if (found)
    io.notify({ level: 'info', code: 'INIT_ACCOUNT', message: `AWS account ${found.accountId} (${found.callerArn})` });

  if (!has('instance.type')) {
    const offered = (type: string) => !found || found.offeredTypes.includes(type);
    const label = (type: string) =>
      type === 'c5.xlarge' ? 'c5.xlarge (Fireblocks’ first choice)' : 'c5a.xlarge (where c5.xlarge is not offered)';
    const choices = INSTANCE_TYPES.map((value) => ({
      value,
      name: offered(value) ? label(value) : `${value} (not offered in ${region ?? 'this region'})`,
    }));
    const preferred = (current('instance.type') as string | undefined) ?? INSTANCE_TYPES.find(offered) ?? 'c5.xlarge';
    set(
      answers,
      'instance.type',
      await io.request({
        kind: 'select',
        message: 'EC2 instance type',
        flag: '--instance-type',
        choices,
        default: preferred,
      }),
    );
  }
  if (!has('network.mode') && !has('network.publicIp')) {
    const defaultVpc = found?.vpcs.find((v) => v.isDefault);
    const routesOut = defaultVpc === undefined ? undefined : await found?.routesOut(defaultVpc.id);
    const mode = await io.request({
      kind: 'select',
      message: 'How the host reaches Fireblocks, KMS and SSM (it has no inbound access)',
      flag: '--network-mode',
      choices: networkChoices(routesOut),
      default: (current('network.mode') as string | undefined) ?? 'existing',
    });
    set(answers, 'network.mode', mode);
    // A managed network is the host's VPC: forget a VPC or subnet named before.
    if (mode === 'managed') {
      set(answers, 'network.vpcId', undefined);
      set(answers, 'network.subnetId', undefined);
    }
  }
  const mode = get(answers, 'network.mode') ?? get(given, 'network.mode');
  if (mode !== 'managed' && found && found.vpcs.length > 0 && !has('network.vpcId') && !has('network.subnetId')) {
    const vpcChoices = found.vpcs.map((vpc) => ({
      value: vpc.isDefault ? '' : vpc.id,
      name: `${vpc.id}${vpc.isDefault ? ' (default VPC)' : ''} ${vpc.cidr ?? ''}`.trim(),
    }));
    const vpcId = await io.request({
      kind: 'select',
      message: 'VPC for the host',
      flag: '--vpc-id',
      choices: vpcChoices,
      default: (current('network.vpcId') as string | undefined) ?? vpcChoices[0]!.value,
    });
    if (vpcId) set(answers, 'network.vpcId', vpcId);
    const type = (get(answers, 'instance.type') ?? get(given, 'instance.type') ?? 'c5.xlarge') as string;
    const subnets = await found.subnets(vpcId || found.vpcs.find((v) => v.isDefault)!.id, type);
    const subnetChoices = [
      { value: '', name: `any zone that offers ${type} (provision chooses)` },
      ...subnets.map((n) => ({ value: n.id, name: `${n.id} ${n.zone} ${n.cidr ?? ''}`.trim() })),
    ];
    const subnetId = await io.request({
      kind: 'select',
      message: 'Subnet for the host',
      flag: '--subnet-id',
      choices: subnetChoices,
      default: (current('network.subnetId') as string | undefined) ?? '',
    });
    if (subnetId) set(answers, 'network.subnetId', subnetId);
  }
  return answers;
}

/** The per-command setting flags; `--region`/`--profile` are global AWS context and do not count. */
const COMMAND_SETTING_PATHS = new Set(SETTINGS.filter((s) => !s.global).map((s) => s.path));

function settingFlagsGiven(flags: Record<string, unknown>): boolean {
  return flagLayer(flags).paths.some((path) => COMMAND_SETTING_PATHS.has(path));
}

/**
 * What the config cannot do without: the name, and PCR8 for a custom environment. Asked on a
 * terminal; otherwise INPUT_REQUIRED naming the flag.
 */
async function askRequired(io: IoHost, merged: ConfigLayer): Promise<ConfigLayer> {
  const answers: ConfigLayer = {};
  if (get(merged, 'name') === undefined) {
    set(
      answers,
      'name',
      await io.request({ kind: 'text', message: 'Co-signer name', flag: '--name', validate: check(nameSchema) }),
    );
  }
  if (get(merged, 'fireblocks.env') === 'custom' && get(merged, 'fireblocks.pcr8') === undefined) {
    set(
      answers,
      'fireblocks.pcr8',
      await io.request({
        kind: 'text',
        message: 'PCR8 of the enclave signing certificate (96 hex)',
        flag: '--pcr8',
        validate: check(pcrSchema),
      }),
    );
  }
  return answers;
}

/** The network modes, each explained in one line (with its monthly cost where it has one). */
function networkChoices(defaultVpcRoutesOut: boolean | undefined): { value: NetworkMode; name: string }[] {
  const cost = (mode: NetworkMode) => {
    const c = networkCost(mode);
    return c === undefined ? '' : `; about $${c.monthlyUsd.toFixed(2)}/month at us-east-1 prices`;
  };
  const found = defaultVpcRoutesOut === false ? ' (the default VPC has none: pick a subnet that does)' : '';
  const lines: Record<NetworkMode, string> = {
    existing: `existing — a VPC and subnet of yours that route out through a NAT gateway or similar${found}`,
    'public-ip': `public-ip — the host gets a public IPv4 address, still with no inbound rule${cost('public-ip')}`,
    managed: `managed — provision builds a VPC with a private subnet, a NAT gateway and VPC endpoints${cost('managed')}`,
  };
  return NETWORK_MODES.map((value) => ({ value, name: lines[value] }));
}

export async function runInit(options: InitOptions, deps: InitDeps): Promise<InitResult> {
  if (options.printSchema) return { kind: 'schema', schema: configJsonSchema() };
  const { io } = deps;
  const existingLayer = await readConfigFile(options.path);
  const existing =
    existingLayer && !options.force ? validateConfig(existingLayer, `config ${options.path}`) : undefined;
  const given = mergeLayers(envLayer(options.env).layer, flagLayer(options.flags).layer);
  const base = (existing as ConfigLayer | undefined) ?? {};

  // Check flags and env before asking anything: a bad value should not cost the user a wizard.
  // Only the values the wizard itself asks for are stood in for here.
  const early = mergeLayers(base, given);
  const standIns: ConfigLayer = { name: get(early, 'name') ?? 'stand-in' };
  if (get(early, 'fireblocks.env') === 'custom' && get(early, 'fireblocks.pcr8') === undefined)
    standIns.fireblocks = { pcr8: '0'.repeat(96) };
  validateConfig(mergeLayers(early, standIns), 'configuration');

  // The wizard is for a person at a terminal who gave no setting flags (see the header).
  const wizard = io.interactive && !io.assumeYes && !settingFlagsGiven(options.flags);
  const answers = wizard ? await ask(io, given, base, options.env, deps.discover) : {};
  const required = await askRequired(io, mergeLayers(base, given, answers));
  const merged = mergeLayers(base, given, answers, required);
  const config = validateConfig(merged, 'configuration');
  const changes = existingLayer === undefined ? [] : diffConfigs(existing, config);
  const created = existingLayer === undefined;

  for (const line of summarize(config)) io.notify({ level: 'info', code: 'INIT_SUMMARY', message: line });
  if (!created && changes.length === 0 && !options.force) {
    io.notify({ level: 'info', code: 'INIT_UNCHANGED', message: `${options.path} is up to date; nothing written` });
    return { kind: 'config', path: options.path, created, written: false, changes, config };
  }
  if (!created) {
    for (const change of changes)
      io.notify({
        level: 'info',
        code: 'INIT_DIFF',
        message: `  ${change.path}: ${show(change.before)} → ${show(change.after)}`,
      });
    await io.confirm(`overwrite ${options.path} with ${changes.length} change(s)?`, '--yes', {
      path: options.path,
      changes,
    });
  }
  await (deps.save ?? saveConfig)(options.path, config);
  return { kind: 'config', path: options.path, created, written: true, changes, config };
}

function show(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}

function summarize(config: CosignerConfig): string[] {
  return [
    `co-signer ${config.name}: Fireblocks ${config.fireblocks.env}, region ${config.aws.region ?? '(from AWS config)'}, PCR8 ${config.fireblocks.pcr8 === undefined ? 'the preset of the environment' : config.fireblocks.pcr8.map(shortPCR8).join(', ')}`,
    `host ${config.instance.type}, enclave ${config.enclave.memoryMiB} MiB / ${config.enclave.cpuCount} vCPUs, network ${config.network.mode}`,
    `KMS key ${config.kms.keyId ?? 'new'} (${config.kms.policyProfile} policy, rotation ${config.kms.rotation ? 'on' : 'off'}), bucket ${config.s3.bucketName ?? 'derived'}`,
  ];
}

export function execute(options: InitOptions, context: CommandContext): Promise<InitResult> {
  return runInit(options, { io: context.io, discover: (region) => discoverQuietly(context, region) });
}

/** Discovery never stops the wizard: without credentials it says so once and goes on offline. */
async function discoverQuietly(context: CommandContext, region: string): Promise<Discovery | undefined> {
  const [{ portsFor }, { discoverAccount }, { configSchema }] = await Promise.all([
    import('./aws-context.js'),
    import('./init-discovery.js'),
    import('../config/schema.js'),
  ]);
  let ports;
  try {
    ports = await portsFor(context, configSchema.parse({ schemaVersion: 1, name: 'discovery', aws: { region } }));
    return await discoverAccount(ports);
  } catch (error) {
    const reason = isCosignerError(error) ? error.message : String(error);
    context.io.notify({
      level: 'warn',
      code: 'INIT_OFFLINE',
      message: `working offline: could not read the AWS account (${reason})`,
    });
    return undefined;
  } finally {
    ports?.destroy();
  }
}

export function render(result: InitResult, style: Style, invocation?: Invocation): string {
  if (result.kind === 'schema') return JSON.stringify(result.schema, null, 2);
  if (!result.written) return `${style.green('✔')} ${escapeControl(result.path)} unchanged`;
  const verb = result.created
    ? 'created'
    : `updated (${result.changes.length} change${result.changes.length === 1 ? '' : 's'})`;
  return `${style.green('✔')} ${escapeControl(result.path)} ${verb}\n  next: ${nextCommand(invocation, 'provision --dry-run')}`;
}
