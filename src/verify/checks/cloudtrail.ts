/**
 * The CloudTrail checks: that a trail keeps the evidence (multi-Region, logging, validated files),
 * and what the key's event history over the lookback window shows: data served without an
 * attestation document, attested calls from an image or a debug-mode enclave that is not expected.
 */
import { ZERO_MEASUREMENT } from '../../policy/constants.js';
import { shortPCR8 } from '../../policy/pcr8.js';
import { checkMeta } from '../catalogue.js';
import { skipped, Verdict, type CheckContext, type CheckDefinition, type CheckOutcome } from '../check.js';
import type { TrailFacts } from '../deployment-reads.js';
import type { KeyEvent } from '../trail-events.js';

/** The operations that return key material or plaintext (GenerateDataKey* as the catalogue says). */
const DATA_EVENTS = [
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPairWithoutPlaintext',
  'DeriveSharedSecret',
];
/**
 * Does this event take plaintext out of the key? The data calls do; so does a ReEncrypt whose
 * source is this key: KMS decrypts inside, with no attestation, and encrypts under a key the
 * caller chooses. A ReEncrypt that names another key (by ARN or id) as its source only wrote into
 * this key; one whose source was left out (KMS reads it from the ciphertext) or named by an alias
 * may have read from it, and counts.
 */
function readsPlaintext(event: KeyEvent, keyArn: string): boolean {
  if (DATA_EVENTS.includes(event.eventName)) return true;
  if (event.eventName !== 'ReEncrypt') return false;
  const source = event.reEncryptSource;
  if (source === undefined || source.startsWith('alias/') || source.includes(':alias/')) return true;
  const keyId = keyArn.split('/').at(-1) ?? keyArn;
  return source === keyArn || source === keyId;
}

/** At most this many events are listed in the evidence (the count is always complete). */
const LISTED = 20;

function trailResource(ctx: CheckContext): string {
  return `arn:${ctx.target.partition}:cloudtrail:${ctx.target.region}:${ctx.target.accountId}:trail/*`;
}

/**
 * A trail check: PASS when a logging trail has `property`; ERROR when that cannot be known. With
 * `selectors`, only a trail with the default event selectors (every management event, reads such
 * as Decrypt among them) proves it: custom selectors may leave out KMS or read events, which the
 * audit does not read (cloudtrail:GetEventSelectors), so such a trail is WARN, not PASS.
 */
function trailCheck(
  id: string,
  property: (t: TrailFacts) => boolean,
  missing: string,
  selectors = false,
): CheckDefinition {
  return {
    ...checkMeta(id),
    reads: ['trails'],
    async run(ctx) {
      const v = new Verdict();
      const trails = await ctx.reads.trails();
      if (!trails.ok) return v.unreadable(trails.failure).outcome(trailResource(ctx));
      const candidates = trails.value.filter(property);
      v.note(
        'trails',
        trails.value.map((t) => ({
          name: t.name,
          homeRegion: t.homeRegion,
          multiRegion: t.multiRegion,
          logFileValidation: t.logFileValidation,
          customEventSelectors: t.customEventSelectors,
          logging: t.logging.ok ? t.logging.value : 'unknown',
        })),
      );
      const logging = candidates.filter((t) => t.logging.ok && t.logging.value);
      const proving = logging.find((t) => !selectors || !t.customEventSelectors);
      if (proving !== undefined) return v.note('provedBy', proving.arn).outcome(proving.arn);
      const unknown = candidates.find((t) => !t.logging.ok);
      if (unknown !== undefined && !unknown.logging.ok)
        return v.unreadable(unknown.logging.failure).outcome(unknown.arn);
      const custom = logging[0];
      if (custom !== undefined)
        return v
          .warn({
            trail: custom.arn,
            message: `${custom.name} logs with custom event selectors: that it records the key's management events (Decrypt is a read event) is not shown`,
          })
          .outcome(custom.arn);
      return v.fail({ message: missing }).outcome(trailResource(ctx));
    },
  };
}

const multiRegion = trailCheck(
  'cloudtrail_multi_region_enabled',
  (t) => t.multiRegion,
  'no multi-Region trail is logging: calls in other regions (and on this key, after a trail stops) leave no durable record',
  true,
);
const validation = trailCheck(
  'cloudtrail_log_file_validation_enabled',
  (t) => t.logFileValidation,
  'no logging trail validates its log files: a deleted or altered log file would go unnoticed',
);

