// The policy `provision --print-iam-policy` prints is enough and holds nothing unused: a role
// holding exactly it provisions (both network modes that need no prepared network), attests,
// reads status and destroys everything on the sandbox, and every action of the policy was asked
// for by some call of those runs, but the ones the sandbox does not check (NOT_SIMULATED).
import { describe, expect, it } from 'vitest';
import { createSandboxPorts, SandboxMemory, type PrincipalSpec } from '../../src/aws/sandbox/index.js';
import { validateConfig } from '../../src/config/load.js';
import { NOT_SIMULATED, operatorIamPolicy } from '../../src/provision/operator-policy.js';
import { runProvisionFlow } from '../../src/provision/provision.js';
import { runStatusFlow } from '../../src/status/status.js';
import { runDestroyFlow } from '../../src/teardown/teardown.js';
import { toList } from '../../src/policy/parse.js';
import { TestIoHost } from '../helpers/test-io-host.js';
import { tempDir } from '../aws/helpers.js';
import { FAST_KNOBS, FAST_RETRY } from '../e2e/world.js';

const ACCOUNT = '111122223333';
const OPERATOR: PrincipalSpec = { kind: 'role', roleName: 'operator', sessionName: 'ops' };

function policyActions(): string[] {
  return operatorIamPolicy().Statement.flatMap((statement) => toList(statement.Action as string | string[]));
}

async function lifecycleAsOperator(mode: 'public-ip' | 'managed', asked: Set<string>): Promise<void> {
  const memory = new SandboxMemory();
  const dir = tempDir();
  const ports = (principal?: PrincipalSpec) =>
    createSandboxPorts({
      dir,
      region: 'eu-west-1',
      env: {},
      knobs: FAST_KNOBS,
      memory,
      ...(principal === undefined ? {} : { principal, onAuthorize: (action: string) => asked.add(action) }),
    });
  const admin = await ports();
  await admin.iam.createRole({
    RoleName: 'operator',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }],
    }),
  });
  await admin.iam.putRolePolicy({
    RoleName: 'operator',
    PolicyName: 'cosigner-operator',
    PolicyDocument: JSON.stringify(operatorIamPolicy()),
  });
  const config = validateConfig(
    {
      name: 'demo',
      aws: { region: 'eu-west-1' },
      network: { mode },
      // A user among the administrators: the lookup of administrators reads users too.
      kms: { adminArns: [`arn:aws:iam::${ACCOUNT}:role/operator`, `arn:aws:iam::${ACCOUNT}:user/sandbox-admin`] },
    },
    'test config',
  );
  const deps = async () => ({
    ports: await ports(OPERATOR),
    io: new TestIoHost({ assumeYes: true }),
    config,
    configPath: `${dir}/cosigner.json`,
    now: () => new Date(),
    retry: FAST_RETRY,
  });
  expect((await runProvisionFlow({ dryRun: false, resume: false }, await deps())).mode).toBe('applied');
  expect((await runProvisionFlow({ dryRun: false, resume: false }, await deps())).mode).toBe('up-to-date');
  const status = await runStatusFlow({ all: false }, await deps());
  expect(status.coSigners[0]?.inSync).toBe(true);
  await runStatusFlow({ all: true }, await deps());
  const destroyed = await runDestroyFlow(
    { name: 'demo', dryRun: false, deleteKey: true, deleteBucket: true },
    { ...(await deps()), retry: { ...FAST_RETRY, waitPollMs: 1 } },
  );
  expect(destroyed.mode).toBe('destroyed');
}

describe('provision --print-iam-policy', () => {
  it('is enough for provision, status and destroy, and every action in it is used', async () => {
    const asked = new Set<string>();
    await lifecycleAsOperator('public-ip', asked);
    await lifecycleAsOperator('managed', asked);
    const unused = policyActions().filter((action) => !asked.has(action) && !NOT_SIMULATED.includes(action));
    expect(unused).toEqual([]);
    const missing = [...asked].filter((action) => !policyActions().includes(action)).sort();
    expect(missing).toEqual([]);
  }, 120_000);
});

describe('provision --print-iam-policy through the CLI', () => {
  it('prints the policy with no config and no AWS call, as text or in the JSON envelope', async () => {
    const { runCli } = await import('../helpers/run-cli.js');
    const text = await runCli(['--no-json', 'provision', '--print-iam-policy'], { cwd: tempDir() });
    expect(text.code).toBe(0);
    expect(JSON.parse(text.stdout)).toEqual(operatorIamPolicy());
    const json = await runCli(['--json', 'provision', '--print-iam-policy'], { cwd: tempDir() });
    expect(json.json?.result).toEqual({ mode: 'iam-policy', policy: operatorIamPolicy() });
  });
});
