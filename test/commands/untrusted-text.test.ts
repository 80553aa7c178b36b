// Terminal controls carried by an image, a certificate, AWS names or a file name never reach the
// terminal raw: human output shows them as escapes, the JSON envelope carries the exact strings.
/* eslint-disable no-control-regex -- these tests look for raw control characters */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossCheckPCR8 } from '../../src/attest/pcr8-sources.js';
import { render as renderAttest, type AttestResult } from '../../src/commands/attest.js';
import { render as renderDestroy, type DestroyResult } from '../../src/commands/destroy.js';
import { render as renderDoctor } from '../../src/commands/doctor.js';
import { render as renderStatus } from '../../src/commands/status.js';
import {
  render as renderVerifyAttestation,
  type VerifyAttestationResult,
} from '../../src/commands/verify-attestation.js';
import { createEifSigner } from '../../src/aws/sandbox/nitro/eif-build.js';
import { createStyle } from '../../src/io/style.js';
import { diffPolicies } from '../../src/policy/diff.js';
import type { Plan } from '../../src/provision/plan-types.js';
import type { Receipt } from '../../src/provision/receipt.js';
import { planLines, receiptLines } from '../../src/provision/render.js';
import { T0 } from '../enclave/fixtures/attestation.js';
import { METADATA, fixtureEif } from '../enclave/fixtures/eif.js';
import { runCli } from '../helpers/run-cli.js';

