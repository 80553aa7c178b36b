/**
 * The simulated CloudTrail behind {@link CloudTrailPort}: trails (cloudtrail-trails.ts) and
 * `LookupEvents` over the management
 * events the sandbox recorded for its own calls (newest first, 90 days of history, one lookup
 * attribute, small pages). KMS calls made with an attestation document carry
 * `additionalEventData.recipient` with the module id and PCRs, as in AWS.
 */
import type * as SDK from '@aws-sdk/client-cloudtrail';
import type { CloudTrailPort } from '../cloudtrail.js';
import type { SandboxEngine, Tx } from './engine.js';
import { createTrail, describeTrails, getTrailStatus, setLogging, updateTrail } from './cloudtrail-trails.js';

interface StoredEvent {
  eventID: string;
  eventName: string;
  eventTime: string;
  eventSource: string;
  awsRegion: string;
  readOnly: boolean;
  userIdentity: { type: string; arn: string; accessKeyId?: string; userName?: string };
  resources?: { ARN?: string; type?: string }[];
}

const ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
];
const RETENTION_MS = 90 * 86_400_000;

function username(event: StoredEvent): string | undefined {
  if (event.userIdentity.type === 'IAMUser') return event.userIdentity.userName;
  return event.userIdentity.arn.split('/').pop();
}

function matches(event: StoredEvent, attribute: SDK.LookupAttribute): boolean {
  const value = attribute.AttributeValue ?? '';
  switch (attribute.AttributeKey) {
    case 'EventId':
      return event.eventID === value;
    case 'EventName':
      return event.eventName === value;
    case 'ReadOnly':
      return String(event.readOnly) === value;
    case 'Username':
      return username(event) === value;
    case 'ResourceType':
      return (event.resources ?? []).some((resource) => resource.type === value);
    case 'ResourceName':
      return (event.resources ?? []).some((resource) => resource.ARN === value);
    case 'EventSource':
      return event.eventSource === value;
    case 'AccessKeyId':
      return event.userIdentity.accessKeyId === value;
    default:
      return false;
  }
}

export class SandboxCloudTrail implements CloudTrailPort {
  readonly #engine: SandboxEngine;

  constructor(engine: SandboxEngine) {
    this.#engine = engine;
  }

  async lookupEvents(input: SDK.LookupEventsCommandInput): Promise<SDK.LookupEventsCommandOutput> {
    const stored = (await this.#engine.store.readTrail()) as unknown as StoredEvent[];
    return this.#engine.call({
      service: 'cloudtrail',
      operation: 'LookupEvents',
      write: false,
      input,
      noTrail: true,
      run: (tx) => {
        tx.authorize({ action: 'cloudtrail:LookupEvents', resource: '*' });
        const attributes = input.LookupAttributes ?? [];
        if (attributes.length > 1)
          throw tx.error('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
        const attribute = attributes[0];
        if (attribute !== undefined && !ATTRIBUTE_KEYS.includes(attribute.AttributeKey ?? ''))
          throw tx.error('InvalidLookupAttributesException', `Invalid attribute key: ${attribute.AttributeKey ?? ''}`);
        if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 50))
          throw tx.error('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
        const from = input.StartTime?.getTime() ?? tx.now.getTime() - RETENTION_MS;
        const end = input.EndTime?.getTime() ?? tx.now.getTime();
        if (from > end) throw tx.error('InvalidTimeRangeException', 'Start time must be earlier than end time.');
        const events = stored
          .filter((event) => {
            const time = Date.parse(event.eventTime);
            return (
              event.awsRegion === tx.region &&
              time >= from &&
              time <= end &&
              tx.now.getTime() - time <= RETENTION_MS &&
              (attribute === undefined || matches(event, attribute))
            );
          })
          .reverse();
        // Cursor pagination (the token names the last event returned), stable while new events arrive.
        let start = 0;
        if (input.NextToken !== undefined) {
          let after: string | undefined;
          try {
            after = (JSON.parse(Buffer.from(input.NextToken, 'base64url').toString('utf8')) as { after?: string })
              .after;
          } catch {
            after = undefined;
          }
          const index = after === undefined ? -1 : events.findIndex((event) => event.eventID === after);
          if (index < 0) throw tx.error('InvalidNextTokenException', 'Invalid NextToken.');
          start = index + 1;
        }
        const size = Math.max(1, Math.min(input.MaxResults ?? 50, tx.knobs.pageSize));
        const items = events.slice(start, start + size);
        const last = items.at(-1);
        const page = {
          items,
          next:
            start + items.length < events.length && last !== undefined
              ? Buffer.from(JSON.stringify({ after: last.eventID })).toString('base64url')
              : undefined,
        };
        return {
          Events: page.items.map((event) => ({
            EventId: event.eventID,
            EventName: event.eventName,
            ReadOnly: String(event.readOnly),
            ...(event.userIdentity.accessKeyId === undefined ? {} : { AccessKeyId: event.userIdentity.accessKeyId }),
            EventTime: new Date(event.eventTime),
            EventSource: event.eventSource,
            ...(username(event) === undefined ? {} : { Username: username(event) }),
            Resources: (event.resources ?? []).map((resource) => ({
              ResourceType: resource.type,
              ResourceName: resource.ARN,
            })),
            CloudTrailEvent: JSON.stringify(event),
          })),
          ...(page.next === undefined ? {} : { NextToken: page.next }),
        };
      },
    });
  }

  describeTrails(input: SDK.DescribeTrailsCommandInput) {
    return this.#call('DescribeTrails', false, input, (tx) => describeTrails(tx, input));
  }

  getTrailStatus(input: SDK.GetTrailStatusCommandInput) {
    return this.#call('GetTrailStatus', false, input, (tx) => getTrailStatus(tx, input));
  }

  /** Not in {@link CloudTrailPort} (the CLI never creates trails): for tests and demonstrations. */
  createTrail(input: SDK.CreateTrailCommandInput) {
    return this.#call('CreateTrail', true, input, (tx) => createTrail(tx, input));
  }

  /** Not in {@link CloudTrailPort}: for tests and demonstrations. */
  updateTrail(input: SDK.UpdateTrailCommandInput) {
    return this.#call('UpdateTrail', true, input, (tx) => updateTrail(tx, input));
  }

  /** Not in {@link CloudTrailPort}: for tests and demonstrations. */
  startLogging(input: SDK.StartLoggingCommandInput) {
    return this.#call('StartLogging', true, input, (tx) => setLogging(tx, input.Name, true));
  }

  /** Not in {@link CloudTrailPort}: for tests and demonstrations. */
  stopLogging(input: SDK.StopLoggingCommandInput) {
    return this.#call('StopLogging', true, input, (tx) => setLogging(tx, input.Name, false));
  }

  #call<O extends object>(operation: string, write: boolean, input: object, run: (tx: Tx) => O) {
    // CloudTrail's own calls are not in the sandbox's event history (as LookupEvents).
    return this.#engine.call({ service: 'cloudtrail', operation, write, input, noTrail: true, run });
  }
}
