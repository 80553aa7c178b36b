/**
 * The demo's steps, in order: a fresh simulated account, `init` with defaults, `provision`, a
 * signed sample image built on the simulated host, `attest` with its PCR8, `run` (the enclave
 * creates its encrypted database), a restart (it reads the database back), `verify` with the
 * negative test, then the two attacks that must fail: an image signed by another certificate
 * (refused by `run`, and denied by KMS when started past `run`), and a debug-mode launch.
 */
import { basename } from 'node:path';
import { databaseObjects, launchPastRun, prepareAccount, writeSigner } from './account.js';
import { must, type StepRecorder } from './steps.js';

const DEMO_NAME = 'demo';
const DEMO_REGION = 'us-east-1';

/** What the steps learn and pass on. */
export interface DemoFacts {
  dir: string;
  sandboxDir: string;
  env: NodeJS.ProcessEnv;
  keyArn?: string;
  bucketName?: string;
  pcr8?: string;
  memoryMiB?: number;
  cpuCount?: number;
  database?: Record<string, string>;
}

export interface StepOutcome {
  outcome: string;
  evidence: Record<string, unknown>;
  /** What the step proved, for the summary. */
  proved?: string;
}

export interface StepDefinition {
  id: string;
  title: string;
  run(recorder: StepRecorder, facts: DemoFacts): Promise<StepOutcome>;
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});

async function logLines(recorder: StepRecorder): Promise<string[]> {
  const logs = await recorder.run(['run', 'logs', '--lines', '20']);
  return (obj(logs.result)['lines'] as string[] | undefined) ?? [];
}

async function buildImage(recorder: StepRecorder, facts: DemoFacts, signerName: string, output: string) {
  const signer = await writeSigner(facts.dir, signerName);
  const built = await recorder.run([
    'run',
    'build',
    '--docker-uri',
    'cosigner-demo:1.0',
    '--output',
    output,
    '--signing-certificate',
    basename(signer.certificate),
    '--private-key',
    basename(signer.privateKey),
  ]);
  const pcr8 = obj(obj(built.result)['measurements'])['PCR8'];
  must(typeof pcr8 === 'string', `${output} to be signed (a PCR8)`, 'no PCR8');
  return pcr8;
}

async function storedDatabase(facts: DemoFacts): Promise<Record<string, string>> {
  return databaseObjects(facts.sandboxDir, DEMO_REGION, facts.env, facts.bucketName ?? '');
}

