/**
 * The real ImdsPort: IMDSv2 only (a session token from PUT /latest/api/token, then each read with
 * it), short timeouts, and only the identity document and the role's name: never the role's
 * credentials. AWS_EC2_METADATA_DISABLED=true turns it off, as it does for the AWS SDK.
 */
import { CosignerError } from '../errors.js';
import type { ImdsPort, InstanceIdentity } from './ports.js';

const BASE = 'http://169.254.169.254';

function unreachable(detail: string, cause?: unknown): CosignerError {
  return new CosignerError(
    'HOST_IMDS_UNREACHABLE',
    `the instance metadata service (IMDSv2) does not answer: ${detail}`,
    {
      hint: 'run this on the EC2 host; check that the metadata endpoint is enabled and the hop limit is at least 2 (provision sets both)',
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

export function createImds(env: NodeJS.ProcessEnv = process.env, timeoutMs = 2_000): ImdsPort {
  let token: Promise<string> | undefined;
  const getToken = () =>
    (token ??= (async () => {
      if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === 'true')
        throw unreachable('disabled by AWS_EC2_METADATA_DISABLED');
      let response: Response;
      try {
        response = await fetch(`${BASE}/latest/api/token`, {
          method: 'PUT',
          headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '300' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw unreachable('no answer to the token request', error);
      }
      if (!response.ok) throw unreachable(`the token request answered ${response.status}`);
      return response.text();
    })());
  const get = async (path: string): Promise<Response> => {
    const response = await fetch(`${BASE}${path}`, {
      headers: { 'X-aws-ec2-metadata-token': await getToken() },
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((error: unknown) => {
      throw unreachable(`no answer for ${path}`, error);
    });
    return response;
  };
  return {
    async identity(): Promise<InstanceIdentity> {
      const response = await get('/latest/dynamic/instance-identity/document');
      if (!response.ok) throw unreachable(`the identity document answered ${response.status}`);
      const doc = (await response.json()) as Record<string, unknown>;
      const field = (name: string) => {
        const value = doc[name];
        if (typeof value !== 'string' || value === '') throw unreachable(`the identity document has no ${name}`);
        return value;
      };
      return {
        instanceId: field('instanceId'),
        instanceType: field('instanceType'),
        region: field('region'),
        accountId: field('accountId'),
        availabilityZone: field('availabilityZone'),
      };
    },
    async roleName() {
      const response = await get('/latest/meta-data/iam/security-credentials/');
      if (response.status === 404) return undefined;
      if (!response.ok) throw unreachable(`the role listing answered ${response.status}`);
      return (await response.text()).split('\n')[0]?.trim() || undefined;
    },
  };
}