function listed(event: KeyEvent): Record<string, unknown> {
  return {
    eventId: event.eventId,
    eventName: event.eventName,
    eventTime: event.eventTime,
    caller: event.caller,
    ...(event.errorCode === undefined ? {} : { errorCode: event.errorCode }),
    ...(event.attestation === undefined
      ? {}
      : {
          moduleId: event.attestation.moduleId,
          pcr0: event.attestation.pcr0 ?? null,
          pcr8: event.attestation.pcr8 ?? null,
        }),
  };
}

type EventJudge = (v: Verdict, events: KeyEvent[], ctx: CheckContext) => void;

/** A check of the key's events in the window: SKIP without a key, ERROR when the history cannot be read. */
function eventCheck(id: string, judge: EventJudge): CheckDefinition {
  return {
    ...checkMeta(id),
    reads: ['key', 'keyEvents'],
    async run(ctx): Promise<CheckOutcome> {
      const v = new Verdict();
      const key = await ctx.reads.key();
      const ref = ctx.target.keyRef.value;
      if (!key.ok) return v.unreadable(key.failure).outcome(ref);
      if (key.value?.Arn === undefined) return skipped(ref, `no KMS key found for ${ctx.target.name}`);
      const events = await ctx.reads.keyEvents();
      if (!events.ok) return v.unreadable(events.failure).outcome(key.value.Arn);
      const all = events.value ?? [];
      const data = all.filter((e) => readsPlaintext(e, key.value?.Arn ?? ''));
      v.note('window', { since: ctx.target.since.toISOString(), until: ctx.target.now.toISOString() });
      v.note('eventsExamined', all.length).note('dataCalls', data.length);
      v.note('attestedCalls', data.filter((e) => e.attestation !== undefined).length);
      const unreadable = all.filter((e) => !e.readable);
      if (unreadable.length > 0)
        v.warn({
          message: `${unreadable.length} event(s) could not be read and were not judged`,
          events: unreadable.slice(0, LISTED).map(listed),
        });
      judge(v, data, ctx);
      return v.outcome(key.value.Arn);
    },
  };
}

function report(v: Verdict, how: 'fail' | 'warn', events: KeyEvent[], message: string): void {
  if (events.length === 0) return;
  const item = {
    message: `${events.length} ${message}`,
    count: events.length,
    events: events.slice(0, LISTED).map(listed),
  };
  if (how === 'fail') v.fail(item);
  else v.warn(item);
}

const unattested = eventCheck('cosigner_kms_unattested_use', (v, data) => {
  report(
    v,
    'fail',
    data.filter((e) => e.readable && e.succeeded && e.attestation === undefined),
    'successful call(s) on the key without an attestation document',
  );
});

const unknownImage = eventCheck('kms_key_enclave_attestation_unknown_image', (v, data, ctx) => {
  const expected = ctx.target.expectedPcr8.values;
  const foreign = data.filter(
    (e) => e.attestation !== undefined && (e.attestation.pcr8 === undefined || !expected.includes(e.attestation.pcr8)),
  );
  v.note('expectedPcr8', expected.map(shortPCR8));
  report(
    v,
    'fail',
    foreign.filter((e) => e.succeeded),
    'attested call(s) served to an enclave whose PCR8 is not expected',
  );
  report(
    v,
    'warn',
    foreign.filter((e) => !e.succeeded),
    'attested call(s) from an enclave whose PCR8 is not expected, denied',
  );
});

const debugAttested = eventCheck('kms_key_enclave_debug_attestation_detected', (v, data) => {
  const debug = data.filter((e) => e.attestation !== undefined && e.attestation.pcr0 === ZERO_MEASUREMENT);
  // An attested call whose event records no image digest cannot be shown not to be a debug enclave's.
  report(
    v,
    'warn',
    data.filter((e) => e.attestation !== undefined && e.attestation.pcr0 === undefined && e.succeeded),
    'attested call(s) whose event records no image digest (PCR0): debug mode not shown either way',
  );
  report(
    v,
    'fail',
    debug.filter((e) => e.succeeded),
    'attested call(s) served to a debug-mode enclave (PCR0 all zeros)',
  );
  report(
    v,
    'warn',
    debug.filter((e) => !e.succeeded),
    'attested call(s) from a debug-mode enclave, denied',
  );
});

export const CLOUDTRAIL_CHECKS: readonly CheckDefinition[] = [
  multiRegion,
  validation,
  unattested,
  unknownImage,
  debugAttested,
];
