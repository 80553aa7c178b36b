// `provision`'s execute() for a run that provisions: its result narrowed to the flow's outcome
// (execute also answers --print-iam-policy, with the operator's policy).
import * as provision from '../../src/commands/provision.js';
import type { ProvisionOutcome } from '../../src/provision/provision.js';

export async function executeProvision(...args: Parameters<typeof provision.execute>): Promise<ProvisionOutcome> {
  const result = await provision.execute(...args);
  if (result.mode === 'iam-policy') throw new Error('expected a provision run, got the IAM policy');
  return result;
}