export const STEPS: StepDefinition[] = [
  {
    id: 'account',
    title: 'a fresh simulated AWS account',
    async run(_recorder, facts) {
      const { accountId, trail } = await prepareAccount(facts.sandboxDir, DEMO_REGION, facts.env);
      return {
        outcome: `account ${accountId} in ${DEMO_REGION}, with its own multi-Region CloudTrail trail (${trail}), as a well-run account has`,
        evidence: { accountId, region: DEMO_REGION, trail },
      };
    },
  },
  {
    id: 'init',
    title: 'init with defaults',
    async run(recorder, facts) {
      const init = await recorder.run([
        'init',
        '--name',
        DEMO_NAME,
        '--region',
        DEMO_REGION,
        '--fb-env',
        'global',
        '--network-mode',
        'managed',
      ]);
      const config = obj(obj(init.result)['config']);
      const kms = obj(config['kms']);
      const enclave = obj(config['enclave']);
      if (typeof enclave['memoryMiB'] === 'number') facts.memoryMiB = enclave['memoryMiB'];
      if (typeof enclave['cpuCount'] === 'number') facts.cpuCount = enclave['cpuCount'];
      return {
        outcome: `config written: co-signer ${DEMO_NAME}, network managed (private subnet, NAT, VPC endpoints), key policy ${typeof kms['policyProfile'] === 'string' ? kms['policyProfile'] : 'hardened'}`,
        evidence: { path: obj(init.result)['path'], config },
      };
    },
  },
  {
    id: 'provision',
    title: 'provision',
    async run(recorder, facts) {
      const provision = await recorder.run(['provision', '--yes']);
      const result = obj(provision.result);
      const resources = obj(obj(result['receipt'])['resources']);
      const key = obj(resources['key']);
      const actions = (obj(result['plan'])['actions'] as { kind: string }[] | undefined) ?? [];
      const created = actions.filter((a) => a.kind === 'create').length;
      must(
        result['mode'] === 'applied' && typeof key['arn'] === 'string',
        'provision to apply its plan',
        String(result['mode']),
      );
      facts.keyArn = key['arn'];
      facts.bucketName = String(obj(resources['bucket'])['name']);
      const again = obj((await recorder.run(['provision', '--yes'])).result);
      must(again['mode'] === 'up-to-date', 'a second provision to find nothing to do', String(again['mode']));
      return {
        outcome: `${created} resources created (role, bucket, KMS key, network, Nitro host); a second run: nothing to do`,
        evidence: {
          keyArn: key['arn'],
          bucket: facts.bucketName,
          instanceId: obj(resources['instance'])['id'],
          created,
        },
        proved: 'provision is idempotent: a second run plans no change',
      };
    },
  },
  {
    id: 'image',
    title: 'a signed sample image',
    async run(recorder, facts) {
      facts.pcr8 = await buildImage(recorder, facts, 'demo-signer', 'sample.eif');
      return {
        outcome: `sample.eif built and signed with the demo's certificate on the simulated host; PCR8 ${facts.pcr8.slice(0, 16)}…`,
        evidence: { image: 'sample.eif', pcr8: facts.pcr8 },
      };
    },
  },
  {
    id: 'attest',
    title: 'attest',
    async run(recorder, facts) {
      const pcr8 = facts.pcr8 ?? '';
      const attest = await recorder.run([
        'attest',
        '--eif',
        'sample.eif',
        '--build-output',
        'sample.eif.build.json',
        '--fb-env',
        'custom',
        '--pcr8',
        pcr8,
        '--yes',
      ]);
      const result = obj(attest.result);
      must(
        result['written'] === true && result['verified'] === true && obj(result['proofs'])['ok'] === true,
        'the key policy written, read back and proved',
        JSON.stringify({ written: result['written'], verified: result['verified'] }),
      );
      must(
        JSON.stringify(result['pcr8']) === JSON.stringify([pcr8]),
        `the key policy to admit only ${pcr8}`,
        JSON.stringify(result['pcr8']),
      );
      return {
        outcome:
          'PCR8 measured from the image, cross-checked with nitro-cli’s output, merged into the key policy, proved free of lockout and bypass, written, read back',
        evidence: { pcr8: result['pcr8'], previousPcr8: result['previousPcr8'], sources: result['sources'] },
        proved: 'the key policy admits exactly the signed image’s PCR8, with no lockout or bypass path',
      };
    },
  },
  {
    id: 'run',
    title: 'run',
    async run(recorder, facts) {
      const run = await recorder.run(['run', '--eif', 'sample.eif', '--kms-key-id', facts.keyArn ?? '']);
      const result = obj(run.result);
      must(result['alreadyRunning'] === false, 'a new enclave', 'an enclave already running');
      const lines = await logLines(recorder);
      must(
        lines.some((l) => l.includes('database created')),
        'the enclave to create its database',
        lines.at(-1) ?? '(no log)',
      );
      facts.database = await storedDatabase(facts);
      must(
        Object.keys(facts.database).length === 2,
        'the encrypted database and its wrapped key in the bucket',
        JSON.stringify(facts.database),
      );
      const image = obj(result['image']);
      return {
        outcome:
          'image verified, enclave RUNNING under its unit; it asked KMS (attested) for a data key and stored its encrypted database in S3',
        evidence: {
          enclaveName: result['enclaveName'],
          unit: result['unit'],
          pcrs: image['pcrs'],
          objects: facts.database,
        },
      };
    },
  },
  {
    id: 'restart',
    title: 'restart',
    async run(recorder, facts) {
      await recorder.run(['run', 'stop', '--yes']);
      await recorder.run(['run', '--eif', 'sample.eif', '--kms-key-id', facts.keyArn ?? '']);
      const lines = await logLines(recorder);
      must(
        lines.some((l) => l.includes('database restored')),
        'the enclave to read its database back',
        lines.at(-1) ?? '(no log)',
      );
      const after = await storedDatabase(facts);
      must(
        JSON.stringify(after) === JSON.stringify(facts.database),
        'the same database, not a new one',
        JSON.stringify(after),
      );
      return {
        outcome:
          'stopped and started again: KMS decrypted the wrapped key for the attested enclave, which read its database back',
        evidence: { log: lines.filter((l) => l.includes('database')) },
        proved: 'the attested image gets its database key from KMS, and gets it again after a restart',
      };
    },
  },
  {
    id: 'verify',
    title: 'verify',
    async run(recorder) {
      const verify = await recorder.run(['verify', '--probe', '--host']);
      const result = obj(verify.result);
      const summary = obj(result['summary']) as Record<string, number>;
      const findings = (result['findings'] as { checkId: string; status: string }[] | undefined) ?? [];
      const failed = findings.filter((f) => f.status === 'FAIL').map((f) => f.checkId);
      must(failed.length === 0, 'no FAIL', failed.join(', '));
      const probe = findings.find((f) => f.checkId === 'cosigner_kms_negative_test');
      must(probe?.status === 'PASS', 'the negative test to PASS', probe?.status ?? 'not run');
      const counts = ['PASS', 'WARN', 'FAIL', 'ERROR', 'SKIP'].map((s) => `${summary[s] ?? 0} ${s}`).join(', ');
      return {
        outcome: `${counts}; the role without an attestation is denied GenerateDataKey (negative test)`,
        evidence: { summary, skipped: findings.filter((f) => f.status === 'SKIP').map((f) => f.checkId) },
        proved: `the audit, host included, finds no FAIL (${summary['PASS'] ?? 0} checks pass), and the co-signer's role is denied the key without an attestation`,
      };
    },
  },
  {
    id: 'attack-foreign-image',
    title: 'attack: an image signed by another certificate',
    async run(recorder, facts) {
      const otherPcr8 = await buildImage(recorder, facts, 'attacker-signer', 'attacker.eif');
      must(otherPcr8 !== facts.pcr8, 'another PCR8', otherPcr8);
      const refused = await recorder.run(['run', '--eif', 'attacker.eif', '--kms-key-id', facts.keyArn ?? ''], {
        code: 'PCR8_NOT_CONFIGURED',
        exit: 3,
      });
      // Root on the host stops the co-signer and starts the image with nitro-cli itself.
      await recorder.run(['run', 'stop', '--yes']);
      const rogue = await launchPastRun(
        { sandboxDir: facts.sandboxDir, name: DEMO_NAME, region: DEMO_REGION, env: facts.env },
        { path: `${facts.dir}/attacker.eif`, memoryMiB: facts.memoryMiB ?? 4096, cpuCount: facts.cpuCount ?? 2 },
      );
      must(
        rogue.started && !rogue.running && /AccessDenied/.test(rogue.detail),
        'KMS to deny the foreign enclave (AccessDeniedException) and the enclave to stop',
        rogue.detail,
      );
      const after = await storedDatabase(facts);
      must(JSON.stringify(after) === JSON.stringify(facts.database), 'the database untouched', JSON.stringify(after));
      return {
        outcome: `run refused it (${refused.error?.code ?? ''}); started past run with nitro-cli, KMS denied it: ${rogue.detail}`,
        evidence: { pcr8: otherPcr8, runError: refused.error, kmsError: rogue.detail, objects: after },
        proved:
          'an image signed by another certificate is refused by run and, started anyway, denied the key by KMS itself (the key policy’s PCR8 condition)',
      };
    },
  },
  {
    id: 'attack-debug-mode',
    title: 'attack: a debug-mode launch',
    async run(recorder, facts) {
      const arn = facts.keyArn ?? '';
      const refused = await recorder.run(['run', '--eif', 'sample.eif', '--kms-key-id', arn, '--debug-mode'], {
        code: 'DEBUG_MODE_REFUSED',
        exit: 5,
      });
      // Forced with --insecure-debug: the enclave boots, and the key policy's debug Deny closes KMS.
      const forced = await recorder.run(
        [
          'run',
          '--eif',
          'sample.eif',
          '--kms-key-id',
          arn,
          '--debug-mode',
          '--insecure-debug',
          '--health-timeout',
          '5',
        ],
        { code: 'ENCLAVE_NOT_RUNNING', exit: 4 },
      );
      const journal = ((obj(forced.error?.context)['journal'] as string[] | undefined) ?? []).join('\n');
      const denied = journal.split('\n').find((l) => /AccessDenied/.test(l));
      must(denied !== undefined, 'KMS to deny the debug-mode enclave', journal.split('\n').at(-1) ?? '(no journal)');
      return {
        outcome: `refused (${refused.error?.code ?? ''}, exit 5); forced with --insecure-debug, KMS denied the debug enclave: ${denied.replace(/^\S+ [^:]+: /, '')}`,
        evidence: { runError: refused.error, kmsError: denied.replace(/^\S+ /, '') },
        proved:
          'a debug-mode launch is refused, and a forced one is denied the key by KMS (its PCRs read as zeros; the key policy denies debug enclaves)',
      };
    },
  },
];
