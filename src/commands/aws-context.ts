/**
 * Building AWS ports for a command from the CLI context: `--region`/`--profile` win over the
 * config's values, `--sandbox`/COSIGNER_SANDBOX swaps in the simulated account. The ports module
 * (and through it the SDK) is imported only here, only by commands that talk to AWS.
 */
import type { AwsPorts } from '../aws/ports.js';
import type { CommandContext } from '../command-kit.js';
import type { CosignerConfig } from '../config/schema.js';

export async function portsFor(context: CommandContext, config?: CosignerConfig): Promise<AwsPorts> {
  const { createAwsPorts } = await import('../aws/ports.js');
  const { globals, env } = context.invocation;
  const region = globals.region ?? config?.aws.region;
  const profile = globals.profile ?? config?.aws.profile;
  return createAwsPorts({
    env,
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
    ...(context.sandboxDir ? { sandboxDir: context.sandboxDir } : {}),
  });
}
