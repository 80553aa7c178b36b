// The destroy command module: argv → options, which co-signer (config or --name), confirmation,
// the verdict for a bucket that is not empty, and the text rendering.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandModule } from '../../src/command-kit.js';
import * as destroy from '../../src/commands/destroy.js';
import type { DestroyOptions, DestroyResult } from '../../src/commands/destroy.js';
import * as provision from '../../src/commands/provision.js';
import { createStyle } from '../../src/io/style.js';
import { makeCliWorld, type CliWorld } from '../e2e/cli-context.js';

let world: CliWorld;
beforeEach(async () => {
  world = await makeCliWorld();
});
afterEach(async () => {
  await world.cleanup();
});

async function provisioned(): Promise<void> {
  await world.writeConfig({ name: 'demo' });
  const invocation = world.invocation('provision', {}, { yes: true });
  await provision.execute(provision.parseOptions(invocation), world.context(invocation));
}

describe('parseOptions', () => {
  it('maps the flags and leaves --name to the config loader', () => {
    const options = destroy.parseOptions({
      ...world.invocation('destroy', { dryRun: true, deleteKey: true, deleteBucket: true, name: 'demo' }),
      cwd: '/w',
    });
    expect(options).toMatchObject({
      configPath: '/w/cosigner.json',
      dryRun: true,
      deleteKey: true,
      deleteBucket: true,
      flags: { name: 'demo' },
    });
    expect(destroy.parseOptions(world.invocation('destroy'))).toMatchObject({
      dryRun: false,
      deleteKey: false,
      deleteBucket: false,
    });
  });

  it('is a CommandModule with a verdict', () => {
    const module: CommandModule<DestroyOptions, DestroyResult> = destroy;
    expect(typeof module.verdict).toBe('function');
  });
});

describe('execute on the sandbox', () => {
  it('asks which co-signer when there is neither a config nor --name', async () => {
    const invocation = world.invocation('destroy', { dryRun: true });
    await expect(destroy.execute(destroy.parseOptions(invocation), world.context(invocation))).toThrowCosignerError(
      'INPUT_REQUIRED',
    );
  });

  it('shows the plan on a dry run and keeps key and bucket by default', async () => {
    await provisioned();
    const invocation = world.invocation('destroy', { dryRun: true, name: 'demo' });
    const result = await destroy.execute(destroy.parseOptions(invocation), world.context(invocation));
    const text = destroy.render(result, createStyle(false));
    expect(text).toContain('- delete EC2 host demo-cosigner-host');
    expect(text).toContain('= keep   KMS key');
    expect(text).toContain('dry run: nothing was changed');
    expect(destroy.verdict(result)).toBeUndefined();
  });

  it('needs --yes without a terminal (exit 5)', async () => {
    await provisioned();
    const invocation = world.invocation('destroy');
    await expect(destroy.execute(destroy.parseOptions(invocation), world.context(invocation))).toThrowCosignerError(
      'CONFIRMATION_REQUIRED',
    );
  });

  it('tears down with --yes and renders what it deleted and kept', async () => {
    await provisioned();
    const invocation = world.invocation('destroy', {}, { yes: true });
    const result = await destroy.execute(destroy.parseOptions(invocation), world.context(invocation));
    const text = destroy.render(result, createStyle(false));
    expect(text).toContain('- deleted IAM role demo-cosigner');
    expect(text).toContain('= kept S3 bucket');
    const again = await destroy.execute(destroy.parseOptions(invocation), world.context(invocation));
    expect(destroy.render(again, createStyle(false))).toContain('nothing to remove for co-signer demo');
  });
});

describe('verdict', () => {
  it('is BUCKET_NOT_EMPTY (exit 5) when --delete-bucket met data', () => {
    const result = {
      mode: 'destroyed',
      caller: { accountId: '1', region: 'r', arn: 'a' },
      plan: { actions: [] },
      result: { deleted: [], scheduled: [], kept: [], writes: 0, bucketNotEmpty: 'b' },
    } as unknown as DestroyResult;
    expect(destroy.verdict(result)?.code).toBe('BUCKET_NOT_EMPTY');
    expect(destroy.verdict(result)?.exitCode).toBe(5);
  });
});
