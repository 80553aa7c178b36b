// The stand-ins `attest`'s tests share: one key in a small stateful KMS, the run's options and
// dependencies with a fake clock, and the constants they name.
import type * as KMS from '@aws-sdk/client-kms';
import type { AttestDeps, AttestOptions } from '../../src/attest/attest.js';
import { parsePolicyDocument } from '../../src/policy/evaluate.js';
import type { PolicyDocument } from '../../src/policy/types.js';
import { TestIoHost } from '../helpers/test-io-host.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/cosigner-cli/treasury-cosigner`;
export const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
export const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/session`;
export const GLOBAL =
  'da1d9eca20ce98ab4fdbc51f8e5a2307fd4c61829b7d8bff40976cd6676862c8f3476ff4bdd0f65ecf4a48d6eb3099a8';
export const EU = 'fffc94d68a150b49dc39b23954c793cd1a4f7972f528a1ee258dc130b6cd9454e29ae72ef66bd9697a55e774e17a2d49';
export const PRESET = { name: 'fireblocks.env=global (preset)', values: [GLOBAL] };

/** The policy KMS gives a key created without one (key-policy-default.html). */
const DEFAULT_KEY_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Id: 'key-default-1',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
  ],
};

export function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' as const, $metadata: { httpStatusCode: status } });
}

/** A small stateful stand-in for the KMS port: one key, its policy, and injectable faults. */
export class FakeKMS {
  policy: string;
  metadata: KMS.KeyMetadata = {
    KeyId: KEY_ID,
    Arn: KEY_ARN,
    KeyState: 'Enabled',
    KeyManager: 'CUSTOMER',
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
    Origin: 'AWS_KMS',
    MultiRegion: false,
  };
  puts: KMS.PutKeyPolicyCommandInput[] = [];
  /** The key's grants, listed two to a page. */
  grants: KMS.GrantListEntry[] = [];
  listCalls = 0;
  failList?: Error;
  gets = 0;
  /** PutKeyPolicy calls that fail with "invalid principals" before one succeeds. */
  propagationFailures = 0;
  failGet?: Error;
  failPut?: Error;
  /** Alter the stored policy on write (to simulate a concurrent change). */
  mangle?: (policy: string) => string;

  constructor(policy: PolicyDocument | string = DEFAULT_KEY_POLICY) {
    this.policy = typeof policy === 'string' ? policy : JSON.stringify(policy);
  }

  describeKey = (input: KMS.DescribeKeyCommandInput): Promise<KMS.DescribeKeyCommandOutput> => {
    if (input.KeyId !== KEY_ID && input.KeyId !== KEY_ARN && input.KeyId !== 'alias/treasury-cosigner') {
      return Promise.reject(awsError('NotFoundException', `Key '${input.KeyId}' does not exist`));
    }
    return Promise.resolve({ KeyMetadata: this.metadata, $metadata: {} });
  };
  getKeyPolicy = (input: KMS.GetKeyPolicyCommandInput): Promise<KMS.GetKeyPolicyCommandOutput> => {
    this.gets += 1;
    if (input.KeyId !== KEY_ARN) return Promise.reject(awsError('NotFoundException', 'no such key'));
    if (this.failGet) return Promise.reject(this.failGet);
    return Promise.resolve({ Policy: this.policy, PolicyName: 'default', $metadata: {} });
  };
  listGrants = (input: KMS.ListGrantsCommandInput): Promise<KMS.ListGrantsCommandOutput> => {
    this.listCalls += 1;
    if (input.KeyId !== KEY_ARN) return Promise.reject(awsError('NotFoundException', 'no such key'));
    if (this.failList) return Promise.reject(this.failList);
    const start = input.Marker === undefined ? 0 : Number(input.Marker);
    const next = start + 2 < this.grants.length ? String(start + 2) : undefined;
    return Promise.resolve({
      Grants: this.grants.slice(start, start + 2),
      Truncated: next !== undefined,
      ...(next === undefined ? {} : { NextMarker: next }),
      $metadata: {},
    });
  };
  putKeyPolicy = (input: KMS.PutKeyPolicyCommandInput): Promise<KMS.PutKeyPolicyCommandOutput> => {
    this.puts.push(input);
    if (this.failPut) return Promise.reject(this.failPut);
    if (this.propagationFailures > 0) {
      this.propagationFailures -= 1;
      return Promise.reject(
        awsError(
          'MalformedPolicyDocumentException',
          'Policy contains a statement with one or more invalid principals.',
        ),
      );
    }
    // KMS stores the document in its own formatting.
    const stored = JSON.stringify(JSON.parse(input.Policy ?? '{}'), null, 2);
    this.policy = this.mangle ? this.mangle(stored) : stored;
    return Promise.resolve({ $metadata: {} });
  };
}

export function options(patch: Partial<AttestOptions> = {}): AttestOptions {
  return {
    keyId: 'alias/treasury-cosigner',
    role: { arn: ROLE },
    profile: 'hardened',
    adminArns: [],
    pcr3RoleBinding: false,
    allowRotation: true,
    configured: PRESET,
    removeStatements: [],
    dryRun: false,
    ...patch,
  };
}

export interface Harness {
  kms: FakeKMS;
  io: TestIoHost;
  deps: AttestDeps;
  sleeps: number[];
}

export function harness(
  kms = new FakeKMS(),
  io = new TestIoHost({ assumeYes: true }),
  extra: Partial<AttestDeps> = {},
): Harness {
  const sleeps: number[] = [];
  let clock = Date.parse('2026-11-26T12:00:00Z');
  const deps: AttestDeps = {
    io,
    kms,
    caller: { accountId: ACCOUNT, callerArn: CALLER, region: REGION },
    now: () => new Date(clock),
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    measureEif: () => Promise.resolve({ PCR8: GLOBAL }),
    readText: () => Promise.reject(new Error('no file in this test')),
    ...extra,
  };
  return { kms, io, deps, sleeps };
}

export const stored = (kms: FakeKMS) => parsePolicyDocument(kms.policy);
export const withoutDefault = { removeStatements: ['Enable IAM User Permissions'] };
