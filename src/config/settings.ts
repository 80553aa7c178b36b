/**
 * The one table that ties each config setting to its flag and its environment variable. The CLI
 * declares flags from it, the loader reads env vars from it, the wizard names the flag of every
 * question from it, and INPUT_REQUIRED / CONFIG_INVALID errors point at it.
 */

export type SettingKind = 'string' | 'int' | 'bool' | 'list' | 'tags';

export interface Setting {
  /** Dotted path in the config, e.g. `instance.type`. */
  path: string;
  /** Long flag without value placeholder, e.g. `--instance-type`. */
  flag: string;
  /** Commander property name of the flag (camelCase of the flag). */
  key: string;
  /** Placeholder for valued flags, e.g. `<type>`; absent for booleans (which also get `--no-…`). */
  arg?: string;
  env: string;
  kind: SettingKind;
  description: string;
  /** Declared as a global option (`--region`, `--profile`) rather than per command. */
  global?: boolean;
}

function setting(
  path: string,
  flag: string,
  kind: SettingKind,
  description: string,
  arg?: string,
  global?: boolean,
): Setting {
  const bare = flag.replace(/^--/, '');
  const key = bare.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const env = `COSIGNER_${bare.replace(/-/g, '_').toUpperCase()}`;
  return { path, flag, key, env, kind, description, ...(arg ? { arg } : {}), ...(global ? { global } : {}) };
}

export const SETTINGS: readonly Setting[] = [
  setting('name', '--name', 'string', 'co-signer name (a-z, 0-9, "-"; ≤ 32); prefixes every resource', '<name>'),
  setting(
    'fireblocks.env',
    '--fb-env',
    'string',
    'Fireblocks environment: global, eu, swiss or custom (default global)',
    '<env>',
  ),
  setting(
    'fireblocks.pcr8',
    '--pcr8',
    'list',
    'PCR8 (96 hex) the key policy admits, repeatable during a rotation (default the --fb-env preset; required with --fb-env custom)',
    '<hex>',
  ),
  setting('aws.region', '--region', 'string', 'AWS region', '<region>', true),
  setting('aws.profile', '--profile', 'string', 'AWS shared-config profile', '<profile>', true),
  setting(
    'network.mode',
    '--network-mode',
    'string',
    'how the host gets out: existing (needs a NAT route), public-ip, or managed (a VPC with NAT and endpoints) (default existing)',
    '<mode>',
  ),
  setting('network.vpcId', '--vpc-id', 'string', 'VPC for the host (default the region’s default VPC)', '<id>'),
  setting(
    'network.subnetId',
    '--subnet-id',
    'string',
    'subnet for the host (default one in a zone that offers the instance type)',
    '<id>',
  ),
  setting('network.publicIp', '--public-ip', 'bool', 'the earlier spelling of --network-mode public-ip (default off)'),
  setting(
    'instance.type',
    '--instance-type',
    'string',
    'EC2 instance type: c5.xlarge or c5a.xlarge (default c5.xlarge)',
    '<type>',
  ),
  setting(
    'instance.rootVolumeGiB',
    '--root-volume-gib',
    'int',
    'encrypted gp3 root volume size in GiB, 8–16384 (default 30)',
    '<n>',
  ),
  setting(
    'instance.amiParameter',
    '--ami-parameter',
    'string',
    'public SSM parameter naming the AMI (default the AL2023 x86_64 one)',
    '<path>',
  ),
  setting('enclave.memoryMiB', '--enclave-memory-mib', 'int', 'enclave memory in MiB, 4096–6144 (default 4096)', '<n>'),
  setting('enclave.cpuCount', '--enclave-cpus', 'int', 'enclave vCPUs; only 2 is supported (default 2)', '<n>'),
  setting('kms.keyId', '--kms-key-id', 'string', 'adopt this existing KMS key (default create a new one)', '<id|arn>'),
  setting('kms.alias', '--kms-alias', 'string', 'KMS key alias (default alias/<name>-cosigner)', '<alias>'),
  setting(
    'kms.adminArns',
    '--kms-admin',
    'list',
    'key policy administrator ARN, repeatable (default the account root)',
    '<arn>',
  ),
  setting(
    'kms.deletionWindowDays',
    '--deletion-window-days',
    'int',
    'KMS key deletion waiting period, 7–30 days (default 30)',
    '<days>',
  ),
  setting('kms.rotation', '--key-rotation', 'bool', 'enable automatic KMS key rotation (default on)'),
  setting(
    'kms.policyProfile',
    '--policy-profile',
    'string',
    'key policy profile: hardened or fireblocks-exact (default hardened)',
    '<profile>',
  ),
  setting(
    'kms.pcr3RoleBinding',
    '--pcr3-binding',
    'bool',
    'also bind the key to the role with PCR3 (default off; unconfirmed for a role with an IAM path, as this tool creates)',
  ),
  setting('kms.denyDebugEnclaves', '--deny-debug-enclaves', 'bool', 'deny the key to debug-mode enclaves (default on)'),
  setting(
    'kms.acceptedGrants',
    '--accept-grant',
    'list',
    'accept this existing grant of the key by id, repeatable; any other grant is refused',
    '<grantId>',
  ),
  setting(
    's3.bucketName',
    '--bucket-name',
    'string',
    'S3 bucket name (default <name>-cosigner-<account>-<region>)',
    '<name>',
  ),
  setting('s3.versioning', '--versioning', 'bool', 'enable S3 versioning (default on)'),
  setting('iam.roleName', '--role-name', 'string', 'IAM role name (default <name>-cosigner)', '<name>'),
  setting(
    'iam.permissionsBoundaryArn',
    '--permissions-boundary',
    'string',
    'permissions boundary policy ARN for the role',
    '<arn>',
  ),
  setting('tags', '--tag', 'tags', 'extra tag on every resource, key=value, repeatable', '<key=value>'),
];

const byPath = new Map(SETTINGS.map((s) => [s.path, s]));

/** The setting for a config path (or its nearest ancestor), for error hints. */
function settingForPath(path: readonly PropertyKey[]): Setting | undefined {
  for (let n = path.length; n > 0; n--) {
    const found = byPath.get(path.slice(0, n).map(String).join('.'));
    if (found) return found;
  }
  return undefined;
}

/** How to set a config path, as a hint fragment: `--instance-type <type> or COSIGNER_INSTANCE_TYPE`. */
export function howToSet(path: readonly PropertyKey[]): string | undefined {
  const found = settingForPath(path);
  return found ? `${found.flag}${found.arg ? ` ${found.arg}` : ''} or ${found.env}` : undefined;
}
