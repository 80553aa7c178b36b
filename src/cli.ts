/**
 * The commander program: global options, one declaration per command (so `--help` imports no
 * command code), and a lazy import of the command module when it runs.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { DEFAULT_SANDBOX_DIR, type CommandModule, type GlobalOptions, type Invocation } from './command-kit.js';
import { SETTINGS, type Setting } from './config/settings.js';
import { VERSION } from './version.js';

export { VERSION };

export type Loader = () => Promise<CommandModule<unknown, unknown>>;

/** Called with the parsed invocation and the module loader; main.ts runs it, tests record it. */
export type Dispatch = (invocation: Invocation, load: Loader) => Promise<void>;

export interface ProgramOptions {
  dispatch: Dispatch;
  env: NodeJS.ProcessEnv;
  cwd: string;
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * Add the config settings (flag > env > file) to a command; `described` rewords a setting's help
 * where the command reads it differently from provision (e.g. `run` uses the key, never creates one).
 */
function addSettings(
  command: Command,
  filter: (s: Setting) => boolean = () => true,
  described: Readonly<Record<string, string>> = {},
): Command {
  for (const s of SETTINGS) {
    if (s.global || !filter(s)) continue;
    const label = `${described[s.path] ?? s.description} [${s.env}]`;
    if (s.kind === 'bool') {
      command.addOption(new Option(s.flag, label));
      command.addOption(new Option(`--no-${s.flag.slice(2)}`, `turn ${s.flag} off`));
    } else if (s.kind === 'list' || s.kind === 'tags') {
      command.addOption(
        new Option(`${s.flag} ${s.arg ?? '<value>'}`, label).argParser((v: string, prev: string[] | undefined) => [
          ...(prev ?? []),
          v,
        ]),
      );
    } else {
      command.addOption(new Option(`${s.flag} ${s.arg ?? '<value>'}`, label));
    }
  }
  return command;
}

export function createProgram(options: ProgramOptions): Command {
  const program = new Command('cosigner-cli');
  program
    .description('Deploy and audit a Fireblocks API Co-signer on AWS Nitro Enclaves.')
    .addOption(new Option('-V, --version', 'print the version (a JSON document with --json)'))
    .helpOption('-h, --help', 'show help')
    .option('--json', 'print one JSON document on stdout (default when stdout is not a terminal)')
    .option('--no-json', 'print human output even when stdout is not a terminal')
    .option('-q, --quiet', 'print only warnings, errors, the result and a plan you are asked to confirm')
    .option('-v, --verbose', 'print debug messages, among them every AWS call (service, operation, time, outcome)')
    .option('--debug', 'print stack traces of unexpected errors')
    .option('--no-color', 'disable colour (also NO_COLOR, TERM=dumb)')
    .option('--non-interactive', 'never prompt; a missing value is an error [COSIGNER_NON_INTERACTIVE]')
    .option('-y, --yes', 'confirm plans and destructive actions without asking')
    .option('-c, --config <file>', 'config file (default ./cosigner.json) [COSIGNER_CONFIG]')
    .option('--profile <profile>', 'AWS shared-config profile [COSIGNER_PROFILE]')
    .option('--region <region>', 'AWS region [COSIGNER_REGION]')
    .option(
      '--sandbox [dir]',
      'use the simulated AWS account kept in dir (default ./.cosigner-sandbox) [COSIGNER_SANDBOX]',
    )
    .showSuggestionAfterError(true)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: options.writeOut, writeErr: options.writeErr, outputError: () => undefined })
    .addHelpText(
      'after',
      examples(
        'cosigner-cli init',
        'cosigner-cli --sandbox provision --yes',
        'cosigner-cli --sandbox status --json > status.json',
      ),
    );

  // The version is printed by src/main.ts, which knows whether --json was given anywhere on the line.
  program.on('option:version', () => {
    throw new CommanderError(0, 'commander.version', VERSION);
  });

  const add = (name: string, description: string, load: Loader, ...exampleLines: string[]): Command => {
    const command = program
      .command(name)
      .description(description)
      .addHelpText('after', examples(...exampleLines));
    command.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs.at(-1) as Command;
      await options.dispatch(toInvocation(self, options), load);
    });
    return command;
  };

  addSettings(
    add(
      'init',
      'create or update the config file (a wizard on a terminal unless setting flags are given)',
      () => import('./commands/init.js'),
      'cosigner-cli init',
      'cosigner-cli init --name treasury --fb-env eu --region eu-west-1 --yes',
      'cosigner-cli init --print-schema --no-json > cosigner.schema.json',
    )
      .option('--print-schema', 'print the config JSON Schema and exit')
      .option('--force', 'overwrite an existing config without using it as defaults'),
  );

  addSettings(
    add(
      'provision',
      'plan and apply the IAM role, S3 bucket, KMS key, security group and EC2 host',
      () => import('./commands/provision.js'),
      'cosigner-cli provision --dry-run',
      'cosigner-cli provision --plan-out plan.json && cosigner-cli provision --apply plan.json --yes',
      'cosigner-cli --sandbox provision --yes',
      'cosigner-cli provision --print-iam-policy --no-json > operator-policy.json',
    )
      .option('--dry-run', 'show the plan and stop')
      .option('--plan-out <file>', 'write the plan to a file')
      .option('--apply <file>', 'apply a saved plan (refused if anything changed since)')
      .option('--resume', 'continue an interrupted run from its journal')
      .option(
        '--print-iam-policy',
        'print the IAM policy the operator needs for provision, attest, status and destroy, and exit',
      ),
  );

  const attest = add(
    'attest',
    'put PCR8 into the KMS key policy: measure, cross-check, merge by Sid, prove, write, read back',
    () => import('./commands/attest.js'),
    'cosigner-cli attest --eif cosigner.eif --dry-run',
    'cosigner-cli attest --describe-eif-output describe.json --yes',
    'cosigner-cli attest --add <new-pcr8> --yes && cosigner-cli attest --prune <old-pcr8> --yes',
  );
  attest
    .option('--eif <file>', 'measure PCR8 from a signed enclave image file')
    .option('--build-output <file|->', 'nitro-cli build-enclave JSON output')
    .option('--describe-eif-output <file|->', 'nitro-cli describe-eif JSON output')
    .option(
      '--pcr8 <hex>',
      "PCR8 value (96 hex characters); with --fb-env custom it is also the custom image's PCR8 (fireblocks.pcr8)",
    )
    .option('--add <pcr8|file>', 'rotation: add a PCR8 value to the policy')
    .option('--prune <pcr8>', 'rotation: remove a PCR8 value from the policy')
    .option(
      '--remove-statement <sid>',
      'drop a foreign statement reported as a bypass path (repeatable)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('--role-arn <arn>', 'the co-signer role, when it is not the one the config names')
    .option('--dry-run', 'show the policy diff and stop');
  addSettings(attest, (s) =>
    [
      'name',
      'fireblocks.env',
      'kms.keyId',
      'kms.alias',
      'kms.adminArns',
      'kms.rotation',
      'kms.policyProfile',
      'kms.pcr3RoleBinding',
      'kms.denyDebugEnclaves',
      'kms.acceptedGrants',
      'iam.roleName',
    ].includes(s.path),
  );
  attest
    .command('describe-eif')
    .description('print what nitro-cli describe-eif prints, measured in-process')
    .argument('<file>', 'enclave image file (.eif)')
    .addHelpText(
      'after',
      examples(
        'cosigner-cli attest describe-eif cosigner.eif',
        'cosigner-cli attest describe-eif cosigner.eif --json | jq -r .result.Measurements.PCR8',
      ),
    )
    .action(async (_file: string, _opts: unknown, self: Command) => {
      await options.dispatch(toInvocation(self, options), () => import('./commands/attest-describe-eif.js'));
    });

  const run = add(
    'run',
    'on the EC2 host, as root: preflight, allocator and vsock-proxy, start a verified image or install the Fireblocks package, health gate',
    () => import('./commands/run.js'),
    'cosigner-cli run --check',
    'cosigner-cli run --package nitro-cosigner.tar.gz --package-sha256 <sha256> --token-file token.txt --kms-key-id <key-arn>',
    'cosigner-cli run --eif cosigner.eif --kms-key-id <key-arn>',
    'cosigner-cli --sandbox run --eif cosigner.eif --kms-key-id <key-arn>',
  );
  run
    .option(
      '--check',
      'check the host only (read-only): device, IMDSv2, nitro-cli, allocator, vsock-proxy, clock, disk',
    )
    .option('--eif <file>', 'start this signed enclave image under a systemd unit (verified first)')
    .option('--package <tar.gz>', 'install the Fireblocks co-signer package (verified first)')
    .option('--package-sha256 <hex>', 'the SHA-256 the package must have (required with --package)')
    .option('--enclave-name <name>', 'enclave name (default the co-signer name; cosigner for the package)')
    .option('--debug-mode', 'start the enclave in debug mode (refused without --insecure-debug)')
    .option('--insecure-debug', 'allow --debug-mode: the console is readable on the host, PCRs read as zeros')
    .option('--health-timeout <seconds>', 'how long the enclave has to be RUNNING (default 120)')
    .option('--token-stdin', 'read the pairing token from stdin (a pipe)')
    .option('--token-file <file>', 'read the pairing token from a file: mode 0600, owned by you, not a link')
    .option('--token-ssm <name>', 'read the pairing token from an SSM SecureString parameter')
    .option('--token-ssm-delete', 'delete that SSM parameter once the installer took the token')
    .option('--callback-url <url>', 'Callback Handler URL answered to the installer (with --callback-public-key)')
    .option('--callback-public-key <file>', "the Callback Handler's public key or certificate")
    .option(
      '--token <value>',
      'refused (exit 5): a token on the command line is readable by others; use the --token-* sources',
    );
  addSettings(
    run,
    (s) =>
      [
        'name',
        'fireblocks.env',
        'fireblocks.pcr8',
        'kms.keyId',
        's3.bucketName',
        'enclave.memoryMiB',
        'enclave.cpuCount',
      ].includes(s.path),
    {
      'kms.keyId': "the co-signer's KMS key (its ARN): run reads its policy and creates nothing",
      's3.bucketName': "the co-signer's bucket, answered to the installer",
    },
  );
  const runSub = (name: string, description: string, ...exampleLines: string[]) =>
    run
      .command(name)
      .description(description)
      .option('--enclave-name <name>', 'enclave name (default the co-signer name)')
      .addHelpText('after', examples(...exampleLines))
      .action(async (...actionArgs: unknown[]) => {
        // Settings given after the subcommand may land on `run` itself (commander parses parent options anywhere).
        const invocation = toInvocation(actionArgs.at(-1) as Command, options);
        const parent = Object.fromEntries(Object.entries(run.opts()).filter(([, v]) => v !== undefined));
        invocation.opts = { ...parent, ...invocation.opts };
        await options.dispatch(invocation, () => import('./commands/run.js'));
      });
  addSettings(
    runSub('status', 'the enclaves on this host: state, debug mode, measurements, unit', 'cosigner-cli run status'),
    (s) => s.path === 'name',
  );
  addSettings(
    runSub('stop', 'stop the enclave (through its unit, so it is not restarted)', 'cosigner-cli run stop --yes'),
    (s) => s.path === 'name',
  );
  addSettings(
    runSub('logs', 'the journal of the enclave’s unit', 'cosigner-cli run logs --lines 50').option(
      '--lines <n>',
      'how many lines (default 100)',
    ),
    (s) => s.path === 'name',
  );
  runSub(
    'build',
    'nitro-cli build-enclave from a Docker image, signed; PCRs cross-checked in-process; output saved for attest',
    'cosigner-cli run build --docker-uri cosigner:1.0 --output cosigner.eif --signing-certificate cert.pem --private-key key.pem',
  )
    .option('--docker-uri <uri>', 'the Docker image to build from')
    .option('--output <file>', 'the image file to write')
    .option('--signing-certificate <file>', 'the signing certificate (PEM)')
    .option('--private-key <file|arn>', 'its private key (PEM file or KMS key ARN)')
    .option('--build-output <file>', "where to save nitro-cli's JSON output (default <output>.build.json)");
  addSettings(
    runSub(
      'supervise',
      'watch the enclave (the systemd unit runs this): exits non-zero when it stops, runs in debug mode or runs another image',
      'cosigner-cli run supervise --enclave-name demo --expect-pcr0 <hex> --expect-pcr8 <hex> --once',
    )
      .option('--expect-pcr0 <hex>', 'PCR0 the enclave must run')
      .option('--expect-pcr8 <hex>', 'PCR8 the enclave must run')
      .option('--debug-mode', 'the enclave was started in debug mode on purpose (refused without --insecure-debug)')
      .option('--insecure-debug', 'allow --debug-mode: accept an enclave whose console is readable on the host')
      .option('--interval <seconds>', 'seconds between looks (default 10)')
      .option('--once', 'look once and exit'),
    (s) => s.path === 'name',
  );

  const verify = add(
    'verify',
    'audit the deployment with read-only calls (Prowler-compatible checks), or verify a Nitro attestation document',
    () => import('./commands/verify.js'),
    'cosigner-cli verify',
    'cosigner-cli verify --json --fail-on critical > audit.json',
    'cosigner-cli verify --all --format sarif --output audit.sarif',
    'cosigner-cli verify --print-iam-policy --no-json > verify-policy.json',
    'cosigner-cli verify --attestation-doc doc.cose --fb-env global --nonce <hex> --max-age 5m',
  );
  const repeat = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];
  verify
    .option('--all', 'audit every co-signer in the account and region, not only the configured one')
    .option(
      '--since <duration|time>',
      'CloudTrail lookback window: 30d, 12h, or an ISO 8601 time (default 90d, the most CloudTrail keeps)',
    )
    .option('--check <id>', 'run only this check (repeatable, or comma-separated)', repeat)
    .option('--skip <id>', 'skip this check (repeatable, or comma-separated)', repeat)
    .option(
      '--fail-on <severity>',
      'exit 3 when a check at or above this severity fails: critical, high, medium, low, info (default high)',
    )
    .option('--strict', 'exit 4 when a check could not be evaluated (ERROR)')
    .option('--format <format>', 'also write the report as markdown, sarif or junit to --output')
    .option('--output <file>', 'where --format writes the report')
    .option('--host', 'also run the host checks (on the EC2 host: nitro-cli, systemd, files)')
    .option('--probe', "the negative test: GenerateDataKey without an attestation as the host's role must be denied")
    .option('--print-iam-policy', 'print the read-only IAM policy the audit needs and exit')
    .option('--attestation-doc <file>', 'verify a Nitro attestation document (COSE_Sign1) instead of auditing')
    .option(
      '--expect-pcr8 <hex>',
      'PCR8 the document (or, for the audit, the key policy) must admit (repeatable)',
      repeat,
    )
    .option('--any-image', 'with --attestation-doc: verify authenticity only, whatever image it attests')
    .option('--nonce <hex>', 'with --attestation-doc: the nonce the document must carry')
    .option('--max-age <duration>', 'with --attestation-doc: refuse a document older than this (e.g. 5m, 1h)')
    .option('--at <time>', 'with --attestation-doc: verify certificate validity at this ISO-8601 time instead of now');
  addSettings(verify, (s) =>
    [
      'name',
      'fireblocks.env',
      'fireblocks.pcr8',
      'kms.keyId',
      'kms.alias',
      'kms.adminArns',
      'kms.policyProfile',
      'kms.denyDebugEnclaves',
      'kms.acceptedGrants',
      's3.bucketName',
      'iam.roleName',
      'network.mode',
      'enclave.memoryMiB',
      'enclave.cpuCount',
    ].includes(s.path),
  );

  addSettings(
    add(
      'destroy',
      'remove this co-signer’s resources in reverse order (key and non-empty bucket kept unless asked)',
      () => import('./commands/destroy.js'),
      'cosigner-cli destroy --dry-run',
      'cosigner-cli destroy --yes --delete-key --delete-bucket',
    ),
    (s) => s.path === 'name' || s.path === 'kms.deletionWindowDays',
  )
    .option('--dry-run', 'show what would be removed and stop')
    .option('--delete-key', 'schedule the KMS key for deletion after --deletion-window-days (default 30)')
    .option('--delete-bucket', 'delete the bucket if it is empty');

  addSettings(
    add(
      'status',
      'every co-signer in the account and region, each resource’s state and drift',
      () => import('./commands/status.js'),
      'cosigner-cli status',
      'cosigner-cli --sandbox status --json',
      'cosigner-cli status --detailed-exitcode   # exit 0 in sync, 2 drifted',
    ),
    (s) => s.path === 'name',
  )
    .option(
      '--all',
      'list every co-signer in the account and region, not only the configured one (the default with no config file and no --name)',
    )
    .option(
      '--detailed-exitcode',
      'exit 0 when the configured co-signer is in sync with its config, 2 when it drifted (as terraform plan -detailed-exitcode)',
    );

  add(
    'demo',
    'the whole lifecycle on a temporary simulated account: init, provision, attest, run, verify, and two attacks that must fail',
    () => import('./commands/demo.js'),
    'cosigner-cli demo',
    'cosigner-cli demo --json > demo.json',
    'cosigner-cli demo --keep   # keep the sandbox, config and images for a look',
  ).option('--keep', 'keep the temporary directory (sandbox, config, images) and print where it is');

  add(
    'completion',
    'print a shell completion script for bash or zsh (commands, options and their values)',
    () => import('./commands/completion.js'),
    'cosigner-cli completion bash > ~/.local/share/bash-completion/completions/cosigner-cli',
    'source <(cosigner-cli completion zsh)',
  ).addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']));

  add(
    'doctor',
    'check this workstation: Node, config, AWS credentials, account and region',
    () => import('./commands/doctor.js'),
    'cosigner-cli doctor',
    'cosigner-cli doctor --json',
  );

  return program;
}

