// A run cut short is recorded as interrupted, a failure as failed: the flows tell them apart by the
// generic `interruption` marker of CosignerError, never by a sandbox-specific code. The sandbox's
// simulated crash carries the marker, so provision and destroy both record it as interrupted.
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, journalPath } from '../../src/engine/journal.js';
import { CosignerError, isInterruption } from '../../src/errors.js';
import { makeWorld, REGION, type World } from '../e2e/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

async function outcomes(w: World): Promise<(string | undefined)[]> {
  const scope = { name: 'demo', accountId: '111122223333', region: REGION };
  const journal = await Journal.open(journalPath(dirname(w.configPath), scope), scope);
  return journal.runs.map((r) => r.outcome);
}

describe('isInterruption', () => {
  it('is true for ABORTED and for an error raised with the marker, false otherwise', () => {
    expect(isInterruption(new CosignerError('ABORTED', 'Ctrl-C'))).toBe(true);
    expect(isInterruption(new CosignerError('INTERNAL', 'killed', { interruption: true }))).toBe(true);
    expect(isInterruption(new CosignerError('AWS_THROTTLED', 'throttled'))).toBe(false);
    expect(isInterruption(new Error('ABORTED'))).toBe(false);
  });
});

describe('a run the sandbox crashes', () => {
  it('is recorded as interrupted by provision, and a failure as failed', async () => {
    world = await makeWorld();
    const crash = await world.provision({ knobs: { crash: { when: 'after', writeCall: 3 } } }).catch((e: unknown) => e);
    expect(crash).toMatchObject({ code: 'SANDBOX_CRASH', interruption: true });
    // EC2 failing every attempt of the launch: the run fails.
    const failed = await world
      .provision({ knobs: { faults: { serverError: 1, only: ['ec2:RunInstances'] } } })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'AWS_SERVICE_ERROR' });
    expect(isInterruption(failed)).toBe(false);
    expect(await outcomes(world)).toEqual(['interrupted', 'failed']);
  });

  it('is recorded as interrupted by destroy too', async () => {
    world = await makeWorld();
    await world.provision();
    await expect(world.destroy({ knobs: { crash: { when: 'before', writeCall: 2 } } })).toThrowCosignerError(
      'SANDBOX_CRASH',
    );
    expect(await outcomes(world)).toEqual(['converged', 'interrupted']);
  });
});
