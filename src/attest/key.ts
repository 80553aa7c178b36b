/**
 * What `attest` reads before it builds anything: the key (region, account, state and manager
 * checked), its live policy (parsed strictly), whether the policy can protect the key (origin, key
 * store, multi-Region, spec, usage, grants), and the co-signer role's ARN.
 */
import type * as SDK from '@aws-sdk/client-kms';
import type { IAMPort } from '../aws/iam.js';
import { classifyAwsError } from '../aws/errors.js';
import { readKeyGrants, type KMSPort } from '../aws/kms.js';
import { CosignerError, fail, isCosignerError } from '../errors.js';
import { parseKeyArn } from '../policy/arn.js';
import { parsePolicyDocument } from '../policy/evaluate.js';
import {
  assertKeyProperties,
  checkKeyProperties,
  keyPolicyHistory,
  type KeyPropertiesReport,
} from '../policy/key-properties.js';
import type { PolicyDocument } from '../policy/types.js';
import { keyMarker } from '../engine/ownership.js';

export interface KeyDeps {
  kms: Pick<KMSPort, 'describeKey' | 'getKeyPolicy' | 'listGrants'>;
  iam?: Pick<IAMPort, 'getRole'> | undefined;
  caller: { accountId: string; region: string };
}

/** A KMS SDK error as a coded error naming the operation and the key. */
export function awsError(error: unknown, operation: string, resource: string, region: string): CosignerError {
  return classifyAwsError(error, { service: 'kms', operation, resource, region });
}

export interface DescribedKey {
  arn: string;
  metadata: SDK.KeyMetadata;
}

/** kms:DescribeKey with the checks that make a key unusable for attest. */
export async function describeKey(keyId: string, deps: KeyDeps, warnings: string[]): Promise<DescribedKey> {
  const { region, accountId } = deps.caller;
  // A key ARN names its region: calling another region's endpoint would only say "not found".
  const given = parseKeyArn(keyId);
  if (given !== undefined && given.region !== region) {
    fail(
      'AWS_WRONG_REGION',
      `the key ${keyId} is in ${given.region}, but the CLI talks to ${region}`,
      `pass --region ${given.region} (or set aws.region in the config)`,
      { context: { keyRegion: given.region, region } },
    );
  }
  let metadata;
  try {
    metadata = (await deps.kms.describeKey({ KeyId: keyId })).KeyMetadata;
  } catch (error) {
    throw awsError(error, 'DescribeKey', keyId, region);
  }
  if (metadata?.Arn === undefined)
    fail(
      'AWS_SERVICE_ERROR',
      `kms:DescribeKey returned no key metadata for ${keyId}`,
      'run again with --debug; the endpoint does not answer like AWS KMS',
    );
  const arn = parseKeyArn(metadata.Arn);
  if (arn !== undefined && arn.region !== region) {
    fail(
      'AWS_WRONG_REGION',
      `the key ${metadata.Arn} is in ${arn.region}, but the CLI talks to ${region}`,
      `pass --region ${arn.region}`,
      { context: { keyRegion: arn.region, region } },
    );
  }
  if (arn !== undefined && arn.accountId !== accountId) {
    fail(
      'AWS_INVALID_REQUEST',
      `the key ${metadata.Arn} belongs to account ${arn.accountId}, not to the caller's account ${accountId}`,
      "run attest with credentials of the key's account: kms:PutKeyPolicy cannot be called across accounts",
    );
  }
  switch (metadata.KeyState) {
    case 'PendingDeletion':
    case 'PendingReplicaDeletion':
      fail(
        'AWS_KEY_PENDING_DELETION',
        `the key ${metadata.Arn} is pending deletion`,
        'cancel the deletion first (aws kms cancel-key-deletion, then enable-key), or use another key',
        { context: { keyState: metadata.KeyState } },
      );
    // falls through (fail never returns)
    case 'Enabled':
    case undefined:
      break;
    default:
      warnings.push(`the key is ${metadata.KeyState}: the co-signer cannot use it until it is enabled`);
  }
  if (metadata.KeyManager === 'AWS') {
    fail(
      'AWS_INVALID_REQUEST',
      `the key ${metadata.Arn} is an AWS managed key, whose policy cannot be changed`,
      'use a customer managed key (provision creates one)',
    );
  }
  return { arn: metadata.Arn, metadata };
}

