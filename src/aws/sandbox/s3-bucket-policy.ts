/** Bucket policies: validation on PutBucketPolicy (grammar, resources, principals, BlockPublicPolicy) and the policy status. */
import type * as SDK from '@aws-sdk/client-s3';
import { isCosignerError } from '../../errors.js';
import { bucketArn } from '../../policy/bucket-policy.js';
import { toList, toPolicyDocument } from '../../policy/evaluate.js';
import type { PolicyDocument } from '../../policy/types.js';
import type { Tx } from './engine.js';
import { awsPrincipals, principalStatus } from './iam-records.js';
import type { BucketRecord } from './state.js';

/** A policy is public when an Allow grants `*` without any condition (a conservative reading). */
function isPublicPolicy(document: PolicyDocument): boolean {
  return document.Statement.some((statement) => {
    if (statement.Effect !== 'Allow' || statement.Condition !== undefined) return false;
    const principal = statement.Principal;
    return principal === '*' || (principal !== undefined && toList(principal.AWS).includes('*'));
  });
}

export function putBucketPolicy(tx: Tx, bucket: BucketRecord, input: SDK.PutBucketPolicyCommandInput) {
  const text = input.Policy ?? '';
  if (!text.trimStart().startsWith('{'))
    throw tx.error('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
  if (Buffer.byteLength(text) > 20_480)
    throw tx.error('PolicyTooLarge', 'Policy exceeds the maximum allowed document size.');
  let document: PolicyDocument;
  try {
    document = toPolicyDocument(JSON.parse(text) as unknown);
  } catch (error) {
    if (error instanceof SyntaxError)
      throw tx.error('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
    if (isCosignerError(error)) throw tx.error('MalformedPolicy', error.message);
    throw error;
  }
  const arn = bucketArn(bucket.name);
  for (const statement of document.Statement) {
    if (statement.Principal === undefined && statement.NotPrincipal === undefined)
      throw tx.error('MalformedPolicy', 'Missing required field Principal');
    for (const action of toList(statement.Action ?? statement.NotAction)) {
      if (action !== '*' && !/^s3:[A-Za-z*?]+$/.test(action))
        throw tx.error('MalformedPolicy', 'Policy has invalid action');
    }
    for (const resource of toList(statement.Resource ?? statement.NotResource)) {
      if (resource !== arn && !resource.startsWith(`${arn}/`))
        throw tx.error('MalformedPolicy', 'Policy has invalid resource');
    }
  }
  for (const principal of awsPrincipals(document)) {
    if (principalStatus(tx.state, principal, tx.now, tx.knobs.iamPropagationDelayMs) !== 'valid')
      throw tx.error('MalformedPolicy', 'Invalid principal in policy');
  }
  if (bucket.publicAccessBlock?.BlockPublicPolicy === true && isPublicPolicy(document)) {
    throw tx.error(
      'AccessDenied',
      `User: ${tx.caller.arn} is not authorized to perform: s3:PutBucketPolicy on resource: "${arn}" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
      403,
    );
  }
  bucket.policy = text;
  return {};
}

export function getBucketPolicy(tx: Tx, bucket: BucketRecord) {
  if (bucket.policy === undefined) throw tx.error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
  return { Policy: bucket.policy };
}

export function deleteBucketPolicy(bucket: BucketRecord) {
  delete bucket.policy;
  return {};
}

export function getBucketPolicyStatus(tx: Tx, bucket: BucketRecord) {
  if (bucket.policy === undefined) throw tx.error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
  let isPublic: boolean;
  try {
    isPublic = isPublicPolicy(toPolicyDocument(JSON.parse(bucket.policy) as unknown));
  } catch {
    isPublic = false;
  }
  return { PolicyStatus: { IsPublic: isPublic } };
}
