/**
 * The key's CloudTrail history: LookupEvents on the key ARN over the lookback window, every page,
 * and each event reduced to what the CloudTrail checks judge: the operation, whether it succeeded,
 * who called, and for a call made with an attestation document the enclave's module id, PCR0
 * (`attestationDocumentEnclaveImageDigest`) and PCR8. CloudTrail records the PCRs base64 (the
 * encoding seen in recorded events; AWS does not document it), so hex is accepted too.
 */
import type * as CloudTrail from '@aws-sdk/client-cloudtrail';
import { CosignerError } from '../errors.js';

export interface KeyEvent {
  eventId: string;
  eventName: string;
  eventTime: string;
  succeeded: boolean;
  errorCode?: string;
  /** `userIdentity.arn` (the caller, e.g. an assumed-role session). */
  caller: string;
  /** False when `CloudTrailEvent` could not be read: the event cannot be judged. */
  readable: boolean;
  /** ReEncrypt: the source key the caller named (`requestParameters.sourceKeyId`), when it did. */
  reEncryptSource?: string;
  /** Set when the call carried an attestation document. */
  attestation?: {
    moduleId: string;
    /** Lower-case hex, or undefined when absent or not a 48-byte value. */
    pcr0: string | undefined;
    pcr8: string | undefined;
  };
}

/** A lookback longer than CloudTrail's 90 days of event history cannot be read. */
export const LOOKUP_RETENTION_DAYS = 90;
/** 50 events a page: 100,000 events at most; a longer history is an error, never a partial verdict. */
const MAX_PAGES = 2000;

/** A PCR as CloudTrail records it (base64 or hex) → 96 lower-case hex, else undefined. */
export function pcrFromTrail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^[0-9a-fA-F]{96}$/.test(value)) return value.toLowerCase();
  if (!/^[A-Za-z0-9+/]{64}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 48 ? bytes.toString('hex') : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** One LookupEvents entry as a {@link KeyEvent}. */
export function toKeyEvent(event: CloudTrail.Event): KeyEvent {
  const base = {
    eventId: event.EventId ?? '',
    eventName: event.EventName ?? '',
    eventTime: event.EventTime === undefined ? '' : new Date(event.EventTime).toISOString(),
  };
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = record(JSON.parse(event.CloudTrailEvent ?? ''));
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) return { ...base, succeeded: false, caller: event.Username ?? '', readable: false };
  const errorCode = typeof parsed['errorCode'] === 'string' ? parsed['errorCode'] : undefined;
  const identity = record(parsed['userIdentity']);
  const recipient = record(record(parsed['additionalEventData'])?.['recipient']);
  const moduleId = recipient?.['attestationDocumentModuleId'];
  const source = record(parsed['requestParameters'])?.['sourceKeyId'];
  return {
    ...base,
    ...(typeof source === 'string' ? { reEncryptSource: source } : {}),
    succeeded: errorCode === undefined,
    ...(errorCode === undefined ? {} : { errorCode }),
    caller: typeof identity?.['arn'] === 'string' ? identity['arn'] : (event.Username ?? ''),
    readable: true,
    ...(recipient === undefined
      ? {}
      : {
          attestation: {
            moduleId: typeof moduleId === 'string' ? moduleId : '',
            pcr0: pcrFromTrail(recipient['attestationDocumentEnclaveImageDigest']),
            pcr8: pcrFromTrail(recipient['attestationDocumentEnclavePCR8']),
          },
        }),
  };
}

/** Every event CloudTrail holds on the key between `since` and `now`, oldest last (as returned). */
export async function lookupKeyEvents(
  lookup: (input: CloudTrail.LookupEventsCommandInput) => Promise<CloudTrail.LookupEventsCommandOutput>,
  keyArn: string,
  since: Date,
  now: Date,
): Promise<KeyEvent[]> {
  const events: KeyEvent[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await lookup({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: keyArn }],
      StartTime: since,
      EndTime: now,
      MaxResults: 50,
      NextToken: token,
    });
    events.push(...(out.Events ?? []).map(toKeyEvent));
    token = out.NextToken;
    if (token === undefined || token === '') return events;
  }
  throw new CosignerError(
    'VERIFY_INCOMPLETE',
    `CloudTrail holds more than ${MAX_PAGES * 50} events on ${keyArn} in the window: the history was not read to its end`,
    { hint: 'narrow the window with --since' },
  );
}
