// The status command module: argv → options, with and without a config, and the text rendering.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandModule } from '../../src/command-kit.js';
import * as provision from '../../src/commands/provision.js';
import * as status from '../../src/commands/status.js';
import type { StatusOptions, StatusResult } from '../../src/commands/status.js';
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
  it('maps --all and keeps --name for the config loader', () => {
    expect(status.parseOptions({ ...world.invocation('status', { all: true, name: 'demo' }), cwd: '/w' })).toMatchObject({ configPath: '/w/cosigner.json', all: true, flags: { name: 'demo' } });
  });

  it('is a CommandModule', () => {
    const module: CommandModule<StatusOptions, StatusResult> = status;
    expect(typeof module.render).toBe('function');
  });
});

describe('execute on the sandbox', () => {
  it('needs a co-signer unless --all', async () => {
    const invocation = world.invocation('status');
    await expect(status.execute(status.parseOptions(invocation), world.context(invocation))).toThrowCosignerError('INPUT_REQUIRED');
    const all = world.invocation('status', { all: true });
    const empty = await status.execute(status.parseOptions(all), world.context(all));
    expect(empty.coSigners).toEqual([]);
    expect(status.render(empty, createStyle(false))).toContain('nothing carries cosigner-cli tags here');
  });

  it('reports each resource, the host\'s enclave support and the sync with the config', async () => {
    await world.writeConfig({ name: 'demo' });
    const apply = world.invocation('provision', {}, { yes: true });
    await provision.execute(provision.parseOptions(apply), world.context(apply));
    const invocation = world.invocation('status');
    const result = await status.execute(status.parseOptions(invocation), world.context(invocation));
    expect(result.coSigners.map((c) => [c.name, c.inSync])).toEqual([['demo', true]]);
    const text = status.render(result, createStyle(false));
    expect(text).toContain('demo (configured) in sync with the config');
    expect(text).toContain('Nitro Enclaves enabled');
    expect(text).toMatch(/KMS key\s+alias\/demo-cosigner \S+\s+Enabled/);
  });
});
