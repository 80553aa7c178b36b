// The provision command module: argv → options, confirmation, the result as JSON and as text,
// run end to end through execute() on a sandbox.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandModule } from '../../src/command-kit.js';
import * as provision from '../../src/commands/provision.js';
import { executeProvision } from '../helpers/execute-provision.js';
import type { ProvisionOptions, ProvisionResult } from '../../src/commands/provision.js';
import { createStyle } from '../../src/io/style.js';
import { makeCliWorld, type CliWorld } from '../e2e/cli-context.js';

let world: CliWorld;
beforeEach(async () => {
  world = await makeCliWorld();
});
afterEach(async () => {
  await world.cleanup();
});

describe('parseOptions', () => {
  const cases: [string, Record<string, unknown>, Partial<ProvisionOptions>][] = [
    ['no flags', {}, { dryRun: false, resume: false }],
    ['--dry-run', { dryRun: true }, { dryRun: true }],
    ['--plan-out (relative to cwd)', { planOut: 'plans/p.json' }, { planOut: '/w/plans/p.json' }],
    ['--apply', { apply: '/tmp/p.json' }, { applyPath: '/tmp/p.json' }],
    ['--resume', { resume: true }, { resume: true }],
    [
      'settings pass through to the config loader',
      { instanceType: 'c5a.xlarge', dryRun: true, tag: ['a=b'] },
      { flags: { instanceType: 'c5a.xlarge', tag: ['a=b'] } },
    ],
  ];
  for (const [name, opts, expected] of cases) {
    it(name, () => {
      const options = provision.parseOptions({ ...world.invocation('provision', opts), cwd: '/w' });
      expect(options).toMatchObject({ configPath: '/w/cosigner.json', ...expected });
    });
  }

  it('refuses contradictory flags', () => {
    expect(() =>
      provision.parseOptions(world.invocation('provision', { planOut: 'a.json', apply: 'b.json' })),
    ).toThrowCosignerError('INVALID_OPTION');
    expect(() =>
      provision.parseOptions(world.invocation('provision', { dryRun: true, apply: 'b.json' })),
    ).toThrowCosignerError('INVALID_OPTION');
    expect(() => provision.parseOptions(world.invocation('provision', { planOut: '' }))).toThrowCosignerError(
      'INVALID_OPTION',
    );
  });

  it('is a CommandModule', () => {
    const module: CommandModule<ProvisionOptions, ProvisionResult> = provision;
    expect(typeof module.execute).toBe('function');
  });
});

describe('execute on the sandbox', () => {
  it('needs --yes without a terminal (exit 5) and then changes nothing', async () => {
    await world.writeConfig({ name: 'demo' });
    const invocation = world.invocation('provision');
    await expect(executeProvision(provision.parseOptions(invocation), world.context(invocation))).toThrowCosignerError(
      'CONFIRMATION_REQUIRED',
    );
    const dry = await executeProvision(
      provision.parseOptions(world.invocation('provision', { dryRun: true })),
      world.context(invocation),
    );
    expect(dry.plan.summary.create).toBe(7);
  });

  it('stops when the operator answers no', async () => {
    await world.writeConfig({ name: 'demo' });
    const invocation = world.invocation('provision', {}, { nonInteractive: false });
    const context = world.context(invocation, { interactive: true, answers: [false] });
    await expect(executeProvision(provision.parseOptions(invocation), context)).toThrowCosignerError('ABORTED');
    expect(context.io.confirmations[0]).toMatch(/^apply 19 change\(s\) to account 111122223333 in eu-west-1\?$/);
  });

  it('applies with --yes, writes the receipt beside the config, and renders it', async () => {
    await world.writeConfig({ name: 'demo' });
    const invocation = world.invocation('provision', {}, { yes: true });
    const result = await executeProvision(provision.parseOptions(invocation), world.context(invocation));
    expect(result.mode).toBe('applied');
    expect(result.receiptPath).toBe(join(world.dir, 'cosigner.receipt.json'));
    const receipt = JSON.parse(await readFile(result.receiptPath!, 'utf8')) as { accountId: string };
    expect(receipt.accountId).toBe('111122223333');
    const text = provision.render(result, createStyle(false));
    expect(text).toContain('✔ provisioned: 7 created, 0 updated');
    expect(text).toContain('KMS key');
    // JSON mode carries the plan and the receipt; nothing in it is a secret.
    expect(JSON.stringify(result)).not.toMatch(/secretaccesskey|pairing.?token/i);
    const again = await executeProvision(provision.parseOptions(invocation), world.context(invocation));
    expect(again.mode).toBe('up-to-date');
    expect(provision.render(again, createStyle(false))).toContain('everything matches the config');
  });

  it('saves a plan and applies it', async () => {
    await world.writeConfig({ name: 'demo' });
    const save = world.invocation('provision', { planOut: 'plan.json' });
    const saved = await executeProvision(provision.parseOptions(save), world.context(save));
    expect(provision.render(saved, createStyle(false))).toContain(`plan written to ${join(world.dir, 'plan.json')}`);
    const apply = world.invocation('provision', { apply: 'plan.json' }, { yes: true });
    expect((await executeProvision(provision.parseOptions(apply), world.context(apply))).mode).toBe('applied');
  });

  it('reports a missing config', async () => {
    const invocation = world.invocation('provision', { dryRun: true });
    await expect(executeProvision(provision.parseOptions(invocation), world.context(invocation))).toThrowCosignerError(
      'CONFIG_NOT_FOUND',
    );
  });
});
