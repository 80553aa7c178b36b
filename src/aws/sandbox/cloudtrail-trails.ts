/**
 * CloudTrail trails in the simulated account: DescribeTrails and GetTrailStatus (what `verify`
 * reads), and CreateTrail, UpdateTrail, StartLogging and StopLogging, which the CLI never calls
 * (tests and demonstrations set up an account's trails with them). A trail records nothing here:
 * the sandbox's event history (LookupEvents) exists whether or not a trail logs, as in AWS.
 */
import type * as SDK from '@aws-sdk/client-cloudtrail';
import type { Tx } from './engine.js';
import type { TrailRecord } from './state.js';

/** The account's trails (an older state file has none). */
function trails(tx: Tx): TrailRecord[] {
  tx.state.cloudtrail ??= { trails: [] };
  return tx.state.cloudtrail.trails;
}

/** A trail by name (in its home region) or by ARN (from anywhere it shows); TrailNotFoundException otherwise. */
function findTrail(tx: Tx, nameOrArn: string | undefined): TrailRecord {
  const wanted = nameOrArn ?? '';
  const trail = trails(tx).find((candidate) =>
    wanted.startsWith('arn:')
      ? candidate.arn === wanted && (candidate.homeRegion === tx.region || candidate.multiRegion)
      : candidate.name === wanted && candidate.homeRegion === tx.region,
  );
  if (trail === undefined)
    throw tx.error('TrailNotFoundException', `Unknown trail: ${wanted} for the user: ${tx.state.accountId}`, 400);
  return trail;
}

function trailOutput(trail: TrailRecord): SDK.Trail {
  return {
    Name: trail.name,
    TrailARN: trail.arn,
    HomeRegion: trail.homeRegion,
    IsMultiRegionTrail: trail.multiRegion,
    LogFileValidationEnabled: trail.logFileValidation,
    S3BucketName: trail.s3BucketName,
    IncludeGlobalServiceEvents: true,
    IsOrganizationTrail: false,
    HasCustomEventSelectors: false,
    HasInsightSelectors: false,
  };
}

export function describeTrails(tx: Tx, input: SDK.DescribeTrailsCommandInput) {
  tx.authorize({ action: 'cloudtrail:DescribeTrails', resource: '*' });
  const shadows = input.includeShadowTrails ?? true;
  const names = input.trailNameList ?? [];
  const visible = trails(tx).filter((trail) => trail.homeRegion === tx.region || (shadows && trail.multiRegion));
  const selected =
    names.length === 0 ? visible : visible.filter((trail) => names.includes(trail.name) || names.includes(trail.arn));
  return { trailList: selected.map(trailOutput) };
}

export function getTrailStatus(tx: Tx, input: SDK.GetTrailStatusCommandInput) {
  tx.authorize({ action: 'cloudtrail:GetTrailStatus', resource: '*' });
  const trail = findTrail(tx, input.Name);
  return {
    IsLogging: trail.logging,
    ...(trail.logging ? { StartLoggingTime: new Date(trail.createdAt) } : {}),
  };
}

export function createTrail(tx: Tx, input: SDK.CreateTrailCommandInput) {
  tx.authorize({ action: 'cloudtrail:CreateTrail', resource: '*' });
  const name = input.Name ?? '';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$/.test(name))
    throw tx.error('InvalidTrailNameException', `Trail name ${name} is not valid.`);
  if (trails(tx).some((trail) => trail.name === name && trail.homeRegion === tx.region))
    throw tx.error('TrailAlreadyExistsException', `Trail ${name} already exists for customer: ${tx.state.accountId}`);
  const bucket = input.S3BucketName ?? '';
  if (tx.state.s3.buckets[bucket] === undefined)
    throw tx.error('S3BucketDoesNotExistException', `S3 bucket ${bucket} does not exist.`);
  const trail: TrailRecord = {
    name,
    arn: `arn:aws:cloudtrail:${tx.region}:${tx.state.accountId}:trail/${name}`,
    homeRegion: tx.region,
    multiRegion: input.IsMultiRegionTrail ?? false,
    logFileValidation: input.EnableLogFileValidation ?? false,
    s3BucketName: bucket,
    logging: false,
    createdAt: tx.now.toISOString(),
  };
  trails(tx).push(trail);
  return trailOutput(trail);
}

export function updateTrail(tx: Tx, input: SDK.UpdateTrailCommandInput) {
  tx.authorize({ action: 'cloudtrail:UpdateTrail', resource: '*' });
  const trail = findTrail(tx, input.Name);
  if (trail.homeRegion !== tx.region)
    throw tx.error('InvalidHomeRegionException', 'This operation must be called from the trail’s home region.');
  if (input.IsMultiRegionTrail !== undefined) trail.multiRegion = input.IsMultiRegionTrail;
  if (input.EnableLogFileValidation !== undefined) trail.logFileValidation = input.EnableLogFileValidation;
  return trailOutput(trail);
}

export function setLogging(tx: Tx, name: string | undefined, logging: boolean) {
  tx.authorize({ action: logging ? 'cloudtrail:StartLogging' : 'cloudtrail:StopLogging', resource: '*' });
  const trail = findTrail(tx, name);
  if (trail.homeRegion !== tx.region)
    throw tx.error('InvalidHomeRegionException', 'This operation must be called from the trail’s home region.');
  trail.logging = logging;
  return {};
}
