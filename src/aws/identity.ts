/**
 * Who is calling, where: the account id and region shown before any write, and what `doctor`
 * reports (account id, caller ARN, region, credential source).
 */
import { CosignerError } from '../errors.js';
import { classifyAwsError } from './errors.js';
import type { AwsPorts, CredentialSource } from './ports.js';

export interface CallerIdentity {
  /** The 12-digit account id. */
  accountId: string;
  /** The caller's ARN (user, assumed role session, or root). */
  callerArn: string;
  /** The unique id of the caller. */
  userId: string;
  /** The region every port talks to. */
  region: string;
  /** Where the credentials came from. */
  credentialSource: CredentialSource;
  /** True for the simulated account. */
  sandbox: boolean;
  /** The `--profile`/`AWS_PROFILE` in use, if any. */
  profile?: string;
}

/** Calls STS GetCallerIdentity and resolves the credential source. */
export async function describeCaller(ports: AwsPorts): Promise<CallerIdentity> {
  const context = {
    service: 'sts',
    operation: 'GetCallerIdentity',
    region: ports.region,
    ...(ports.profile === undefined ? {} : { profile: ports.profile }),
  };
  let output;
  try {
    output = await ports.sts.getCallerIdentity({});
  } catch (error) {
    throw classifyAwsError(error, context);
  }
  const { Account: accountId, Arn: callerArn, UserId: userId } = output;
  if (
    accountId === undefined ||
    !/^\d{12}$/.test(accountId) ||
    callerArn === undefined ||
    !callerArn.startsWith('arn:')
  ) {
    throw new CosignerError('AWS_SERVICE_ERROR', 'sts:GetCallerIdentity returned no usable account id or ARN', {
      hint: 'Check AWS_ENDPOINT_URL* settings: the endpoint in use does not answer like AWS STS.',
      context: { account: accountId ?? null, arn: callerArn ?? null },
    });
  }
  let credentialSource: CredentialSource;
  try {
    credentialSource = await ports.credentialSource();
  } catch (error) {
    throw classifyAwsError(error, context);
  }
  return {
    accountId,
    callerArn,
    userId: userId ?? '',
    region: ports.region,
    credentialSource,
    sandbox: ports.sandbox,
    ...(ports.profile === undefined ? {} : { profile: ports.profile }),
  };
}

/** One line for the banner shown before any write, e.g. `account 123456789012 · eu-west-1 · arn:…`. */
export function formatCaller(identity: CallerIdentity): string {
  return `account ${identity.accountId} · region ${identity.region} · ${identity.callerArn}${identity.sandbox ? ' (sandbox)' : ''}`;
}