/** Any character a terminal acts on or reorders by (line feeds allowed: output is multi-line). */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const PCR_FAKE = 'ab'.repeat(48);
/** Clear the line, return, print a fake PCR8 row; a C1 CSI; a right-to-left override. */
const EVIL = `\u001b[2K\r\u001b[1APCR8            ${PCR_FAKE}\n\u009b2J\u202egol\u2066`;
const plain = createStyle(false);
const colour = createStyle(true);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosigner-untrusted-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('attest describe-eif with hostile image metadata and certificate names', () => {
  async function hostileEif(): Promise<string> {
    const path = join(dir, 'hostile.eif');
    const metadata = {
      ...METADATA,
      ImageName: `cosigner${EVIL}`,
      ImageVersion: '1.0\u001b[8m',
      BuildMetadata: {
        BuildTime: '2026\r',
        BuildTool: `docker${EVIL}`,
        BuildToolVersion: '\u007f',
        OperatingSystem: 'Linux\u202e',
        KernelVersion: '6.1\u0085',
      },
    };
    // A certificate that expired before "now", so its subject is also echoed in a warning on stderr.
    const signer = createEifSigner({
      now: T0,
      validityDays: 1,
      subject: [
        ['CN', `signer${EVIL}`],
        ['O', 'x\u001b]0;title\u0007'],
      ],
    });
    await writeFile(path, fixtureEif({ metadata, signer }));
    return path;
  }

  it('prints every field escaped, on its own line, with one PCR8 row', async () => {
    const path = await hostileEif();
    const run = await runCli(['--no-json', '--no-color', 'attest', 'describe-eif', path], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stderr).not.toMatch(RAW);
    // The fake row stays inside the Image, Signing cert and Built rows it was smuggled into.
    expect(run.stdout.split('\n').filter((line) => line.startsWith('PCR8'))).toHaveLength(1);
    expect(run.stdout).toContain(
      `Image           cosigner\\x1b[2K\\r\\x1b[1APCR8            ${PCR_FAKE}\\n\\x9b2J\\u202egol\\u2066 1.0\\x1b[8m`,
    );
    expect(run.stdout).toContain('issuer commonName=signer\\x1b[2K');
    expect(run.stdout).toContain('organizationName=x\\x1b]0;title\\x07');
    expect(run.stdout).toContain('Built           2026\\r by docker\\x1b[2K');
    expect(run.stdout).toContain('\\x7f (Linux\\u202e 6.1\\x85)');
    expect(run.stderr).toMatch(/the signing certificate .*signer\\x1b\[2K\\r.* expired/);

    // With colour on, the only escape sequences are the CLI's own colours.
    const coloured = await runCli(['--no-json', 'attest', 'describe-eif', path], {
      cwd: dir,
      env: { FORCE_COLOR: '1' },
    });
    expect(coloured.stdout).toContain('\u001b[1m');
    expect(coloured.stderr).toContain('\u001b[33m');
    expect(coloured.stdout.replace(/\u001b\[\d+m/g, '')).not.toMatch(RAW);
    expect(coloured.stderr.replace(/\u001b\[\d+m/g, '')).not.toMatch(RAW);
  });

  it('carries the exact strings in the JSON envelope, without raw controls in its text', async () => {
    const path = await hostileEif();
    const run = await runCli(['--json', 'attest', 'describe-eif', path], { cwd: dir });
    expect(run.code).toBe(0);
    const result = run.json?.result as {
      ImageName: string;
      ImageVersion: string;
      Metadata: { BuildTool: string; KernelVersion: string };
      SigningCertificate: { IssuerName: Record<string, string> };
    };
    expect(result.ImageName).toBe(`cosigner${EVIL}`);
    expect(result.ImageVersion).toBe('1.0\u001b[8m');
    expect(result.Metadata.BuildTool).toBe(`docker${EVIL}`);
    expect(result.Metadata.KernelVersion).toBe('6.1\u0085');
    expect(result.SigningCertificate.IssuerName.commonName).toBe(`signer${EVIL}`);
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stderr).not.toMatch(RAW);
  });
});

describe('errors that echo untrusted text', () => {
  it('are escaped on stderr and exact in the JSON error', async () => {
    const name = `missing${EVIL}.eif`;
    const run = await runCli(['--json', 'attest', 'describe-eif', name], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.json?.error?.code).toBe('FILE_NOT_FOUND');
    expect(run.json?.error?.message).toContain(name);
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stderr).not.toMatch(RAW);
    expect(run.stderr).toContain('missing\\x1b[2K\\r');
  });

  it('a PCR8 disagreement table cannot grow a row from a file name', () => {
    const error = (() => {
      try {
        crossCheckPCR8([
          { source: `--eif a${EVIL}.eif`, kind: 'eif', value: 'cd'.repeat(48) },
          { source: '--pcr8', kind: 'pcr8', value: 'ef'.repeat(48) },
        ]);
      } catch (thrown) {
        return thrown as Error;
      }
      throw new Error('no error');
    })();
    expect(error.message).not.toMatch(RAW);
    expect(error.message.split('\n')).toHaveLength(3);
  });
});

describe('human renderers escape AWS-returned and file-derived strings', () => {
  it('verify --attestation-doc: path, module id, certificate names in the steps', () => {
    const result: VerifyAttestationResult = {
      documentPath: `/tmp/doc${EVIL}`,
      verified: true,
      checkedAt: '2026-03-01T12:00:00.000Z',
      moduleId: `i-0abc${EVIL}`,
      timestamp: '2026-03-01T12:00:00.000Z',
      debugMode: false,
      pcrs: { '8': 'cd'.repeat(48) },
      expectedPcr8: { value: 'cd'.repeat(48), source: `--expect-pcr8${EVIL}` },
      anyImage: false,
      chain: [],
      validFrom: '2026-03-01T12:00:00.000Z',
      validUntil: '2026-03-02T12:00:00.000Z',
      publicKey: null,
      userData: '00',
      nonce: null,
      steps: [{ name: 'signature', detail: `ES384 signature verifies with commonName=leaf${EVIL}` }],
    };
    for (const style of [plain, colour]) {
      const text = renderVerifyAttestation(result, style).replace(/\u001b\[\d+m/g, '');
      expect(text).not.toMatch(RAW);
      expect(text.split('\n').filter((line) => line.trimStart().startsWith('PCR8'))).toHaveLength(1);
    }
    expect(renderVerifyAttestation(result)).toContain('module     i-0abc\\x1b[2K');
  });

  it('attest: key and role ARNs, PCR8 sources, warnings and the policy diff', () => {
    const live = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: `Foreign${EVIL}`,
          Effect: 'Deny' as const,
          Principal: '*' as const,
          Action: 'kms:*',
          Resource: '*',
          Condition: { StringLike: { 'aws:PrincipalTag/team': `x${EVIL}` } },
        },
      ],
    };
    const next = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: `Foreign${EVIL}`,
          Effect: 'Deny' as const,
          Principal: '*' as const,
          Action: 'kms:*',
          Resource: '*',
          Condition: { StringLike: { 'aws:PrincipalTag/team': `y${EVIL}` } },
        },
      ],
    };
    const result = {
      keyArn: `arn:aws:kms:eu-west-1:111122223333:key/k${EVIL}`,
      accountId: '111122223333',
      region: 'eu-west-1',
      roleArn: `arn:aws:iam::111122223333:role/r${EVIL}`,
      mode: 'set',
      pcr8: ['cd'.repeat(48)],
      sources: [{ source: `--eif a${EVIL}.eif`, kind: 'eif', value: 'cd'.repeat(48) }],
      diff: diffPolicies(live, next, ['Ours']),
      proofs: { ok: true, requests: 1, findings: [] },
      inertActions: [
        {
          action: 'kms:Encrypt',
          reason: 'no-attestation',
          message: '',
          statements: [{ index: 0, sid: `Foreign${EVIL}` }],
        },
      ],
      warnings: [`--remove-statement "Sid${EVIL}": no statement with this Sid`],
      changed: true,
      dryRun: true,
      written: false,
      writeAttempts: 0,
    } as unknown as AttestResult;
    for (const style of [plain, colour]) {
      const text = renderAttest(result, style).replace(/\u001b\[\d+m/g, '');
      expect(text).not.toMatch(RAW);
      expect(text).toContain('Foreign\\x1b[2K');
      expect(text).toContain('condition of "Foreign\\x1b[2K');
      expect(text.split('\n').filter((line) => line.trimStart().startsWith('PCR8'))).toHaveLength(1);
    }
  });

  it('status: co-signer names from tags, resource names, ids, states and drift', () => {
    const text = renderStatus(
      {
        accountId: '111122223333',
        region: 'eu-west-1',
        coSigners: [
          {
            name: `evil${EVIL}`,
            configured: false,
            resources: [
              { kind: 'bucket', id: `b${EVIL}`, name: `n${EVIL}`, state: `s${EVIL}`, adopted: false, detail: {} },
            ],
            missing: [],
            host: { id: 'i-1', state: 'running', enclaveEnabled: true, enclave: `e${EVIL}` },
            drift: [{ resource: `S3 bucket ${EVIL}`, kind: 'update', reasons: [`tag${EVIL}`], notes: [`note${EVIL}`] }],
          },
        ],
      },
      colour,
    );
    expect(text.replace(/\u001b\[\d+m/g, '')).not.toMatch(RAW);
  });

  it('provision plan and receipt lines', () => {
    const plan = {
      name: `c${EVIL}`,
      accountId: '111122223333',
      region: 'eu-west-1',
      pcr8: { value: 'cd'.repeat(48), source: 'preset', label: `preset${EVIL}` },
      actions: [
        {
          node: 'bucket',
          resource: `S3 bucket b${EVIL}`,
          kind: 'refuse',
          reasons: [`tagged by someone else${EVIL}`],
          rounds: [[{ op: 's3:PutBucketTagging', detail: `tag${EVIL}` }]],
          dependsOn: [],
          refusal: { code: 'RESOURCE_NOT_OURS', hint: `remove it${EVIL}` },
          notes: [`note${EVIL}`],
        },
      ],
      summary: { create: 0, update: 0, noop: 0, refuse: 1, writes: 0 },
      warnings: [],
    } as unknown as Plan;
    const receipt = {
      name: `c${EVIL}`,
      accountId: '111122223333',
      region: 'eu-west-1',
      resources: {
        role: { arn: `arn:aws:iam::111122223333:role/r${EVIL}` },
        instanceProfile: { arn: null },
        bucket: { name: `b${EVIL}`, versioning: true },
        key: { arn: null, alias: `alias/${EVIL}`, adopted: false },
        securityGroup: { id: `sg${EVIL}`, egress: 'https' },
        instance: { id: null, type: 'c5.xlarge', subnetId: `subnet${EVIL}` },
      },
      pcr8: { value: 'cd'.repeat(48), label: `preset${EVIL}` },
      policyHashes: { keyPolicy: 'h' },
      retiredKeys: [`k${EVIL}`],
    } as unknown as Receipt;
    for (const style of [plain, colour]) {
      const text = [...planLines(plan, style), ...receiptLines(receipt, `/tmp/r${EVIL}.json`, style)]
        .join('\n')
        .replace(/\u001b\[\d+m/g, '');
      expect(text).not.toMatch(RAW);
      expect(text.split('\n').filter((line) => line.trimStart().startsWith('PCR8'))).toHaveLength(2); // the plan's and the receipt's own rows
    }
  });

  it('destroy: plan lines, kept and deleted resources', () => {
    const plan = {
      name: `c${EVIL}`,
      accountId: '111122223333',
      region: 'eu-west-1',
      actions: [
        {
          resource: `S3 bucket b${EVIL}`,
          decision: 'keep',
          reason: `r${EVIL}`,
          ops: [{ op: 'x', detail: `d${EVIL}` }],
        },
      ],
      warnings: [`w${EVIL}`],
    };
    const results = [
      { mode: 'dry-run', plan },
      { mode: 'nothing-to-do', plan },
      {
        mode: 'applied',
        plan,
        caller: { accountId: '111122223333', region: 'eu-west-1', arn: 'a' },
        result: {
          deleted: [`x${EVIL}`],
          scheduled: [`y${EVIL}`],
          kept: [{ resource: `z${EVIL}`, reason: `q${EVIL}` }],
        },
      },
    ] as unknown as DestroyResult[];
    for (const result of results)
      expect(renderDestroy(result, colour).replace(/\u001b\[\d+m/g, ''), result.mode).not.toMatch(RAW);
  });

  it('doctor: check messages and hints that carry AWS error texts', () => {
    const text = renderDoctor(
      {
        ok: false,
        checks: [
          { id: 'aws', status: 'fail', code: 'AWS_ACCESS_DENIED', message: `denied${EVIL}`, hint: `ask${EVIL}` },
        ],
      },
      colour,
    );
    expect(text.replace(/\u001b\[\d+m/g, '')).not.toMatch(RAW);
    expect(text.split('\n')).toHaveLength(2);
  });
});
