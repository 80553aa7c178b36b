/**
 * AWS as the host sees it: the instance role's credentials (the SDK's chain reaches IMDS on the
 * host), in the instance's region. On the simulated host the sandbox ports call as that role (an
 * assumed-role session named after the instance), so the key policy and the role's IAM policy
 * decide exactly as they would on EC2. `run` reads the live key policy (kms:GetKeyPolicy) and the
 * token (ssm:GetParameter, ssm:DeleteParameter) through these.
 */
import type { AwsCallRecord, AwsPorts } from '../aws/ports.js';
import { CosignerError } from '../errors.js';
import { escapeControl } from '../io/safe-text.js';
import { parseKeyArn } from '../policy/arn.js';
import type { HostPorts, InstanceIdentity } from './ports.js';

export interface HostAwsOptions {
  env: NodeJS.ProcessEnv;
  identity: InstanceIdentity;
  host: HostPorts;
  /** The sandbox directory when the host is simulated. */
  sandboxDir?: string;
  /** Told about every call (`-v`). */
  onCall?: (call: AwsCallRecord) => void;
}

export async function createHostAwsPorts(options: HostAwsOptions): Promise<AwsPorts> {
  if (options.sandboxDir !== undefined) {
    const roleName = await options.host.imds.roleName();
    if (roleName === undefined)
      throw new CosignerError('HOST_IMDS_UNREACHABLE', 'the simulated host has no instance role', {
        hint: 'provision attaches the co-signer role to the host',
      });
    const { createSandboxPorts } = await import('../aws/sandbox/index.js');
    const { traceAwsCalls } = await import('../aws/ports.js');
    const ports = await createSandboxPorts({
      dir: options.sandboxDir,
      region: options.identity.region,
      env: options.env,
      principal: { kind: 'role', roleName, sessionName: options.identity.instanceId },
    });
    return options.onCall === undefined ? ports : traceAwsCalls(ports, options.onCall);
  }
  const { createAwsPorts } = await import('../aws/ports.js');
  return createAwsPorts({
    env: options.env,
    region: options.identity.region,
    ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
  });
}

/**
 * The key's ARN from what the config names: an ARN as it is, a key id completed with the
 * instance's account and region. An alias cannot be used: the role may not resolve it
 * (kms:DescribeKey is not granted) and GetKeyPolicy takes no alias.
 */
export function keyArnFor(keyId: string | undefined, identity: InstanceIdentity): string {
  if (keyId !== undefined) {
    const arn = parseKeyArn(keyId);
    if (arn !== undefined) return keyId;
    if (/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/.test(keyId)) {
      const partition = identity.region.startsWith('cn-')
        ? 'aws-cn'
        : identity.region.startsWith('us-gov-')
          ? 'aws-us-gov'
          : 'aws';
      return `arn:${partition}:kms:${identity.region}:${identity.accountId}:key/${keyId}`;
    }
  }
  throw new CosignerError('INPUT_REQUIRED', 'the KMS key ARN is required on the host', {
    hint: `pass --kms-key-id <key ARN> (or set kms.keyId): the co-signer role cannot resolve an alias${keyId === undefined ? '' : ` such as ${escapeControl(keyId)}`}; \`cosigner-cli status --json\` shows the ARN`,
    context: { flag: '--kms-key-id' },
  });
}