/**
 * `--sandbox [dir]` takes an optional value, so `--sandbox provision` would read "provision" as
 * the directory. A command name right after it means "the default directory".
 */
export function normalizeArgv(argv: readonly string[], program: Command): string[] {
  const commands = new Set(program.commands.map((c) => c.name()));
  return argv.map((token, i) =>
    token === '--sandbox' && commands.has(argv[i + 1] ?? '') ? `--sandbox=${DEFAULT_SANDBOX_DIR}` : token,
  );
}

function toInvocation(command: Command, options: ProgramOptions): Invocation {
  const names: string[] = [];
  for (let c: Command | null = command; c && c.parent; c = c.parent) names.unshift(c.name());
  const all = command.optsWithGlobals<Record<string, unknown>>();
  const globals: GlobalOptions = {
    json: all.json as boolean | undefined,
    quiet: Boolean(all.quiet),
    verbose: Boolean(all.verbose),
    debug: Boolean(all.debug),
    color: all.color !== false,
    nonInteractive: Boolean(all.nonInteractive) || truthy(options.env.COSIGNER_NON_INTERACTIVE),
    yes: Boolean(all.yes),
    config: all.config as string | undefined,
    profile: (all.profile as string | undefined) ?? options.env.COSIGNER_PROFILE,
    region: (all.region as string | undefined) ?? options.env.COSIGNER_REGION,
    sandbox: all.sandbox as string | boolean | undefined,
  };
  // Globals double as config settings (region, profile) so the loader sees them as flags.
  const opts: Record<string, unknown> = { ...command.opts(), region: all.region, profile: all.profile };
  return { command: names.join(' '), args: command.args.slice(), opts, globals, env: options.env, cwd: options.cwd };
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}
