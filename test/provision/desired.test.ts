// Desired state: deterministic names and tags, PCR8 from the configured source, policies from the
// policy engine, and a hash that only changes when the config does.
import { describe, expect, it } from 'vitest';
import { FIREBLOCKS_ENVIRONMENTS } from '../../src/enclave/fireblocks-presets.js';
import { validateConfig } from '../../src/config/load.js';
import { choosePcr8, computeDesired } from '../../src/provision/desired.js';
import { keyMarker } from '../../src/engine/ownership.js';
import { ACCOUNT, desiredFor, REGION } from './fixtures.js';

describe('desired state', () => {
  it('names and tags every resource deterministically', () => {
    const d = desiredFor();
    expect(d.role.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/cosigner-cli/demo-cosigner`);
    expect(d.instanceProfile.arn).toBe(`arn:aws:iam::${ACCOUNT}:instance-profile/cosigner-cli/demo-cosigner`);
    expect(d.bucket.name).toBe(`demo-cosigner-${ACCOUNT}-${REGION}`);
    expect(d.key.alias).toBe('alias/demo-cosigner');
    expect(d.tags).toEqual({
      'cosigner-cli:name': 'demo',
      'cosigner-cli:managed-by': 'cosigner-cli',
      'cosigner-cli:version': '1.0.0',
    });
    expect(keyMarker(d.key.description)).toEqual({ name: 'demo', token: undefined });
    expect(desiredFor()).toEqual(d);
  });

  it('hashes the config, not the tool version', () => {
    expect(desiredFor({}, '2.0.0').hash).toBe(desiredFor({}, '1.0.0').hash);
    expect(desiredFor({ instance: { type: 'c5a.xlarge' } }).hash).not.toBe(desiredFor().hash);
  });

  it('takes the PCR8 list from fireblocks.pcr8 (the record attest keeps), else the Fireblocks preset', () => {
    const eu = validateConfig({ name: 'x', fireblocks: { env: 'eu' } }, 't');
    expect(choosePcr8(eu)).toMatchObject({
      value: FIREBLOCKS_ENVIRONMENTS.eu.pcr8,
      values: [FIREBLOCKS_ENVIRONMENTS.eu.pcr8],
      source: 'fireblocks-preset',
    });
    expect(choosePcr8(eu).presetNote).toBeUndefined();
    const custom = validateConfig({ name: 'x', fireblocks: { env: 'custom', pcr8: 'ab'.repeat(48) } }, 't');
    expect(choosePcr8(custom)).toMatchObject({ value: 'ab'.repeat(48), values: ['ab'.repeat(48)], source: 'config' });
    // During a rotation both values; after it, a value that is not the preset, and the plan says so.
    const rotating = validateConfig(
      { name: 'x', fireblocks: { env: 'global', pcr8: [FIREBLOCKS_ENVIRONMENTS.global.pcr8, 'ab'.repeat(48)] } },
      't',
    );
    expect(choosePcr8(rotating)).toMatchObject({
      values: [FIREBLOCKS_ENVIRONMENTS.global.pcr8, 'ab'.repeat(48)],
      source: 'config',
    });
    expect(choosePcr8(rotating).presetNote).toBeUndefined();
    const rotated = validateConfig({ name: 'x', fireblocks: { env: 'global', pcr8: 'ab'.repeat(48) } }, 't');
    expect(choosePcr8(rotated)).toMatchObject({ values: ['ab'.repeat(48)], source: 'config' });
    expect(choosePcr8(rotated).presetNote).toMatch(
      /^fireblocks\.pcr8 admits ababab…abab, not the Global SaaS preset da1d9e…99a8/,
    );
    expect(
      desiredFor({ fireblocks: { pcr8: ['ab'.repeat(48), 'cd'.repeat(48)] } }).key.policy.Statement[0]?.Condition,
    ).toEqual({ StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR8': ['ab'.repeat(48), 'cd'.repeat(48)] } });
  });

  it('turns rotation off (with a note) for the documented Fireblocks policy, which cannot allow it', () => {
    const exact = desiredFor({ kms: { policyProfile: 'fireblocks-exact' } });
    expect(exact.key.rotation).toBe(false);
    expect(exact.key.rotationNote).toContain('fireblocks-exact');
    expect(exact.key.policy.Id).toBe('key-consolepolicy-4');
    expect(desiredFor().key.rotation).toBe(true);
  });

  it('uses the policy engine for every policy, naming the role with its path', () => {
    const d = desiredFor();
    expect(JSON.stringify(d.key.policy)).toContain(d.role.arn);
    expect(JSON.stringify(d.bucket.policy)).toContain(d.role.arn);
    expect(d.role.trustPolicy.Statement[0]).toMatchObject({ Principal: { Service: 'ec2.amazonaws.com' } });
    expect(d.role.managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore']);
  });

  it('checks an adopted key against the account and region', () => {
    const arn = (region: string, account: string) =>
      `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    expect(desiredFor({ kms: { keyId: arn(REGION, ACCOUNT) } }).key.adopt).toEqual({
      keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      arn: arn(REGION, ACCOUNT),
    });
    expect(() => desiredFor({ kms: { keyId: arn('us-east-1', ACCOUNT) } })).toThrowCosignerError('AWS_WRONG_REGION');
    expect(() => desiredFor({ kms: { keyId: arn(REGION, '999999999999') } })).toThrowCosignerError('RESOURCE_NOT_OURS');
  });

  it('refuses a session in another region than the config', () => {
    const config = validateConfig({ name: 'demo', aws: { region: 'us-east-1' } }, 't');
    expect(() => computeDesired({ config, accountId: ACCOUNT, region: REGION, toolVersion: '1' })).toThrowCosignerError(
      'AWS_WRONG_REGION',
    );
  });
});
