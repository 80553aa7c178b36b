// Attack: plaintext taken out of the co-signer's key by ReEncrypt, hidden from the audit's history.
// A principal that once held kms:ReEncryptFrom on the key (a statement added for a moment, or a
// grant with ReEncryptFrom, since retired) calls ReEncrypt with the co-signer's ciphertext as the
// source and a key of its own as the destination: KMS decrypts inside, without any attestation
// document, and re-encrypts under the attacker's key, which the attacker then Decrypts at will.
// CloudTrail records a successful `ReEncrypt` on the co-signer's key (resources: both keys, no
// additionalEventData.recipient). `cosigner_kms_unattested_use` judges only Decrypt,
// GenerateDataKey* and DeriveSharedSecret, so it stays PASS: the one exfiltration that leaves the
// key policy and grants clean afterwards is the one the evidence check does not see.
// Impact: an auditor is told "no unattested use of the key in 90 days" after the key shares' data
// key left the enclave's control. Fix: count a successful ReEncrypt whose source key is the
// co-signer's key (requestParameters.sourceKeyId, or resources) as unattested use.
//
// Fixed: a ReEncrypt counts unless it names another key (by ARN or id) as its source.
//
// The sandbox has no ReEncrypt operation, so the event is the one CloudTrail writes, added to what
// LookupEvents returns for the key; everything else is the sound sandbox deployment.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type * as CloudTrail from '@aws-sdk/client-cloudtrail';
import { runAudit } from '../../src/verify/run.js';
import { AUDITOR, DAY_MS, finding, makeAuditWorld, type AuditWorld } from '../verify/audit-world.js';
import { FAST_RETRY, REGION } from '../e2e/world.js';

let w: AuditWorld | undefined;
afterEach(async () => {
  await w?.world.cleanup();
  w = undefined;
});

const ATTACKER_KEY = `arn:aws:kms:${REGION}:444455556666:key/${randomUUID()}`;
const ATTACKER = 'arn:aws:iam::111122223333:user/mallory';

/** The CloudTrail record of a successful ReEncrypt from the co-signer's key to the attacker's. */
function reEncryptEvent(keyArn: string, when: Date, source: string | undefined = keyArn): CloudTrail.Event {
  const id = randomUUID();
  const detail = {
    eventVersion: '1.10',
    userIdentity: { type: 'IAMUser', arn: ATTACKER, accountId: '111122223333', userName: 'mallory' },
    eventTime: when.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'kms.amazonaws.com',
    eventName: 'ReEncrypt',
    awsRegion: REGION,
    requestParameters: {
      ...(source === undefined ? {} : { sourceKeyId: source }),
      destinationKeyId: ATTACKER_KEY,
      sourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      destinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    },
    responseElements: null,
    requestID: randomUUID(),
    eventID: id,
    readOnly: true,
    resources: [
      { accountId: '111122223333', type: 'AWS::KMS::Key', ARN: keyArn },
      { accountId: '444455556666', type: 'AWS::KMS::Key', ARN: ATTACKER_KEY },
    ],
    eventType: 'AwsApiCall',
  };
  return {
    EventId: id,
    EventName: 'ReEncrypt',
    EventTime: when,
    EventSource: 'kms.amazonaws.com',
    Username: 'mallory',
    Resources: [
      { ResourceType: 'AWS::KMS::Key', ResourceName: keyArn },
      { ResourceType: 'AWS::KMS::Key', ResourceName: ATTACKER_KEY },
    ],
    CloudTrailEvent: JSON.stringify(detail),
  };
}

/** The audit's cosigner_kms_unattested_use status with `event` added to the key's history. */
async function unattestedUseWith(event: (keyArn: string, when: Date) => CloudTrail.Event): Promise<string> {
  w = await makeAuditWorld();
  const world = w;
  const ports = await world.world.ports({}, AUDITOR);
  const now = new Date();
  const injected = event(world.keyArn, new Date(now.getTime() - DAY_MS));
  const lookupEvents = ports.cloudtrail.lookupEvents.bind(ports.cloudtrail);
  ports.cloudtrail.lookupEvents = async (input) => {
    const out = await lookupEvents(input);
    const forKey = input.LookupAttributes?.[0]?.AttributeValue === world.keyArn && input.NextToken === undefined;
    return forKey ? { ...out, Events: [injected, ...(out.Events ?? [])] } : out;
  };
  const report = await runAudit(
    { all: false, config: world.world.config, configSource: 'config', since: new Date(now.getTime() - 90 * DAY_MS) },
    { ports, now: () => now, retry: FAST_RETRY },
  );
  if ('deployments' in report) throw new Error('expected one deployment');
  const check = finding(report, 'cosigner_kms_unattested_use');
  // The event was read (the audit saw it).
  expect((check.evidence as { eventsExamined: number }).eventsExamined).toBeGreaterThan(0);
  return check.status;
}

describe('verify: a ReEncrypt of the co-signer key in the trail', () => {
  it('fails cosigner_kms_unattested_use for a successful ReEncrypt without attestation', async () => {
    expect(await unattestedUseWith((key, when) => reEncryptEvent(key, when))).toBe('FAIL');
  });

  it('fails it too when the source was left out (KMS reads it from the ciphertext) or named by an alias', async () => {
    expect(await unattestedUseWith((key, when) => reEncryptEvent(key, when, undefined))).toBe('FAIL');
    await w?.world.cleanup();
    expect(await unattestedUseWith((key, when) => reEncryptEvent(key, when, 'alias/demo-cosigner'))).toBe('FAIL');
  });

  it('passes a ReEncrypt that only wrote into the key from another key', async () => {
    expect(await unattestedUseWith((key, when) => reEncryptEvent(key, when, ATTACKER_KEY))).toBe('PASS');
  });
});