/**
 * Refuses a key the key policy cannot protect (KEY_UNPROTECTABLE, KEY_HAS_GRANTS,
 * KEY_GRANTS_UNREADABLE), before anything is written; warnings go to `warnings`.
 */
export async function checkKey(
  key: DescribedKey,
  live: PolicyDocument,
  acceptedGrantIds: readonly string[],
  deps: KeyDeps,
  warnings: string[],
): Promise<KeyPropertiesReport> {
  let grants;
  try {
    grants = await readKeyGrants(deps.kms, key.arn);
  } catch (error) {
    throw awsError(error, 'ListGrants', key.arn, deps.caller.region);
  }
  const report = checkKeyProperties({
    keyArn: key.arn,
    metadata: key.metadata,
    grants,
    acceptedGrantIds,
    history: keyPolicyHistory(keyMarker(key.metadata.Description) !== undefined, live),
  });
  assertKeyProperties(report);
  for (const finding of report.findings) if (finding.severity === 'warning') warnings.push(finding.message);
  return report;
}

/** The key's live policy (kms:GetKeyPolicy), parsed strictly: POLICY_MALFORMED names what is wrong. */
export async function readPolicy(
  deps: { kms: Pick<KMSPort, 'getKeyPolicy'>; caller: { region: string } },
  keyArn: string,
): Promise<PolicyDocument> {
  let text: string | undefined;
  try {
    text = (await deps.kms.getKeyPolicy({ KeyId: keyArn, PolicyName: 'default' })).Policy;
  } catch (error) {
    const classified = awsError(error, 'GetKeyPolicy', keyArn, deps.caller.region);
    if (classified.code === 'AWS_ACCESS_DENIED') {
      throw new CosignerError('AWS_ACCESS_DENIED', `not allowed to read the key policy of ${keyArn}`, {
        hint: 'grant kms:GetKeyPolicy on the key to the caller (the Fireblocks policy grants it to the account root)',
        cause: error,
      });
    }
    throw classified;
  }
  if (text === undefined)
    fail('POLICY_MALFORMED', `kms:GetKeyPolicy returned no policy for ${keyArn}`, 'check the key in the AWS console');
  try {
    return parsePolicyDocument(text);
  } catch (error) {
    if (isCosignerError(error)) {
      throw new CosignerError('POLICY_MALFORMED', `the live key policy of ${keyArn} cannot be read: ${error.message}`, {
        hint: 'fix or replace the key policy in the AWS console; nothing was written',
        cause: error,
        ...(error.context ? { context: error.context } : {}),
      });
    }
    throw error;
  }
}

/** The co-signer role's ARN: as given, or looked up by name (iam:GetRole). */
export async function resolveRoleArn(
  role: { arn: string } | { name: string },
  deps: Pick<KeyDeps, 'iam'>,
): Promise<string> {
  if ('arn' in role) return role.arn;
  if (deps.iam === undefined)
    fail('INTERNAL', 'attest needs the IAM port to look up the role by name', undefined, { source: 'internal' });
  try {
    const arn = (await deps.iam.getRole({ RoleName: role.name })).Role?.Arn;
    if (arn === undefined)
      fail('AWS_SERVICE_ERROR', `iam:GetRole returned no ARN for ${role.name}`, 'run again with --debug');
    return arn;
  } catch (error) {
    if (isCosignerError(error)) throw error;
    const classified = classifyAwsError(error, { service: 'iam', operation: 'GetRole', resource: role.name });
    if (classified.code === 'AWS_NOT_FOUND') {
      throw new CosignerError('AWS_NOT_FOUND', `the co-signer role ${role.name} does not exist`, {
        hint: 'run provision first, or pass --role-name / set iam.roleName',
        cause: error,
      });
    }
    throw classified;
  }
}
