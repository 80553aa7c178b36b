/**
 * argv → typed options for every command, table-driven. The dispatch hook loads the real command
 * module and calls its parseOptions, but never runs it.
 */
import { describe, expect, it } from 'vitest';
import { createProgram, normalizeArgv, type Loader } from '../src/cli.js';
import { nextCommand, type Invocation } from '../src/command-kit.js';

interface Parsed {
  invocation: Invocation;
  options: unknown;
}

async function parse(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Parsed> {
  let parsed: Parsed | undefined;
  const program = createProgram({
    env,
    cwd: '/work/project',
    writeOut: () => undefined,
    writeErr: () => undefined,
    dispatch: async (invocation, load: Loader) => {
      const module = await load();
      parsed = { invocation, options: await module.parseOptions(invocation) };
    },
  });
  const argv = ['node', 'cosigner-cli', ...args];
  await program.parseAsync(normalizeArgv(argv, program));
  if (!parsed) throw new Error('nothing dispatched');
  return parsed;
}

describe('commands that refuse at parse time', () => {
  it.each([
    [['verify', '--fail-on', 'severe'], 'INVALID_OPTION'],
    [['verify', '--check', 'no_such_check'], 'INVALID_OPTION'],
    [['verify', '--format', 'sarif'], 'INPUT_REQUIRED'],
    [['verify', '--since', '120d'], 'INVALID_OPTION'],
    [['verify', '--nonce', 'ab'], 'INVALID_OPTION'],
    [['verify', '--attestation-doc', 'd'], 'INPUT_REQUIRED'],
    [['verify', '--attestation-doc', 'd', '--any-image', '--all'], 'INVALID_OPTION'],
    [['verify', '--attestation-doc', 'd', '--any-image', '--at', 'yesterday'], 'INVALID_OPTION'],
    [['verify', '--attestation-doc', 'd', '--expect-pcr8', 'abc'], 'PCR_INVALID'],
    [['run'], 'INPUT_REQUIRED'],
    [['run', '--token', 'eyJ.secret.x', '--check'], 'SECRET_INSECURE_SOURCE'],
    [['run', '--eif', 'a.eif', '--package', 'p.tgz'], 'INVALID_OPTION'],
    [['run', '--package', 'p.tgz'], 'PACKAGE_SHA256_REQUIRED'],
    [['provision', '--plan-out', 'a.json', '--apply', 'b.json'], 'INVALID_OPTION'],
    [['provision', '--dry-run', '--apply', 'b.json'], 'INVALID_OPTION'],
    [['attest', 'describe-eif', ''], 'USAGE'],
  ])('%j → %s', async (args, code) => {
    await expect(parse(args)).toThrowCosignerError(code as 'NOT_AVAILABLE');
  });
});

describe('global options', () => {
  it.each([
    [
      ['doctor'],
      { json: undefined, quiet: false, verbose: false, debug: false, color: true, nonInteractive: false, yes: false },
    ],
    [
      ['--json', '-q', '--debug', '--no-color', '--non-interactive', '-y', 'doctor'],
      { json: true, quiet: true, debug: true, color: false, nonInteractive: true, yes: true },
    ],
    [['doctor', '--no-json', '--verbose'], { json: false, verbose: true }],
    [
      ['--config', 'x.json', '--profile', 'p', '--region', 'eu-west-1', 'doctor'],
      { config: 'x.json', profile: 'p', region: 'eu-west-1' },
    ],
    [['--sandbox', 'doctor'], { sandbox: '.cosigner-sandbox' }],
    [['--sandbox', 'sb', 'doctor'], { sandbox: 'sb' }],
    [['doctor', '--sandbox'], { sandbox: true }],
  ])('%j', async (args, expected) => {
    expect((await parse(args)).invocation.globals).toMatchObject(expected);
  });

  it('reads COSIGNER_NON_INTERACTIVE, COSIGNER_PROFILE and COSIGNER_REGION', async () => {
    const { globals } = (
      await parse(['doctor'], { COSIGNER_NON_INTERACTIVE: '1', COSIGNER_PROFILE: 'ops', COSIGNER_REGION: 'eu-west-2' })
    ).invocation;
    expect(globals).toMatchObject({ nonInteractive: true, profile: 'ops', region: 'eu-west-2' });
  });
});

describe('argv → options', () => {
  const cases: [string, string[], Record<string, unknown>][] = [
    ['init defaults', ['init'], { path: '/work/project/cosigner.json', printSchema: false, force: false }],
    ['init --print-schema', ['init', '--print-schema'], { printSchema: true }],
    [
      'init with --config',
      ['--config', 'sub/c.json', 'init', '--force'],
      { path: '/work/project/sub/c.json', force: true },
    ],
    [
      'init settings flags',
      [
        'init',
        '--name',
        'alpha',
        '--fb-env',
        'eu',
        '--instance-type',
        'c5a.xlarge',
        '--kms-admin',
        'arn:aws:iam::111122223333:role/a',
        '--kms-admin',
        'arn:aws:iam::111122223333:role/b',
        '--tag',
        'a=b',
        '--no-key-rotation',
        '--public-ip',
      ],
      {
        flags: expect.objectContaining({
          name: 'alpha',
          fbEnv: 'eu',
          instanceType: 'c5a.xlarge',
          kmsAdmin: ['arn:aws:iam::111122223333:role/a', 'arn:aws:iam::111122223333:role/b'],
          tag: ['a=b'],
          keyRotation: false,
          publicIp: true,
        }),
      },
    ],
    ['doctor', ['doctor'], { configPath: '/work/project/cosigner.json' }],
    [
      'attest defaults',
      ['attest'],
      {
        configPath: '/work/project/cosigner.json',
        dryRun: false,
        removeStatements: [],
        eif: undefined,
        pcr8: undefined,
      },
    ],
    [
      'attest sources',
      [
        'attest',
        '--eif',
        'img/co.eif',
        '--build-output',
        '-',
        '--describe-eif-output',
        'd.json',
        '--pcr8',
        'ab'.repeat(48),
        '--dry-run',
      ],
      {
        eif: '/work/project/img/co.eif',
        buildOutput: '-',
        describeEifOutput: '/work/project/d.json',
        pcr8: 'ab'.repeat(48),
        dryRun: true,
      },
    ],
    ['attest rotation add', ['attest', '--add', 'cd'.repeat(48)], { add: 'cd'.repeat(48), prune: undefined }],
    ['attest rotation prune', ['attest', '--prune', 'cd'.repeat(48)], { prune: 'cd'.repeat(48) }],
    [
      'attest statements and role',
      [
        'attest',
        '--remove-statement',
        'Enable IAM User Permissions',
        '--remove-statement',
        'Old',
        '--role-arn',
        'arn:aws:iam::111122223333:role/r',
      ],
      { removeStatements: ['Enable IAM User Permissions', 'Old'], roleArn: 'arn:aws:iam::111122223333:role/r' },
    ],
    ['provision defaults', ['provision'], { configPath: '/work/project/cosigner.json', dryRun: false, resume: false }],
    [
      'provision --dry-run --plan-out',
      ['provision', '--dry-run', '--plan-out', 'plan.json'],
      { dryRun: true, planOut: '/work/project/plan.json' },
    ],
    [
      'provision --apply --resume',
      ['provision', '--apply', 'plan.json', '--resume'],
      { applyPath: '/work/project/plan.json', resume: true },
    ],
    [
      'provision settings',
      ['provision', '--instance-type', 'c5a.xlarge'],
      { flags: expect.objectContaining({ instanceType: 'c5a.xlarge' }) },
    ],
    ['destroy defaults', ['destroy'], { dryRun: false, deleteKey: false, deleteBucket: false }],
    [
      'destroy flags',
      ['destroy', '--dry-run', '--delete-key', '--delete-bucket', '--name', 'alpha'],
      { dryRun: true, deleteKey: true, deleteBucket: true, flags: expect.objectContaining({ name: 'alpha' }) },
    ],
    [
      'destroy --deletion-window-days',
      ['destroy', '--delete-key', '--deletion-window-days', '7'],
      { deleteKey: true, flags: expect.objectContaining({ deletionWindowDays: '7' }) },
    ],
    ['status', ['status'], { all: false, detailedExitcode: false }],
    ['status --all', ['status', '--all'], { all: true }],
    ['status --detailed-exitcode', ['status', '--detailed-exitcode'], { detailedExitcode: true, flags: {} }],
    ['attest describe-eif', ['attest', 'describe-eif', 'img/co.eif'], { eifPath: '/work/project/img/co.eif' }],
    [
      'verify --attestation-doc',
      ['verify', '--attestation-doc', 'doc.cose', '--fb-env', 'eu', '--at', '2026-01-01T00:00:00Z'],
      {
        kind: 'attestation',
        options: { documentPath: '/work/project/doc.cose', fbEnv: 'eu', at: new Date('2026-01-01T00:00:00Z') },
      },
    ],
    [
      'verify (the account audit)',
      [
        'verify',
        '--name',
        'alpha',
        '--check',
        'kms_cmk_rotation_enabled,kms_cmk_not_multi_region',
        '--fail-on',
        'critical',
        '--strict',
        '--since',
        '7d',
      ],
      {
        kind: 'audit',
        options: expect.objectContaining({
          all: false,
          checks: ['kms_cmk_rotation_enabled', 'kms_cmk_not_multi_region'],
          failOn: 'critical',
          strict: true,
          sinceMs: 7 * 86_400_000,
          flags: expect.objectContaining({ name: 'alpha' }) as unknown,
        }),
      },
    ],
    [
      'verify --all --format --output',
      ['verify', '--all', '--format', 'junit', '--output', 'out/audit.xml'],
      {
        kind: 'audit',
        options: expect.objectContaining({
          all: true,
          format: 'junit',
          output: '/work/project/out/audit.xml',
          failOn: 'high',
        }),
      },
    ],
    [
      'attest config flags',
      ['attest', '--fb-env', 'eu', '--kms-key-id', 'k'],
      { flags: expect.objectContaining({ fbEnv: 'eu', kmsKeyId: 'k' }), pcr8IsConfig: false },
    ],
    [
      'attest --accept-grant (repeatable)',
      ['attest', '--accept-grant', 'a'.repeat(64), '--accept-grant', 'b'.repeat(64)],
      { flags: expect.objectContaining({ acceptGrant: ['a'.repeat(64), 'b'.repeat(64)] }) },
    ],
    [
      'provision --accept-grant',
      ['provision', '--kms-key-id', 'k', '--accept-grant', 'a'.repeat(64)],
      { flags: expect.objectContaining({ kmsKeyId: 'k', acceptGrant: ['a'.repeat(64)] }) },
    ],
    [
      'attest --pcr8 is a source',
      ['attest', '--fb-env', 'eu', '--pcr8', 'ab'.repeat(48)],
      {
        pcr8: 'ab'.repeat(48),
        pcr8IsConfig: false,
        flags: expect.not.objectContaining({ pcr8: expect.anything() as unknown }),
      },
    ],
    [
      'attest --fb-env custom --pcr8 names the custom image',
      ['attest', '--fb-env', 'custom', '--pcr8', 'ab'.repeat(48)],
      {
        pcr8: 'ab'.repeat(48),
        pcr8IsConfig: true,
        flags: expect.objectContaining({ fbEnv: 'custom', pcr8: ['ab'.repeat(48)] }),
      },
    ],
    [
      'provision --pcr8 is repeatable',
      ['provision', '--pcr8', 'ab'.repeat(48), '--pcr8', 'cd'.repeat(48)],
      { flags: expect.objectContaining({ pcr8: ['ab'.repeat(48), 'cd'.repeat(48)] }) },
    ],
    ['doctor with COSIGNER_CONFIG', ['doctor'], { configPath: '/etc/cosigner.json' }],
  ];

  it.each(cases)('%s', async (label, args, expected) => {
    const env = label.includes('COSIGNER_CONFIG') ? { COSIGNER_CONFIG: '/etc/cosigner.json' } : {};
    expect((await parse(args, env)).options).toMatchObject(expected);
  });
});

describe('next-step hints', () => {
  it.each([
    [['init'], {}, 'cosigner-cli provision --dry-run'],
    [['--sandbox', 'init'], {}, 'cosigner-cli --sandbox provision --dry-run'],
    [['init', '--sandbox'], {}, 'cosigner-cli --sandbox provision --dry-run'],
    [
      ['--sandbox', "it's here", '-c', 'a b.json', 'init'],
      {},
      `cosigner-cli --sandbox 'it'\\''s here' --config 'a b.json' provision --dry-run`,
    ],
    [
      ['--region', 'eu-west-1', '--profile', 'ops', 'init'],
      {},
      'cosigner-cli --region eu-west-1 --profile ops provision --dry-run',
    ],
    // Values from COSIGNER_* variables are inherited by the next command; the hint leaves them out.
    [
      ['init'],
      { COSIGNER_REGION: 'eu-west-1', COSIGNER_PROFILE: 'ops', COSIGNER_SANDBOX: '1' },
      'cosigner-cli provision --dry-run',
    ],
  ])('%j %j → %s', async (args, env, expected) => {
    const { invocation } = await parse([...args, '--name', 'alpha'], env);
    expect(nextCommand(invocation, 'provision --dry-run')).toBe(expected);
  });
});
