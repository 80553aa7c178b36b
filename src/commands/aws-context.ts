/**
 * Building AWS ports for a command from the CLI context: `--region`/`--profile` win over the
 * config's values, `--sandbox`/COSIGNER_SANDBOX swaps in the simulated account. The ports module
 * (and through it the SDK) is imported only here, only by commands that talk to AWS. Every port
 * call is reported as a debug message (shown with `-v`): service, operation, time and outcome.
 */
import type { AwsPorts } from '../aws/ports.js';
import type { CommandContext } from '../command-kit.js';
import type { CosignerConfig } from '../config/schema.js';
import { log } from '../io/io-host.js';

export async function portsFor(context: CommandContext, config?: CosignerConfig): Promise<AwsPorts> {
  const { createAwsPorts, formatAwsCall } = await import('../aws/ports.js');
  const { globals, env } = context.invocation;
  const region = globals.region ?? config?.aws.region;
  const profile = globals.profile ?? config?.aws.profile;
  if (context.sandboxDir !== undefined && globals.profile !== undefined) {
    log.warn(
      context.io,
      'SANDBOX_PROFILE_IGNORED',
      `--profile ${globals.profile} is ignored: --sandbox uses the simulated account, which has no profiles`,
    );
  }
  return createAwsPorts({
    env,
    ...(region ? { region } : {}),
    ...(profile ? { profile } : {}),
    ...(context.sandboxDir ? { sandboxDir: context.sandboxDir } : {}),
    onCall: (call) => log.debug(context.io, 'AWS_CALL', formatAwsCall(call), { ...call }),
  });
}
