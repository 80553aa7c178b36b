/**
 * What the operator sees, through the whole CLI on a sandbox: the plan a confirmation asks about
 * (also with -q, and inside CONFIRMATION_REQUIRED in JSON), next-step hints that keep the flags
 * choosing the account, the AWS call log of -v, warnings printed once, the version envelope.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, type RunCliOptions } from './helpers/run-cli.js';

let cwd: string;
// No IAM propagation wait: these tests are about output, not timing.
const FAST = { COSIGNER_SANDBOX_IAM_DELAY_MS: '0' };
const run = (args: string[], options: RunCliOptions = {}) =>
  runCli(args, { cwd, ...options, env: { ...FAST, ...options.env } });

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'cosigner-output-'));
  // The default VPC's only way out is its internet gateway: the host needs a public IP there.
  expect(
    (await run(['--sandbox', 'init', '--name', 'alpha', '--region', 'us-east-1', '--network-mode', 'public-ip'])).code,
  ).toBe(0);
});

interface ErrorWithPlan {
  code: string;
  context?: { plan?: { summary?: { writes?: number }; actions?: unknown[] } };
}

describe('the plan a confirmation asks about', () => {
  it('-q still shows the provision plan before refusing without --yes', async () => {
    const quiet = await run(['--no-json', '-q', '--sandbox', 'provision']);
    expect(quiet.code).toBe(5);
    expect(quiet.stderr).toContain('Plan for co-signer alpha');
    expect(quiet.stderr).toContain('+ create KMS key alias/alpha-cosigner');
    expect(quiet.stderr.indexOf('Plan for co-signer')).toBeLessThan(
      quiet.stderr.indexOf('refusing without confirmation'),
    );
  });

  it('-q with --yes stays quiet: nobody is asked, so the plan is not printed', async () => {
    const quiet = await run(['--no-json', '-q', '--yes', '--sandbox', 'provision']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('Plan for co-signer');
  });

  it('-q still shows the destroy plan before refusing without --yes', async () => {
    expect((await run(['--yes', '--sandbox', 'provision'])).code).toBe(0);
    const quiet = await run(['--no-json', '-q', '--sandbox', 'destroy']);
    expect(quiet.code).toBe(5);
    expect(quiet.stderr).toContain('Destroy plan for co-signer alpha');
    expect(quiet.stderr).toContain('- delete EC2 host alpha-cosigner-host');
  });

  it('in JSON mode CONFIRMATION_REQUIRED carries the plan it refused', async () => {
    const refused = await run(['--json', '--sandbox', 'provision']);
    expect(refused.code).toBe(5);
    const error = refused.json?.error as ErrorWithPlan | undefined;
    expect(error?.code).toBe('CONFIRMATION_REQUIRED');
    expect(error?.context?.plan?.summary?.writes).toBeGreaterThan(0);
    expect(error?.context?.plan?.actions?.length).toBeGreaterThan(0);

    expect((await run(['--yes', '--sandbox', 'provision'])).code).toBe(0);
    const teardown = await run(['--json', '--sandbox', 'destroy']);
    expect(teardown.code).toBe(5);
    const destroyError = teardown.json?.error as ErrorWithPlan | undefined;
    expect(destroyError?.context?.plan).toMatchObject({
      name: 'alpha',
      actions: expect.arrayContaining([expect.objectContaining({ decision: 'delete' })]) as unknown,
    });
  });

  it('init refusing to overwrite carries the changes it would have written', async () => {
    const refused = await run(['--json', 'init', '--instance-type', 'c5a.xlarge']);
    expect(refused.code).toBe(5);
    expect(refused.json?.error).toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      context: {
        plan: {
          path: join(cwd, 'cosigner.json'),
          changes: [{ path: 'instance.type', before: 'c5.xlarge', after: 'c5a.xlarge' }],
        },
      },
    });
  });
});

describe('next-step hints keep the flags that chose the account and the files', () => {
  it('after --sandbox init the hint stays on the sandbox', async () => {
    const human = await run(['--no-json', '--sandbox', 'init', '--name', 'beta', '--force', '--yes']);
    expect(human.stdout).toContain('next: cosigner-cli --sandbox provision --dry-run');
  });

  it('keeps --sandbox <dir>, --config, --region and --profile, quoting what the shell would split', async () => {
    const human = await run([
      '--no-json',
      '--sandbox',
      'my sandbox',
      '--config',
      'other.json',
      '--region',
      'eu-west-1',
      '--profile',
      'ops',
      'init',
      '--name',
      'beta',
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      "next: cosigner-cli --sandbox 'my sandbox' --config other.json --region eu-west-1 --profile ops provision --dry-run",
    );
  });

  it('without those flags the hint is the bare command', async () => {
    const human = await run(['--no-json', '--yes', 'init', '--name', 'beta']);
    expect(human.stdout).toContain('next: cosigner-cli provision --dry-run');
  });

  it('after provision the attest hint keeps --sandbox', async () => {
    const human = await run(['--no-json', '--yes', '--sandbox', 'provision']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('`cosigner-cli --sandbox attest --dry-run`');
  });
});

describe('-v: the AWS calls, service, operation, time and outcome only', () => {
  // Exactly the shape formatAwsCall prints: nothing from the request or the response.
  const CALL_LINE =
    /^· aws (EC2|KMS|S3|IAM|STS|SSM|CloudTrail) [A-Z][A-Za-z]+ \d+ ms (ok|failed: [A-Za-z_.]+)( \(\d+ attempts\))?$/;

  it('prints every port call as a debug line on stderr, and nothing of the kind without -v', async () => {
    const verbose = await run(['--no-json', '-v', '--sandbox', 'status']);
    expect(verbose.code).toBe(0);
    const calls = verbose.stderr.split('\n').filter((line) => line.startsWith('· aws '));
    expect(calls.length).toBeGreaterThan(5);
    for (const line of calls) expect(line).toMatch(CALL_LINE);
    expect(calls).toContainEqual(expect.stringMatching(/^· aws STS GetCallerIdentity \d+ ms ok$/));
    expect(calls).toContainEqual(expect.stringMatching(/^· aws IAM GetRole \d+ ms failed: NoSuchEntityException$/));
    const plain = await run(['--no-json', '--sandbox', 'status']);
    expect(plain.stderr).not.toContain('aws STS');
  });

  it('never logs what a call carried: no policy, no key material, no names from the request', async () => {
    const verbose = await run(['--no-json', '-v', '--yes', '--sandbox', 'provision']);
    expect(verbose.code).toBe(0);
    const calls = verbose.stderr.split('\n').filter((line) => line.startsWith('· aws '));
    expect(calls).toContainEqual(expect.stringMatching(/^· aws KMS CreateKey \d+ ms ok$/));
    for (const line of calls) expect(line).toMatch(CALL_LINE);
    expect(calls.join('\n')).not.toMatch(/Statement|alpha-cosigner|arn:aws/);
  });
});

describe('warnings', () => {
  it('a plan note is not repeated as a separate warning', async () => {
    // The documented key policy grants nobody EnableKeyRotation: a note of the key's plan row.
    const applied = await run(['--no-json', '--yes', '--sandbox', 'provision', '--policy-profile', 'fireblocks-exact']);
    expect(applied.code).toBe(0);
    const note = /rotation is off: the fireblocks-exact key policy does not allow enabling it/g;
    expect(applied.stderr.match(note)).toHaveLength(1);
  });

  it('the same warning shows once when the plan is not printed (JSON mode)', async () => {
    const applied = await run(['--json', '--yes', '--sandbox', 'provision', '--policy-profile', 'fireblocks-exact']);
    expect(applied.code).toBe(0);
    expect(
      applied.stderr.match(/rotation is off: the fireblocks-exact key policy does not allow enabling it/g),
    ).toHaveLength(1);
  });

  it('--profile with --sandbox says once that the profile is ignored', async () => {
    const status = await run(['--no-json', '--profile', 'prod', '--sandbox', 'status']);
    expect(status.code).toBe(0);
    expect(status.stderr.match(/--profile prod is ignored: --sandbox uses the simulated account/g)).toHaveLength(1);
    const without = await run(['--no-json', '--sandbox', 'status']);
    expect(without.stderr).not.toContain('is ignored');
  });

  it('doctor names its failing checks instead of repeating the first one', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(cwd, 'cosigner.json'),
      JSON.stringify({ schemaVersion: 1, name: 'alpha', instance: { rootVolumeGiB: 'abc' } }),
    );
    const doctor = await run(['--no-json', '--sandbox', 'doctor']);
    expect(doctor.code).toBe(2);
    expect(doctor.stderr).toContain('✖ doctor found 1 problem: config');
    expect(
      doctor.stdout.match(/instance\.rootVolumeGiB: must be an integer from 8 to 16384 \(got "abc"\)/g),
    ).toHaveLength(1);
    expect(doctor.stderr).not.toContain('rootVolumeGiB');
  });
});

describe('--version', () => {
  it('with --json is the JSON envelope, anywhere on the line', async () => {
    for (const args of [
      ['--json', '--version'],
      ['--version', '--json'],
      ['-V', '--json'],
    ]) {
      const version = await run(args);
      expect(version.code).toBe(0);
      const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      expect(version.json).toEqual({
        schemaVersion: 1,
        command: 'version',
        ok: true,
        result: { version: pkg.version },
      });
    }
  });

  it('without --json is the bare version, even when stdout is not a terminal', async () => {
    const version = await run(['--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
